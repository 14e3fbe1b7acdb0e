import { OpenIdEmulator } from '../../../src/emulators/openid';
import { startIdentityEmulators, type IdentityStack } from '../../../src/emulators/identity-stack';
import { BOT, MEGAN, TENANT } from '../../support/bot-harness';
import { startEmulators } from '../../support/emulators';
import { APP_ID, APP_SECRET, startSignedBot, type SignedBot } from '../../support/signed-bot';
import { oauthCards, teamsSso, waitForOAuthCard } from '../../support/sign-in';

jest.setTimeout(120_000);

/**
 * Found by review (security, high): every Azure Bot also has the Web Chat channel (and often
 * Direct Line), where the client chooses `from.id` itself and its channelData is passed through;
 * the Bot Framework authenticates such an activity like any other (the real channel keys are
 * endorsed for webchat too). The bot's Graph calls take the user's token of the `msteams`
 * channel, so an activity from another channel naming a Teams user's id must never run: the bot
 * is Teams-only (src/teams/authenticated-handler.ts), and sign-in keys its tokens on `msteams`
 * in one place (src/identity/user-tokens.ts).
 */
let bot: SignedBot;
let extraOpenId: OpenIdEmulator | undefined;

/** The identity emulators, with channel keys endorsed for Web Chat as well as Teams (as the real Bot Framework keys are). */
async function identityEndorsingWebChat(graph: Parameters<typeof startIdentityEmulators>[0]['graph']): Promise<IdentityStack> {
  const base = await startIdentityEmulators({ appId: APP_ID, appPassword: APP_SECRET, graph });
  const openid = await OpenIdEmulator.start({ issuer: base.openid.issuer, endorsements: ['msteams', 'webchat', 'directline'] });
  extraOpenId = openid;
  return {
    ...base,
    openid,
    settings: { ...base.settings, ToBotFromChannelTokenIssuer: openid.issuer, ToBotFromChannelOpenIdMetadataUrl: openid.metadataUrl },
    close: async () => {
      await base.close();
      await openid.close();
    },
  };
}

beforeEach(async () => {
  const emulators = await startEmulators();
  bot = await startSignedBot({ emulators, identity: await identityEndorsingWebChat(emulators.graph) });
});
afterEach(async () => {
  await bot.close();
  extraOpenId = undefined;
});

/** An activity from the Web Chat channel whose client claims to be `userId` (Direct Line passes from.id and channelData through). */
function webChatInvoke(userId: string, name: string, value: unknown): Record<string, unknown> {
  return {
    type: 'invoke',
    name,
    value,
    id: `wc-${Date.now()}`,
    channelId: 'webchat',
    serviceUrl: bot.h.connector.serviceUrl,
    from: { id: userId, name: 'Mallory' },
    recipient: BOT,
    conversation: { id: 'webchat-conversation-1' },
    channelData: { tenant: { id: TENANT } },
    locale: 'en-US',
  };
}

function titles(body: unknown): string[] {
  const results = (body as { value?: { results?: Array<{ title?: string }> } } | undefined)?.value?.results ?? [];
  return results.map((r) => String(r.title));
}

test('a Web Chat activity claiming a Teams user id does not read that Teams user’s To Do lists (the bot serves only msteams)', async () => {
  const search = { queryText: '', dataset: 'todoLists', queryOptions: { top: 15 } };
  // Control: before Megan signs in on Teams, the forged request sees nothing. (The review's
  // control expected 200, the sign-in prompt of the unfixed bot; the fix refuses the channel.)
  const before = await bot.h.post(webChatInvoke(MEGAN.id, 'application/search', search));
  expect(before.status).toBe(403);
  expect(titles(before.body)).toEqual([]);

  // Megan signs in on Teams (SSO), as any user of the bot does.
  await bot.h.sendText('status');
  const card = await waitForOAuthCard(bot.h, oauthCards(bot.h).length || 1);
  expect((await teamsSso(bot, card)).status).toBe(200);

  // Mallory, on Web Chat with nobody signed in there, names Megan's Teams id.
  const forged = await bot.h.post(webChatInvoke(MEGAN.id, 'application/search', search));
  const seen = titles(forged.body);
  // The bot must not serve a Teams user's To Do to an activity from another channel.
  expect({ status: forged.status, lists: seen }).toEqual({ status: expect.any(Number), lists: [] });
  expect(forged.status).toBe(403);
});

test('an authenticated activity from another channel gets 403 and one warning line; nothing is sent, read or stored', async () => {
  const sentBefore = bot.h.connector.activities.length;
  const graphBefore = bot.h.emulators.graph.requests.length;
  const logsBefore = bot.h.logs.length;
  const message = { ...webChatInvoke(MEGAN.id, 'x', undefined), type: 'message', name: undefined, value: undefined, text: 'status' };
  const res = await bot.h.post(message);
  expect(res).toEqual({ status: 403, body: { error: 'To Do Attach works only in Microsoft Teams.' } });
  expect(bot.h.connector.activities.length).toBe(sentBefore);
  expect(bot.h.emulators.graph.requests.length).toBe(graphBefore);
  expect(bot.h.app.store.list()).toHaveLength(0);
  const lines = bot.h.logs.slice(logsBefore).map((l) => JSON.parse(l) as { level: number; msg: string; channelId?: string });
  expect(lines.filter((l) => l.level >= 40)).toEqual([expect.objectContaining({ level: 40, msg: 'refused an activity from a channel other than Teams', channelId: 'webchat' })]);
});
