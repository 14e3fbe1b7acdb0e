import { request } from 'undici';
import type { ConnectorMessage } from '../../src/emulators/bot-connector';
import { MEGAN, TENANT, personalConversationId, type BotHarness, type InvokeAnswer, type TeamsUser } from './bot-harness';
import type { SignedBot } from './signed-bot';

export const OAUTH_CARD = 'application/vnd.microsoft.card.oauth';

export interface SeenOAuthCard {
  activityId: string;
  connectionName: string;
  text: string;
  exchangeId: string;
  exchangeUri: string;
  signInLink: string;
}

function oauthCardOf(m: ConnectorMessage): SeenOAuthCard | undefined {
  const attachments = (m.body as { attachments?: Array<{ contentType?: string; content?: Record<string, unknown> }> }).attachments ?? [];
  const a = attachments.find((x) => x.contentType === OAUTH_CARD);
  if (!a?.content) return undefined;
  const c = a.content as { connectionName?: string; text?: string; tokenExchangeResource?: { id?: string; uri?: string }; buttons?: Array<{ type?: string; value?: string }> };
  return {
    activityId: m.activityId,
    connectionName: String(c.connectionName),
    text: String(c.text ?? ''),
    exchangeId: String(c.tokenExchangeResource?.id),
    exchangeUri: String(c.tokenExchangeResource?.uri),
    signInLink: String(c.buttons?.find((b) => b.type === 'signin')?.value),
  };
}

/** OAuthCards the bot sent in a conversation (the user's 1:1 chat by default). */
export function oauthCards(h: BotHarness, conversationId = personalConversationId(MEGAN)): SeenOAuthCard[] {
  return h.connector.messages(conversationId).map(oauthCardOf).filter((c): c is SeenOAuthCard => c !== undefined);
}

export function waitForOAuthCard(h: BotHarness, n = 1, conversationId = personalConversationId(MEGAN)): Promise<SeenOAuthCard> {
  return h.connector.waitFor(() => oauthCards(h, conversationId)[n - 1]);
}

/** Plain text messages the bot sent in the user's chat. */
export function texts(h: BotHarness, user: TeamsUser = MEGAN): string[] {
  return h.connector
    .messages(personalConversationId(user))
    .map((m) => (m.body as { text?: unknown }).text)
    .filter((t): t is string => typeof t === 'string');
}

export function waitForText(h: BotHarness, pattern: RegExp, user: TeamsUser = MEGAN): Promise<string> {
  return h.connector.waitFor(() => texts(h, user).find((t) => pattern.test(t)), 30_000);
}

/** What a Teams client does with the card's tokenExchangeResource: gets an SSO token, sends signin/tokenExchange. */
export function teamsSso(bot: SignedBot, card: SeenOAuthCard, user: TeamsUser = MEGAN, options: { connectionName?: string } = {}): Promise<InvokeAnswer> {
  const token = ssoToken(bot, user);
  return bot.h.invoke('signin/tokenExchange', { id: card.exchangeId, connectionName: options.connectionName ?? card.connectionName, token }, { user });
}

export function ssoToken(bot: SignedBot, user: TeamsUser = MEGAN): string {
  return bot.id.entra.userToken({ aadObjectId: user.aadObjectId, tenantId: TENANT, name: user.name }, bot.id.tokenService.ssoAudience).token;
}

/** The sign-in button in a browser: the consent page, accepted; returns the six-digit code it shows. */
export async function signInWithButton(link: string): Promise<string> {
  const page = await request(link);
  const html = await page.body.text();
  if (page.statusCode !== 200 || !html.includes('Accept')) throw new Error(`the sign-in page answered ${page.statusCode}`);
  const accepted = await request(link, { method: 'POST' });
  const code = /id="code">(\d{6})</.exec(await accepted.body.text())?.[1];
  if (!code) throw new Error('the sign-in page showed no code');
  return code;
}
