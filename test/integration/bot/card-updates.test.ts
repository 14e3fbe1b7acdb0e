import { request } from 'undici';
import { firstOpenTask } from '../../support/emulators';
import { maxInWindow } from '../../../src/emulators/bot-connector';
import { BotHarness, cardText, MEGAN, personalConversationId, pickerIdOf } from '../../support/bot-harness';

jest.setTimeout(90_000);

// Each test starts the bot as it needs it (one transfer slot, the production card interval…).
let h: BotHarness;
let started: BotHarness | undefined;
async function startBot(options: Parameters<typeof BotHarness.start>[0] = {}): Promise<void> {
  started = h = await BotHarness.start(options);
}
afterEach(async () => {
  await started?.close();
  started = undefined;
});

/** Where the files go: a task of the seeded list "Work". */
function workTask(): { listId: string; taskId: string } {
  const { listId, taskId } = firstOpenTask(h.emulators.graph, 'Work');
  return { listId, taskId };
}

/** The text of the card with this message id as it stands now in the chat. */
function cardNow(activityId: string): string {
  const card = h.cards().find((c) => c.activityId === activityId);
  return card ? cardText(card.card) : '';
}

describe('card updates that Teams fails are retried until the card shows the outcome', () => {
  test.each([503, 502])('the next 8 card updates answer %i: the card still ends on “Attached”, and no turn error is logged', async (status) => {
    await startBot();
    const file = h.emulators.files.addFile({ name: 'receipt.pdf', size: 50_000 });
    expect(await h.sendFiles([file])).toBe(200);
    const picker = await h.waitForCard(1);
    const target = workTask();
    h.connector.throttle({ kind: 'update', times: 8, status, retryAfterSeconds: 0 });
    expect((await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), ...target })).status).toBe(200);

    // The job is over (its final card delivered or given up): the card must say what happened.
    await h.app.runner.settleAll();
    expect(h.emulators.graph.attachments(target.listId, target.taskId)).toHaveLength(1);
    expect(h.connector.rejections.filter((r) => r.kind === 'update' && r.status === status)).toHaveLength(8);
    expect(cardNow(picker.activityId)).toMatch(/Attached “receipt\.pdf”/);
    expect(h.logs.join('\n')).not.toMatch(/unhandled error in a turn/);
  });
});

test('a card the user deleted (Teams answers 404) is given up at once and does not hold the only transfer slot', async () => {
  await startBot({ env: { MAX_CONCURRENT_TRANSFERS: '1' } });
  const target = workTask();
  const a = h.emulators.files.addFile({ name: 'first.pdf', size: 60_000 });
  const b = h.emulators.files.addFile({ name: 'second.pdf', size: 70_000 });
  expect(await h.sendFiles([a])).toBe(200);
  const pickerA = await h.waitForCard(1);
  expect(await h.sendFiles([b])).toBe(200);
  const pickerB = await h.waitForCard(2);
  // The user deletes the first card: every later update of it answers 404.
  const conversation = encodeURIComponent(personalConversationId(MEGAN));
  const deleted = await request(`${h.connector.serviceUrl}v3/conversations/${conversation}/activities/${pickerA.activityId}`, { method: 'DELETE' });
  await deleted.body.dump();
  expect(deleted.statusCode).toBe(200);

  expect((await h.press(pickerA.activityId, 'attach', { pickerId: pickerIdOf(pickerA.card), ...target })).status).toBe(200);
  expect((await h.press(pickerB.activityId, 'attach', { pickerId: pickerIdOf(pickerB.card), ...target })).status).toBe(200);
  await h.waitForCardText(pickerB.activityId, /Attached “second\.pdf”/);
  await h.app.runner.settleAll();
  expect(h.emulators.graph.attachments(target.listId, target.taskId).map((x) => x.name).sort()).toEqual(['first.pdf', 'second.pdf']);
  // Each update of the deleted card was tried once and reported, never retried.
  const failures = h.logs.filter((l) => l.includes('card update failed'));
  expect(failures.length).toBeGreaterThanOrEqual(1);
  expect(failures.every((l) => l.includes('"status":404'))).toBe(true);
  expect(h.logs.join('\n')).not.toMatch(/unhandled error in a turn/);
});

test('as wired for production (no interval given), a card is updated about once a second, however often progress moves', async () => {
  // The smallest chunk (320 KiB): a 12 MiB file reports progress 39 times in about 3 s.
  await startBot({ appDefaultCardInterval: true, env: { UPLOAD_CHUNK_BYTES: '327680' } });
  h.emulators.files.shaping.set({ bytesPerSecond: 4 * 1024 * 1024 });
  const file = h.emulators.files.addFile({ name: 'site survey.mov', size: 12 * 1024 * 1024 });
  expect(await h.sendFiles([file])).toBe(200);
  const picker = await h.waitForCard(1);
  const target = workTask();
  expect((await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), ...target })).status).toBe(200);
  await h.waitForCardText(picker.activityId, /Attached “site survey\.mov”/);
  await h.app.runner.settleAll();

  const progressEvents = h.emulators.graph.requests.filter((r) => r.method === 'PUT' && r.path.includes('attachmentSessions')).length;
  expect(progressEvents).toBeGreaterThanOrEqual(39);
  const updates = h.connector.updatesOf(picker.activityId).map((u) => u.at);
  // Progress, then the outcome: at least two updates, never two within 0.9 s of each other
  // (the default is one per second; 0 would follow all 39 progress events).
  expect(updates.length).toBeGreaterThanOrEqual(2);
  expect(maxInWindow(updates, 900)).toBe(1);
});
