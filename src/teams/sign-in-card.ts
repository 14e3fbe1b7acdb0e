import { CardFactory, CloudAdapterBase, type Attachment, type TurnContext } from 'botbuilder';
import type { UserTokenClient } from 'botframework-connector';
import { AppError } from '../errors';

/**
 * The OAuthCard that starts a sign-in: its `tokenExchangeResource` lets Teams try SSO silently
 * (then `signin/tokenExchange` arrives), and its sign-in button is the fallback (then
 * `signin/verifyState`, or a six-digit code typed in the chat). Built from the token service's
 * sign-in resource for this conversation (UserTokenClient.getSignInResource).
 */

export function turnUserTokenClient(context: TurnContext): UserTokenClient {
  const adapter = context.adapter;
  const client = adapter instanceof CloudAdapterBase ? context.turnState.get<UserTokenClient>(adapter.UserTokenClientKey) : undefined;
  if (!client) throw new AppError('INTERNAL', 'This turn has no token service client.');
  return client;
}

/** The token service's sign-in link for this conversation (message-extension auth uses it bare). */
export async function signInLink(context: TurnContext, connectionName: string): Promise<{ link: string; resource: Awaited<ReturnType<UserTokenClient['getSignInResource']>> }> {
  let resource;
  try {
    resource = await turnUserTokenClient(context).getSignInResource(connectionName, context.activity, '');
  } catch (err) {
    throw new AppError('SIGN_IN_UNAVAILABLE', 'The Bot Framework Token Service gave no sign-in link.', { retryable: true, cause: err });
  }
  if (typeof resource?.signInLink !== 'string' || resource.signInLink === '') throw new AppError('SIGN_IN_UNAVAILABLE', 'The Bot Framework Token Service gave no sign-in link.');
  return { link: resource.signInLink, resource };
}

export async function signInCard(context: TurnContext, connectionName: string, text: string): Promise<Attachment> {
  const { link, resource } = await signInLink(context, connectionName);
  return CardFactory.oauthCard(connectionName, 'Sign in', text, link, resource.tokenExchangeResource, resource.tokenPostResource);
}
