import { readdir } from 'node:fs/promises';
import { request } from 'undici';
import path from 'node:path';
import { JwtSigner } from '../../../src/emulators/tokens';
import { cardText, MEGAN, personalConversationId, TENANT } from '../../support/bot-harness';
import { APP_ID, startSignedBot, type SignedBot } from '../../support/signed-bot';

/**
 * With MicrosoftAppId set, botbuilder validates every activity against the channel's OpenID
 * keys (here the OpenID emulator): anything unsigned, forged or addressed elsewhere is refused
 * with 401 and leaves no trace beyond one warning line.
 */
describe('credentialed bot: inbound activities are authenticated by botbuilder', () => {
  let bot: SignedBot;
  let consoleError: jest.SpyInstance;

  beforeAll(async () => {
    // botbuilder itself writes some validation failures to the console; keep the test output clean.
    consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    bot = await startSignedBot();
  });
  afterAll(async () => {
    await bot.close();
    consoleError.mockRestore();
  });

  function helpActivity(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      type: 'message',
      id: `m${Date.now()}`,
      channelId: 'msteams',
      serviceUrl: bot.h.connector.serviceUrl,
      from: { id: MEGAN.id, name: MEGAN.name, aadObjectId: MEGAN.aadObjectId },
      conversation: { conversationType: 'personal', tenantId: TENANT, id: personalConversationId(MEGAN) },
      recipient: { id: `28:${APP_ID}`, name: 'To Do Attach' },
      channelData: { tenant: { id: TENANT } },
      text: 'help',
      ...extra,
    };
  }

  it('a signed activity is served: the help card arrives through the connector with the bot’s own token', async () => {
    const res = await bot.h.post(helpActivity());
    expect(res.status).toBe(200);
    const card = await bot.h.waitForCard(1);
    expect(cardText(card.card)).toMatch(/Attach Teams files to your Microsoft To Do tasks/);
  });

  const forged: Array<[string, (b: SignedBot, serviceUrl: string) => string | null]> = [
    ['no Authorization header', () => null],
    ['a bearer that is not a JWT', () => 'Bearer not-a-token'],
    ['an unsigned token (alg none)', (b, url) => {
      const [, payload] = b.channelToken(url).split('.');
      return `Bearer ${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    }],
    ['a token signed by an unknown key', (_b, url) => `Bearer ${new JwtSigner().sign({ iss: 'https://api.botframework.com', aud: APP_ID, serviceurl: url, exp: Math.floor(Date.now() / 1000) + 600 })}`],
    ['a token signed by another key under the published kid', (b, url) => `Bearer ${b.id.openid.channelToken({ appId: APP_ID, serviceUrl: url, signer: new JwtSigner(b.id.openid.signer.kid) })}`],
    ['a token for another bot (aud)', (b, url) => `Bearer ${b.id.openid.channelToken({ appId: '00000000-0000-4000-8000-00000000dead', serviceUrl: url })}`],
    ['a token from another issuer', (b, url) => `Bearer ${b.id.openid.channelToken({ appId: APP_ID, serviceUrl: url, claims: { iss: 'https://issuer.example.org' } })}`],
    ['a token for another serviceUrl', (b) => `Bearer ${b.channelToken('https://smba.trafficmanager.net/evil/')}`],
    ['an expired token', (b, url) => `Bearer ${b.id.openid.channelToken({ appId: APP_ID, serviceUrl: url, claims: { nbf: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 } })}`],
  ];

  it.each(forged)('%s → 401, nothing stored, sent or logged beyond one warning', async (_name, tokenFor) => {
    const sentBefore = bot.h.connector.activities.length;
    const logsBefore = bot.h.logs.length;
    const graphBefore = bot.h.emulators.graph.requests.length;
    const activity = helpActivity({ attachments: [{ contentType: 'application/vnd.microsoft.teams.file.download.info', name: 'x.pdf', content: { downloadUrl: 'https://contoso-my.sharepoint.com/x?tempauth=secret' } }] });
    const res = await bot.h.post(activity, tokenFor(bot, bot.h.connector.serviceUrl));
    expect(res.status).toBe(401);
    expect(bot.h.connector.activities.length).toBe(sentBefore);
    expect(bot.h.emulators.graph.requests.length).toBe(graphBefore);
    expect(bot.h.app.store.list()).toHaveLength(0);
    expect(await readdir(path.join(bot.h.dataDir, 'jobs'))).toEqual([]);
    const lines = bot.h.logs.slice(logsBefore);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 40, msg: 'refused an activity that failed authentication' });
    expect(lines[0]).not.toContain('tempauth');
    expect(lines[0]).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\./);
  });

  it('without a bearer token the request gets 401 before its body is read: not 415 for a form post, not 413 for 2 MiB; one warning line', async () => {
    const url = `${bot.h.app.url}/api/messages`;
    const logsBefore = bot.h.logs.length;
    const statusOf = async (headers: Record<string, string>, body: string): Promise<number> => {
      const res = await request(url, { method: 'POST', headers, body });
      await res.body.text();
      return res.statusCode;
    };
    expect(await statusOf({ 'content-type': 'text/plain' }, 'hello')).toBe(401);
    expect(await statusOf({ 'content-type': 'application/json' }, JSON.stringify({ ...helpActivity(), text: 'x'.repeat(2 * 1024 * 1024) }))).toBe(401);
    expect(await statusOf({ 'content-type': 'application/json', authorization: 'Basic dXNlcjpwYXNz' }, JSON.stringify(helpActivity()))).toBe(401);
    const lines = bot.h.logs.slice(logsBefore).map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines).toEqual([1, 2, 3].map(() => expect.objectContaining({ level: 40, msg: 'refused an activity that failed authentication' })));
    // With a bearer token the body rules stand as before (and are checked before the token).
    expect(await statusOf({ 'content-type': 'text/plain', authorization: 'Bearer x' }, 'hello')).toBe(415);
    expect(await statusOf({ 'content-type': 'application/json', authorization: 'Bearer x' }, 'x'.repeat(2 * 1024 * 1024))).toBe(413);
  });

  it('a key endorsed for msteams does not sign activities of another channel', async () => {
    const res = await bot.h.post(helpActivity({ channelId: 'webchat' }));
    expect(res.status).toBe(401);
  });

  it('another tenant gets one polite sentence; no Graph call, no download, no job', async () => {
    const other = 'aaaaaaaa-1111-4222-8333-444455556666';
    const graphBefore = bot.h.emulators.graph.requests.length;
    const filesBefore = bot.h.emulators.files.requests.length;
    const conversation = { conversationType: 'personal', tenantId: other, id: 'a:1OtherTenantChat' };
    const file = bot.h.emulators.files.addFile({ name: 'contract.pdf', size: 1000 });
    const res = await bot.h.post(
      helpActivity({
        conversation,
        channelData: { tenant: { id: other } },
        attachments: [{ contentType: 'application/vnd.microsoft.teams.file.download.info', name: file.name, content: { downloadUrl: file.url, fileType: 'pdf' } }],
      }),
    );
    expect(res.status).toBe(200);
    const reply = await bot.h.connector.waitFor(() => bot.h.connector.messages(conversation.id)[0]);
    expect(JSON.stringify(reply.body)).toContain('not available for your organization');
    expect(bot.h.connector.messages(conversation.id)).toHaveLength(1);
    const invoke = await bot.h.post(helpActivity({ type: 'invoke', name: 'composeExtension/fetchTask', conversation, channelData: { tenant: { id: other } }, value: { commandId: 'attachToTodo' } }));
    expect(invoke.status).toBe(200);
    expect(invoke.body).toEqual({ task: { type: 'message', value: expect.stringContaining('not available for your organization') } });
    expect(bot.h.emulators.graph.requests.length).toBe(graphBefore);
    expect(bot.h.emulators.files.requests.length).toBe(filesBefore);
    expect(bot.h.app.store.list()).toHaveLength(0);
  });
});
