import type { TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import { toAppError, userMessage } from '../errors';
import type { UserTokenCache } from '../identity/token-cache';
import type { SignInUser, UserToken, UserTokenService } from '../identity/user-tokens';
import type { InvokeResult } from './invoke';
import { signInLink } from './sign-in-card';

/**
 * Sign-in for the message action "Attach to To Do" (identity.md §3). Documented message-
 * extension SSO covers search and link unfurling only, so the action command uses the sign-in
 * link: without a token, `composeExtension/fetchTask` answers
 * `{ composeExtension: { type: "auth", suggestedActions: … openUrl <signInLink> } }`; after the
 * user signs in, Teams sends the same invoke again with `value.state` (the magic code), which
 * is redeemed with GetToken(…, code). Then the dialog opens as usual.
 */

export interface MessageExtensionAuthDeps {
  connectionName: string;
  tokens: UserTokenCache;
  turnTokenService: UserTokenService;
  onSignedIn(token: UserToken): void;
  logger: Logger;
}

/** undefined: signed in, let the bot open the dialog; otherwise the invoke's answer. */
export async function messageExtensionAuth(context: TurnContext, user: SignInUser, deps: MessageExtensionAuthDeps): Promise<InvokeResult | undefined> {
  const state = stateOf(context.activity.value);
  try {
    if (state !== undefined) {
      const token = await deps.turnTokenService.getToken(user, state);
      if (token) {
        deps.onSignedIn(token);
        return undefined;
      }
      deps.logger.info('the message extension’s sign-in state did not redeem; asking to sign in again');
    } else if (await deps.tokens.hasToken(user)) {
      return undefined;
    }
    const { link } = await signInLink(context, deps.connectionName);
    return { status: 200, body: { composeExtension: { type: 'auth', suggestedActions: { actions: [{ type: 'openUrl', value: link, title: 'Sign in' }] } } } };
  } catch (err) {
    deps.logger.warn({ err: toAppError(err).toLog() }, 'message extension sign-in failed');
    return { status: 200, body: { task: { type: 'message', value: userMessage(err) } } };
  }
}

function stateOf(value: unknown): string | undefined {
  const state = (value as { state?: unknown } | undefined)?.state;
  return typeof state === 'string' && state.trim() !== '' && state.length <= 4096 ? state.trim() : undefined;
}
