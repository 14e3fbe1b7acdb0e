import { ActivityTypes, CloudAdapterBase, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import type { Logger } from 'pino';
import { z } from 'zod';
import { toAppError, userMessage } from '../errors';
import type { ExchangeDeduplicator } from '../identity/exchange-dedup';
import type { PendingActions } from '../identity/pending-actions';
import type { UserTokenCache } from '../identity/token-cache';
import { teamsSignInUser, type SignInUser, type UserToken, type UserTokenService } from '../identity/user-tokens';
import { hasFileAttachments, shareOffersFromAttachments } from './file-offers';
import { messageResponse, type InvokeResult } from './invoke';
import { messageExtensionAuth } from './message-extension-auth';
import { signInCard } from './sign-in-card';

/**
 * Delegated sign-in in front of the bot (identity.md §1): whenever an action needs Graph and the
 * token service has no token for the user, the bot sends an OAuthCard (SSO first, sign-in button
 * as fallback) and remembers the action; `signin/tokenExchange`, `signin/verifyState` or a
 * six-digit code typed in the chat completes the sign-in, and the action continues by itself.
 * `sign out` signs the user out and pauses their transfers.
 */

export type PendingSignInAction =
  | { kind: 'message'; reference: Partial<ConversationReference>; text: string; attachments: unknown[]; mentioned: boolean }
  | { kind: 'card-action'; reference: Partial<ConversationReference>; verb: string; data: unknown; cardMessageId: string | undefined };

/** What sign-in does to transfers (src/jobs/runner.ts). */
export interface SignInJobs {
  /** Transfers waiting for the user's sign-in continue; resolves with how many. */
  resumeWaiting(userId: string): Promise<number>;
  /** The user's running transfers pause (keeping their upload sessions); returns how many. */
  pauseForSignIn(userId: string): number;
}

export interface SignInFlowDeps {
  appId: string;
  connectionName: string;
  tokens: UserTokenCache;
  /** The token service through this turn's client, with retries short enough for an invoke. */
  turnTokenService(context: TurnContext): UserTokenService;
  dedup: ExchangeDeduplicator;
  pending: PendingActions<PendingSignInAction>;
  jobs: SignInJobs;
  logger: Logger;
  /** Runs a pending action in its conversation once its user signed in (see bot.ts). */
  resume(context: TurnContext, action: PendingSignInAction): Promise<void>;
}

const SIGN_IN_TEXT = 'Sign in once so I can put files on your Microsoft To Do tasks. I continue with your request as soon as you are signed in.';
const SIGN_OUT_COMMANDS = new Set(['sign out', 'signout', 'sign-out', 'log out', 'logout']);
const MAGIC_CODE = /^\s*(\d{6})\s*$/;
const GRAPH_VERBS = new Set(['attach', 'showTasks', 'attachAnyway', 'attachOthers', 'pickAnother']);

const ExchangeValue = z.looseObject({ id: z.string().min(1), connectionName: z.string(), token: z.string().min(1) });
const VerifyStateValue = z.looseObject({ state: z.string().min(1).max(4096) });
const CardActionValue = z.looseObject({ action: z.looseObject({ verb: z.string().optional(), data: z.unknown().optional() }).optional() });

export class SignInFlow {
  constructor(private readonly deps: SignInFlowDeps) {}

  /** Handles the activity when it is about signing in, or when it needs a sign-in first; false lets the bot run. */
  async intercept(context: TurnContext): Promise<boolean> {
    const activity = context.activity;
    const user = teamsSignInUser(activity.from?.id ?? '');
    if (user.userId === '') return false;
    if (activity.type === ActivityTypes.Invoke) return this.invoke(context, user, activity);
    if (activity.type !== ActivityTypes.Message) return false;
    const { text, mentioned } = messageText(activity);
    const personal = (activity.conversation?.conversationType ?? 'personal') === 'personal';
    // In group chats and channels the bot only listens when @mentioned (as bot.ts does).
    if (!personal && !mentioned) return false;
    const command = text.trim().toLowerCase().replace(/^\//, '');
    if (SIGN_OUT_COMMANDS.has(command)) {
      await this.signOut(context, user);
      return true;
    }
    const code = MAGIC_CODE.exec(text)?.[1];
    if (code !== undefined && !hasAttachments(activity)) {
      await this.redeemTypedCode(context, user, code);
      return true;
    }
    const attachments = Array.isArray(activity.attachments) ? (activity.attachments as unknown[]) : [];
    const needsGraph = hasFileAttachments(attachments) || shareOffersFromAttachments(attachments).length > 0 || command === 'status';
    if (!needsGraph) return false;
    return this.requireSignIn(context, user, { kind: 'message', reference: TurnContext.getConversationReference(activity), text, attachments, mentioned });
  }

  private async invoke(context: TurnContext, user: SignInUser, activity: Activity): Promise<boolean> {
    switch (activity.name) {
      case 'signin/tokenExchange':
        await respond(context, await this.exchange(context, user, activity));
        return true;
      case 'signin/verifyState':
        await respond(context, await this.verifyState(context, user, activity.value));
        return true;
      case 'signin/failure':
        // Teams could not do SSO (e.g. resourcematchfailed: the manifest's resource differs from the card's).
        this.deps.logger.warn({ failure: failureCode(activity.value) }, 'Teams reported an SSO failure; the sign-in button remains');
        await respond(context, { status: 200 });
        return true;
      case 'adaptiveCard/action': {
        const parsed = CardActionValue.safeParse(activity.value);
        const verb = parsed.success ? (parsed.data.action?.verb ?? '') : '';
        if (verb === 'signIn') {
          await respond(context, await this.signInButton(context, user));
          return true;
        }
        if (!GRAPH_VERBS.has(verb)) return false;
        const action: PendingSignInAction = {
          kind: 'card-action',
          reference: TurnContext.getConversationReference(activity),
          verb,
          data: parsed.success ? parsed.data.action?.data : undefined,
          cardMessageId: activity.replyToId,
        };
        return this.requireSignIn(context, user, action);
      }
      case 'composeExtension/fetchTask': {
        const answer = await messageExtensionAuth(context, user, {
          connectionName: this.deps.connectionName,
          tokens: this.deps.tokens,
          turnTokenService: this.deps.turnTokenService(context),
          onSignedIn: (token) => this.signedIn(context, user, token),
          logger: this.deps.logger,
        });
        if (!answer) return false;
        await respond(context, answer);
        return true;
      }
      case 'composeExtension/submitAction': {
        if (await this.hasToken(context, user)) return false;
        await respond(context, { status: 200, body: { task: { type: 'message', value: 'Your sign-in to Microsoft To Do has ended. Close this dialog and choose Attach to To Do on the message again to sign in.' } } });
        return true;
      }
      default:
        return false;
    }
  }

  /** Lets the activity through when the user has a token; otherwise sends the OAuthCard and keeps the action. */
  private async requireSignIn(context: TurnContext, user: SignInUser, action: PendingSignInAction): Promise<boolean> {
    let signedIn: boolean;
    try {
      signedIn = await this.deps.tokens.hasToken(user);
    } catch (err) {
      await this.unavailable(context, err);
      return true;
    }
    if (signedIn) return false;
    this.deps.pending.add(user.userId, action);
    try {
      await context.sendActivity({ type: ActivityTypes.Message, attachments: [await signInCard(context, this.deps.connectionName, SIGN_IN_TEXT)] });
    } catch (err) {
      await this.unavailable(context, err);
      return true;
    }
    if (context.activity.type === ActivityTypes.Invoke) {
      await respond(context, messageResponse('Please sign in first: use the sign-in card I just sent. I continue as soon as you are signed in.'));
    }
    return true;
  }

  private async hasToken(context: TurnContext, user: SignInUser): Promise<boolean> {
    try {
      return await this.deps.tokens.hasToken(user);
    } catch (err) {
      this.deps.logger.warn({ err: toAppError(err).toLog() }, 'could not ask the token service');
      return false;
    }
  }

  /** `signin/tokenExchange`: exchange first (every client must hear "consent needed"), then de-duplicate. */
  private async exchange(context: TurnContext, user: SignInUser, activity: Activity): Promise<InvokeResult> {
    const parsed = ExchangeValue.safeParse(activity.value);
    const raw = (activity.value ?? {}) as { id?: unknown; connectionName?: unknown };
    const id = typeof raw.id === 'string' ? raw.id : '';
    const connectionName = typeof raw.connectionName === 'string' ? raw.connectionName : this.deps.connectionName;
    if (!parsed.success) {
      return { status: 400, body: { id, connectionName, failureDetail: 'The bot received an InvokeActivity that is missing a TokenExchangeInvokeRequest value.' } };
    }
    if (parsed.data.connectionName !== this.deps.connectionName) {
      return { status: 400, body: { id, connectionName, failureDetail: 'The ConnectionName of the TokenExchangeInvokeRequest does not match the bot’s OAuth connection.' } };
    }
    let token: UserToken | undefined;
    try {
      token = await this.deps.turnTokenService(context).exchange(user, parsed.data.token);
    } catch (err) {
      this.deps.logger.warn({ err: toAppError(err).toLog() }, 'token exchange failed');
      token = undefined;
    }
    if (!token) {
      // 412: Teams falls back to the sign-in button (or asks for consent).
      return { status: 412, body: { id, connectionName, failureDetail: 'The bot is unable to exchange token. Proceed with regular login.' } };
    }
    // Per user: another user's exchange never counts as this one's (nor blocks it).
    const first = await this.deps.dedup.claim({ channelId: user.channelId, conversationId: activity.conversation?.id ?? '', userId: user.userId, exchangeId: id });
    if (!first) {
      this.deps.logger.info({ exchangeId: id }, 'duplicate token exchange (another Teams client) answered without processing');
      return { status: 200 };
    }
    this.signedIn(context, user, token);
    return { status: 200, body: { id, connectionName } };
  }

  /** `signin/verifyState`: the sign-in button's magic code. 200 signed in, 404 not, 500 on error (as OAuthPrompt). */
  private async verifyState(context: TurnContext, user: SignInUser, value: unknown): Promise<InvokeResult> {
    const parsed = VerifyStateValue.safeParse(value);
    if (!parsed.success) return { status: 400 };
    try {
      const token = await this.deps.turnTokenService(context).getToken(user, parsed.data.state);
      if (!token) return { status: 404 };
      this.signedIn(context, user, token);
      await context.sendActivity('You are signed in to Microsoft To Do.');
      return { status: 200 };
    } catch (err) {
      this.deps.logger.warn({ err: toAppError(err).toLog() }, 'verifying the sign-in state failed');
      return { status: 500 };
    }
  }

  private async redeemTypedCode(context: TurnContext, user: SignInUser, code: string): Promise<void> {
    let token: UserToken | undefined;
    try {
      token = await this.deps.turnTokenService(context).getToken(user, code);
    } catch (err) {
      await this.unavailable(context, err);
      return;
    }
    if (!token) {
      await context.sendActivity('That code did not work. Codes work once and for five minutes: use the Sign in button again to get a new one.');
      return;
    }
    this.signedIn(context, user, token);
    await context.sendActivity('You are signed in to Microsoft To Do.');
  }

  /** The Sign in button of a transfer waiting for sign-in. */
  private async signInButton(context: TurnContext, user: SignInUser): Promise<InvokeResult> {
    let signedIn: boolean;
    try {
      signedIn = await this.deps.tokens.hasToken(user);
    } catch (err) {
      return messageResponse(userMessage(err));
    }
    if (signedIn) {
      this.afterSignIn(context, user);
      return messageResponse('You are signed in: your transfers continue.');
    }
    try {
      await context.sendActivity({ type: ActivityTypes.Message, attachments: [await signInCard(context, this.deps.connectionName, 'Sign in to Microsoft To Do so your paused transfers can continue.')] });
    } catch (err) {
      return messageResponse(userMessage(err));
    }
    return messageResponse('I sent you a sign-in card in this chat. Your transfers continue as soon as you are signed in.');
  }

  private async signOut(context: TurnContext, user: SignInUser): Promise<void> {
    this.deps.pending.take(user.userId);
    const paused = this.deps.jobs.pauseForSignIn(user.userId);
    try {
      await this.deps.turnTokenService(context).signOut(user);
    } catch (err) {
      await this.unavailable(context, err);
      return;
    } finally {
      this.deps.tokens.forget(user);
    }
    const what = paused === 0 ? '' : paused === 1 ? ' Your running transfer is paused until you sign in again.' : ` Your ${paused} running transfers are paused until you sign in again.`;
    await context.sendActivity(`You are signed out of Microsoft To Do.${what}`);
  }

  /** Keeps the token, then lets everything the user was waiting for continue (in the background). */
  private signedIn(context: TurnContext, user: SignInUser, token: UserToken): void {
    this.deps.tokens.remember(user, token);
    this.afterSignIn(context, user);
  }

  private afterSignIn(context: TurnContext, user: SignInUser): void {
    const adapter = context.adapter;
    for (const action of this.deps.pending.take(user.userId)) {
      if (!(adapter instanceof CloudAdapterBase)) break;
      // Not awaited: the invoke that completed the sign-in is answered first.
      void adapter
        .continueConversationAsync(this.deps.appId, action.reference, (ctx) => this.deps.resume(ctx, action))
        .catch((err: unknown) => this.deps.logger.error({ err: toAppError(err).toLog(), kind: action.kind }, 'the action waiting for sign-in failed'));
    }
    void this.deps.jobs.resumeWaiting(user.userId).catch((err: unknown) => this.deps.logger.error({ err: toAppError(err).toLog() }, 'resuming transfers after sign-in failed'));
  }

  private async unavailable(context: TurnContext, err: unknown): Promise<void> {
    this.deps.logger.warn({ err: toAppError(err).toLog() }, 'sign-in could not be checked');
    if (context.activity.type === ActivityTypes.Invoke) await respond(context, messageResponse(userMessage(err)));
    else await context.sendActivity(userMessage(err));
  }
}

async function respond(context: TurnContext, result: InvokeResult): Promise<void> {
  await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: result.status, body: result.body } });
}

/** The message's text without the bot's @mention, and whether the bot was mentioned; never throws on odd entities. */
function messageText(activity: Activity): { text: string; mentioned: boolean } {
  const entities = Array.isArray(activity.entities) ? activity.entities.filter((e) => e !== null && typeof e === 'object' && typeof e.type === 'string') : [];
  const copy = { ...activity, entities } as Activity;
  const recipientId = activity.recipient?.id;
  const mentioned = TurnContext.getMentions(copy).some((m) => m.mentioned?.id === recipientId);
  const text = TurnContext.removeRecipientMention(copy) ?? (typeof activity.text === 'string' ? activity.text : '');
  return { text: typeof text === 'string' ? text : '', mentioned };
}

function hasAttachments(activity: Activity): boolean {
  return Array.isArray(activity.attachments) && activity.attachments.length > 0;
}

function failureCode(value: unknown): string {
  const code = (value as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code.slice(0, 60) : 'unknown';
}
