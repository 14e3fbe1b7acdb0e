import fc from 'fast-check';
import { request } from 'undici';
import { BOT, BotHarness, MEGAN, TENANT, personalConversationId } from '../../support/bot-harness';

jest.setTimeout(180_000);

/**
 * Malformed input through /api/messages, generated: activity shapes, invoke names and values,
 * card data, attachments. Whatever arrives: never a 500, never a crash (the bot keeps
 * answering), never a transfer started.
 */
let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start({ env: { LOG_LEVEL: 'warn' } });
});
afterAll(async () => {
  await h.close();
});

const VERBS = ['attach', 'showTasks', 'cancel', 'retry', 'dismiss', 'signIn', 'search', '', 'unknown'];
const INVOKES = ['adaptiveCard/action', 'composeExtension/fetchTask', 'composeExtension/submitAction', 'composeExtension/query', 'application/search', 'signin/tokenExchange', 'signin/verifyState', 'task/fetch', 'other/name'];

/** Anything JSON, kept small. */
const anything = fc.jsonValue({ maxDepth: 3 });
const weirdString = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('', ' ', '\u0000', '../../etc', 'https://evil.example/x', '<at>To Do Attach</at>', 'x'.repeat(5000)));
const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
/** Mostly `usual`, sometimes `odd`: most activities get past the envelope check to the handlers. */
const mostly = <T, U>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<U>): fc.Arbitrary<T | U> => fc.oneof({ weight: 6, arbitrary: usual }, { weight: 1, arbitrary: odd });

const cardData = fc.record(
  {
    pickerId: maybe(fc.oneof(weirdString, anything)),
    transferId: maybe(fc.oneof(weirdString, anything)),
    offerId: maybe(fc.oneof(weirdString, anything)),
    listId: maybe(fc.oneof(weirdString, anything)),
    taskId: maybe(fc.oneof(weirdString, anything)),
    newTaskTitle: maybe(fc.oneof(weirdString, anything)),
    taskSearch: maybe(fc.oneof(weirdString, anything)),
    action: maybe(fc.oneof(fc.constantFrom('attach', 'showTasks'), weirdString)),
  },
  { requiredKeys: [] },
);

const invokeValue = fc.oneof(
  anything,
  fc.record({ action: fc.record({ type: fc.oneof(fc.constant('Action.Execute'), weirdString), verb: fc.oneof(fc.constantFrom(...VERBS), anything), data: fc.oneof(cardData, anything) }, { requiredKeys: [] }), trigger: maybe(weirdString) }, { requiredKeys: [] }),
  fc.record({ commandId: fc.oneof(fc.constant('attachToTodo'), weirdString), commandContext: maybe(weirdString), messagePayload: maybe(fc.oneof(anything, fc.record({ id: maybe(weirdString), body: maybe(fc.record({ content: maybe(weirdString) })), attachments: maybe(fc.array(anything, { maxLength: 3 })) }))), data: maybe(fc.oneof(cardData, anything)) }, { requiredKeys: [] }),
);

const attachment = fc.oneof(
  anything,
  fc.record({ contentType: fc.constantFrom('application/vnd.microsoft.teams.file.download.info', 'reference', 'image/png', 'text/html'), name: maybe(fc.oneof(weirdString, anything)), contentUrl: maybe(fc.oneof(weirdString, anything)), content: maybe(fc.oneof(anything, fc.record({ downloadUrl: maybe(fc.oneof(weirdString, anything)), fileType: maybe(weirdString) }))) }, { requiredKeys: [] }),
);

/** An activity: the parts the bot reads, each either well formed, malformed or missing. */
const activity = fc.record(
  {
    type: mostly(fc.constantFrom('message', 'invoke', 'invoke', 'conversationUpdate', 'installationUpdate', 'event', 'messageReaction', 'typing'), fc.oneof(weirdString, anything)),
    name: mostly(fc.constantFrom(...INVOKES), fc.oneof(weirdString, anything)),
    value: invokeValue,
    text: mostly(fc.oneof(weirdString, fc.constantFrom('status', 'cancel', 'help', 'sign out')), anything),
    attachments: mostly(fc.array(attachment, { maxLength: 4 }), anything),
    entities: mostly(fc.array(anything, { maxLength: 3 }), anything),
    from: mostly(fc.constant({ id: MEGAN.id, name: MEGAN.name, aadObjectId: MEGAN.aadObjectId }), fc.oneof(fc.record({ id: maybe(weirdString), aadObjectId: maybe(anything) }, { requiredKeys: [] }), anything)),
    conversation: mostly(
      fc.constant({ conversationType: 'personal', tenantId: TENANT, id: personalConversationId(MEGAN) }),
      fc.oneof(fc.record({ id: weirdString, conversationType: maybe(fc.oneof(weirdString, anything)), tenantId: maybe(anything) }, { requiredKeys: ['id'] }), anything),
    ),
    recipient: mostly(fc.constant(BOT), fc.oneof(fc.record({ id: weirdString }), anything)),
    channelData: mostly(fc.constant({ tenant: { id: TENANT } }), anything),
    replyToId: maybe(mostly(weirdString, anything)),
    id: maybe(mostly(weirdString, anything)),
    channelId: mostly(fc.constant('msteams'), weirdString),
  },
  { requiredKeys: ['type', 'from', 'conversation', 'recipient'] },
);

test('never a 500, never a crash, never a transfer', async () => {
  const serviceUrl = h.connector.serviceUrl;
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(activity, mostly(fc.constant(true), fc.boolean()), async (a, withServiceUrl) => {
      const body = { ...a, ...(withServiceUrl ? { serviceUrl } : {}) };
      const res = await request(`${h.app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await res.body.text();
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      expect(res.statusCode).toBeLessThan(500);
    }),
    { numRuns: 400 },
  );
  // Still up, and nothing started.
  expect((await request(`${h.app.url}/healthz`)).statusCode).toBe(200);
  expect(h.app.store.list()).toEqual([]);
  expect(h.emulators.graph.requests.filter((r) => r.path.includes('createUploadSession') || r.path.endsWith('/attachments'))).toEqual([]);
  expect(h.logs.join('')).not.toMatch(/unhandled error in a turn/);
  // The generator reached the handlers, not only the body checks.
  expect(statuses.get(200) ?? 0).toBeGreaterThan(60);
  expect(statuses.get(400) ?? 0).toBeGreaterThan(20);
});
