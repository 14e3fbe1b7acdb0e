import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConversationReference,
  MessageFactory,
  TeamsInfo,
  type TurnContext,
} from 'botbuilder';
import { ConnectorClient, MicrosoftAppCredentials } from 'botframework-connector';
import { BotConnectorEmulator, maxInWindow } from '../../../src/emulators/bot-connector';

// Shaped like Teams' ids: the `:` `@` `;` `=` must survive encodeURIComponent and back.
const PERSONAL = 'a:1xYz-AbC_123@unq.gbl.spaces';
const THREAD = '19:abc123def@thread.tacv2;messageid=1700000000000';

let emu: BotConnectorEmulator;

beforeEach(async () => {
  emu = await BotConnectorEmulator.start();
});

afterEach(async () => {
  await emu.close();
});

function url(path: string): string {
  return new URL(path, emu.serviceUrl).toString();
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; retryAfter: string | null }> {
  const res = await fetch(url(path), {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(path.startsWith('/_emulator/') ? { 'x-emulator-admin': '1' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined, retryAfter: res.headers.get('retry-after') };
}

const conv = (id: string) => `v3/conversations/${encodeURIComponent(id)}`;
const message = (text: string) => ({ type: 'message', text });

/** botbuilder in local mode (no app id): what the bot itself will run. */
async function asBot(logic: (ctx: TurnContext) => Promise<void>, conversationId = PERSONAL): Promise<void> {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const reference: Partial<ConversationReference> = {
    channelId: 'msteams',
    serviceUrl: emu.serviceUrl,
    conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
    bot: { id: '28:bot-id', name: 'To Do Attach' },
    user: { id: '29:user-id', name: 'Megan' },
  };
  await adapter.continueConversationAsync('', reference, logic);
}

describe('Bot Connector emulator over HTTP', () => {
  test('serviceUrl carries the Teams-like prefix and a trailing slash', () => {
    expect(emu.serviceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/emea\/$/);
  });

  test('send, reply, update and delete keep the current state of each message', async () => {
    const sent = await call('POST', `${conv(PERSONAL)}/activities`, message('card v1'));
    expect(sent.status).toBe(201);
    const id = (sent.json as { id: string }).id;
    expect(id).toMatch(/^\d{13}$/);

    const reply = await call('POST', `${conv(PERSONAL)}/activities/${id}`, message('a reply'));
    const replyId = (reply.json as { id: string }).id;
    expect(replyId).toMatch(/^\d{13}$/);
    expect(replyId).not.toBe(id);

    expect((await call('PUT', `${conv(PERSONAL)}/activities/${id}`, message('card v2'))).json).toEqual({ id });
    expect((await call('PUT', `${conv(PERSONAL)}/activities/${id}`, message('card v3'))).status).toBe(200);

    expect(emu.messages(PERSONAL).map((m) => [m.activityId, (m.body as { text: string }).text, m.updateCount])).toEqual([
      [id, 'card v3', 2],
      [replyId, 'a reply', 0],
    ]);
    expect(emu.messages(PERSONAL)[1]?.replyToId).toBe(id);
    expect(emu.updatesOf(id).map((u) => (u.body as { text: string }).text)).toEqual(['card v2', 'card v3']);
    expect(emu.activities.map((a) => a.kind)).toEqual(['send', 'reply', 'update', 'update']);
    expect(emu.activities.every((a) => a.conversationId === PERSONAL)).toBe(true);

    expect((await call('DELETE', `${conv(PERSONAL)}/activities/${replyId}`)).status).toBe(200);
    expect(emu.messages().map((m) => m.activityId)).toEqual([id]);
  });

  test('updating an activity that was never sent answers 404, and nothing is recorded', async () => {
    const res = await call('PUT', `${conv(PERSONAL)}/activities/1700000000001`, message('ghost'));
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: { code: 'ActivityNotFound', message: expect.any(String) } });
    expect(emu.activities).toEqual([]);
  });

  test('an activity without a type is refused like the real service does', async () => {
    const res = await call('POST', `${conv(PERSONAL)}/activities`, { text: 'no type' });
    expect(res.status).toBe(400);
    expect(emu.activities).toEqual([]);
  });

  test('a reply in a channel thread can be updated through the thread id', async () => {
    const sent = await call('POST', `${conv(THREAD)}/activities/1700000000000`, message('progress 0%'));
    const id = (sent.json as { id: string }).id;
    expect((await call('PUT', `${conv(THREAD)}/activities/${id}`, message('progress 50%'))).status).toBe(200);
    expect(emu.messages(THREAD).map((m) => (m.body as { text: string }).text)).toEqual(['progress 50%']);
    expect(emu.activities[0]?.conversationId).toBe(THREAD);
  });

  test('creating a 1:1 conversation returns the same a:… id for the same user', async () => {
    const params = { bot: { id: '28:bot-id' }, members: [{ id: '29:user-id' }], isGroup: false, tenantId: 't1' };
    const first = await call('POST', 'v3/conversations', params);
    const second = await call('POST', 'v3/conversations', params);
    expect(first.status).toBe(201);
    const id = (first.json as { id: string }).id;
    expect(id).toMatch(/^a:/);
    expect(second.json).toEqual({ id });
    const members = await call('GET', `${conv(id)}/members`);
    expect(members.json).toEqual([expect.objectContaining({ id: '29:user-id', aadObjectId: expect.any(String) })]);
  });

  test('posting to a channel returns the new thread and its first message, which can then be updated', async () => {
    const res = await call('POST', 'v3/conversations', {
      isGroup: true,
      channelData: { channel: { id: '19:general@thread.tacv2' } },
      activity: message('new post'),
    });
    const { id, activityId } = res.json as { id: string; activityId: string };
    expect(activityId).toMatch(/^\d{13}$/);
    expect(id).toBe(`19:general@thread.tacv2;messageid=${activityId}`);
    expect((await call('PUT', `${conv(id)}/activities/${activityId}`, message('edited post'))).status).toBe(200);
    expect(emu.messages(id).map((m) => (m.body as { text: string }).text)).toEqual(['edited post']);
  });

  test('a member lookup answers a plausible member with the id asked for', async () => {
    const res = await call('GET', `${conv(PERSONAL)}/members/${encodeURIComponent('29:someone-else')}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual(expect.objectContaining({ id: '29:someone-else', name: expect.any(String), userPrincipalName: expect.any(String) }));
  });

  test('activity ids are unique even when many messages arrive in the same millisecond', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call('POST', `${conv(PERSONAL)}/activities`, message(`m${i}`))));
    const ids = answers.map((a) => (a.json as { id: string }).id);
    expect(new Set(ids).size).toBe(40);
    expect(ids.every((id) => /^\d{13}$/.test(id))).toBe(true);
  });

  test('throttle rejects the nth matching request with 429, Retry-After and a Throttled error', async () => {
    emu.throttle({ kind: 'send', nth: 2, retryAfterSeconds: 3 });
    expect((await call('PUT', `${conv(PERSONAL)}/activities/1`, message('x'))).status).toBe(404); // other kind: not counted
    expect((await call('POST', `${conv(PERSONAL)}/activities`, message('one'))).status).toBe(201);
    const rejected = await call('POST', `${conv(PERSONAL)}/activities`, message('two'));
    expect(rejected.status).toBe(429);
    expect(rejected.retryAfter).toBe('3');
    expect(rejected.json).toEqual({ error: { code: 'Throttled', message: expect.any(String) } });
    expect((await call('POST', `${conv(PERSONAL)}/activities`, message('three'))).status).toBe(201);
    expect(emu.messages().map((m) => (m.body as { text: string }).text)).toEqual(['one', 'three']);
    expect(emu.rejections).toEqual([expect.objectContaining({ kind: 'send', status: 429, reason: 'throttle', conversationId: PERSONAL })]);
  });

  test('the rate limit never lets more than the allowed updates per second through, and says when to retry', async () => {
    const id = ((await call('POST', `${conv(PERSONAL)}/activities`, message('card'))).json as { id: string }).id;
    const other = ((await call('POST', `${conv(THREAD)}/activities`, message('other'))).json as { id: string }).id;
    emu.rateLimit({ perSecondPerConversation: 3 });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => call('PUT', `${conv(PERSONAL)}/activities/${id}`, message(`${i}`))));
    const rejected = answers.filter((a) => a.status === 429);
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.every((a) => Number(a.retryAfter) > 0 && Number(a.retryAfter) <= 1)).toBe(true);
    expect(emu.maxUpdatesPerSecond(id)).toBeLessThanOrEqual(3);
    expect(emu.updatesOf(id).length + emu.rejections.length).toBe(10);
    // The limit is per conversation: another conversation is not held back by this one.
    expect((await call('PUT', `${conv(THREAD)}/activities/${other}`, message('fine'))).status).toBe(200);
    emu.rateLimit(undefined);
  });

  test('waitFor resolves when the awaited message arrives and rejects with a useful message on timeout', async () => {
    const waiting = emu.waitFor(() => emu.messages().find((m) => (m.body as { text: string }).text === 'done'));
    await call('POST', `${conv(PERSONAL)}/activities`, message('working'));
    await call('POST', `${conv(PERSONAL)}/activities`, message('done'));
    await expect(waiting).resolves.toEqual(expect.objectContaining({ conversationId: PERSONAL }));

    await expect(emu.waitFor(() => emu.messages().length > 5, 100)).rejects.toThrow(/within 100 ms.*Recorded 2 request/);
  });

  test('admin routes: state, throttle (validated), rate limit and clear', async () => {
    await call('POST', `${conv(PERSONAL)}/activities`, message('hello'));
    const state = await call('GET', '/_emulator/state');
    expect(state.json).toEqual(expect.objectContaining({ serviceUrl: emu.serviceUrl, messages: [expect.objectContaining({ conversationId: PERSONAL })] }));

    const bad = await call('POST', '/_emulator/throttle', { kind: 'edit', times: 0 });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: { message: string } }).error.message).toMatch(/kind.*times/s);

    expect((await call('POST', '/_emulator/throttle', { kind: 'reply', status: 503, retryAfterSeconds: 2 })).status).toBe(200);
    const rejected = await call('POST', `${conv(PERSONAL)}/activities/123`, message('reply'));
    expect([rejected.status, rejected.retryAfter]).toEqual([503, '2']);

    expect((await call('POST', '/_emulator/rate-limit', { perSecondPerConversation: 7 })).json).toEqual({ perSecondPerConversation: 7 });
    expect((await call('POST', '/_emulator/clear')).status).toBe(200);
    expect(emu.state()).toEqual(expect.objectContaining({ activities: [], messages: [], rejections: [], rateLimit: null }));
  });

  test('a path with a different prefix, or none, reaches the same routes', async () => {
    const root = new URL(emu.serviceUrl).origin;
    const res = await fetch(`${root}/amer/${conv(PERSONAL)}/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message('via amer')),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ id: expect.stringMatching(/^\d{13}$/) });
    const bare = await BotConnectorEmulator.start({ pathPrefix: '' });
    try {
      expect(bare.serviceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const sent = await fetch(`${bare.serviceUrl}${conv(PERSONAL)}/activities`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message('no prefix')),
      });
      expect(sent.status).toBe(201);
      await sent.text();
      expect(bare.messages(PERSONAL)).toHaveLength(1);
    } finally {
      await bare.close();
    }
  });

  test('maxInWindow counts the busiest 1-second window', () => {
    expect(maxInWindow([], 1000)).toBe(0);
    expect(maxInWindow([0, 100, 999, 1000, 1500, 1600, 1999, 2100], 1000)).toBe(4);
    expect(maxInWindow([0, 1000, 2000], 1000)).toBe(1);
  });
});

