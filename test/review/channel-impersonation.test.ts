import { OpenIdEmulator } from '../../src/emulators/openid';
import { startIdentityEmulators, type IdentityStack } from '../../src/emulators/identity-stack';
import { BOT, MEGAN, TENANT } from '../support/bot-harness';
import { startEmulators } from '../support/emulators';
import { APP_ID, APP_SECRET, startSignedBot, type SignedBot } from '../support/signed-bot';
import { oauthCards, teamsSso, waitForOAuthCard } from '../support/sign-in';

jest.setTimeout(120_000);

/**
 * REVIEW FINDING (security, high): the sign-in gate asks the token service about the activity's
 * own channel (`activity.channelId`, src/teams/sign-in.ts), but every Graph call of the bot takes
 * the user's token of the `msteams` channel (src/app-identity.ts `TEAMS_CHANNEL`), for whatever
 * channel the activity came from. Every Azure Bot also has the Web Chat channel (and often Direct
 * Line), where the client chooses `from.id` itself and its channelData is passed through. Such an
 * activity, authenticated by the Bot Framework like any other (the real channel keys are endorsed
 * for webchat too), naming a Teams user's id, runs with that Teams user's Graph token.
 *
 * Here: a Web Chat client claims Megan's Teams id and asks the picker's typeahead for lists.
 * Expected: refused (the bot is Teams-only) or at least no To Do data. Actual: Megan's lists.
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

test('REVIEW: a Web Chat activity claiming a Teams user id reads that Teams user’s To Do lists (Graph token of the msteams channel)', async () => {
  const search = { queryText: '', dataset: 'todoLists', queryOptions: { top: 15 } };
  // Control: before Megan signs in on Teams, the forged request sees nothing.
  const before = await bot.h.post(webChatInvoke(MEGAN.id, 'application/search', search));
  expect(before.status).toBe(200);
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
});