describe('compatibility with botframework-connector 4.23.3', () => {
  test('CloudAdapter in local mode sends, updates, looks up a member and deletes through the emulator', async () => {
    let cardId = '';
    await asBot(async (ctx) => {
      const sent = await ctx.sendActivity(MessageFactory.text('Uploading 0%'));
      cardId = sent?.id ?? '';
      await ctx.updateActivity({ ...MessageFactory.text('Uploading 100%'), id: cardId });
      const member = await TeamsInfo.getMember(ctx, '29:user-id');
      expect(member.id).toBe('29:user-id');
      const extra = await ctx.sendActivity(MessageFactory.text('temporary'));
      await ctx.deleteActivity(extra?.id ?? '');
    });
    expect(cardId).toMatch(/^\d{13}$/);
    expect(emu.messages(PERSONAL).map((m) => [m.activityId, (m.body as { text: string }).text])).toEqual([[cardId, 'Uploading 100%']]);
    // A proactive turn has a made-up incoming activity, so botbuilder sends its messages as replies to it.
    expect(emu.activities.map((a) => a.kind)).toEqual(['reply', 'update', 'reply', 'delete']);
    expect((emu.activities[0]?.body as { serviceUrl: string }).serviceUrl).toBe(emu.serviceUrl);
  });

  test('a single 429 is absorbed by the client pipeline, which honours Retry-After and retries', async () => {
    emu.throttle({ kind: 'update', retryAfterSeconds: 0.01 });
    await asBot(async (ctx) => {
      const sent = await ctx.sendActivity(MessageFactory.text('v1'));
      await ctx.updateActivity({ ...MessageFactory.text('v2'), id: sent?.id ?? '' });
    });
    expect(emu.rejections).toHaveLength(1);
    expect(emu.messages().map((m) => (m.body as { text: string }).text)).toEqual(['v2']);
  });

  test('a persistent 429 on update surfaces as a RestError with statusCode 429 and a readable Retry-After', async () => {
    // botframework-connector's pipeline makes 1 + 3 attempts on 429s itself.
    emu.throttle({ kind: 'update', times: 4, retryAfterSeconds: 0.02 });
    let caught: unknown;
    await asBot(async (ctx) => {
      const sent = await ctx.sendActivity(MessageFactory.text('v1'));
      try {
        await ctx.updateActivity({ ...MessageFactory.text('v2'), id: sent?.id ?? '' });
      } catch (err) {
        caught = err;
      }
    });
    expect(caught).toMatchObject({ name: 'RestError', statusCode: 429, code: 'Throttled' });
    const response = (caught as { response?: { headers: { get(name: string): string | undefined } } }).response;
    expect(response?.headers.get('retry-after')).toBe('0.02');
    expect(emu.rejections).toHaveLength(4);
    expect(emu.messages().map((m) => (m.body as { text: string }).text)).toEqual(['v1']);
  });

  test('ConnectorClient with a serviceUrl lacking the trailing slash reaches the same routes', async () => {
    const client = new ConnectorClient(new MicrosoftAppCredentials('', ''), { baseUri: emu.serviceUrl.replace(/\/$/, '') });
    const sent = await client.conversations.sendToConversation(PERSONAL, { type: 'message', text: 'hi' } as never);
    await client.conversations.updateActivity(PERSONAL, sent.id, { type: 'message', text: 'hi again' } as never);
    const members = await client.conversations.getConversationMembers(PERSONAL);
    expect(members.length).toBeGreaterThan(0);
    expect(emu.messages(PERSONAL).map((m) => (m.body as { text: string }).text)).toEqual(['hi again']);
  });
});
