import { ADELE, BotHarness, MEGAN, cardText, pickerIdOf, type SeenCard } from '../../support/bot-harness';
import { firstOpenTask } from '../../support/emulators';

jest.setTimeout(120_000);

/**
 * One user sending 100 files in a minute gets a polite limit, not 100 transfers, and the
 * others are not slowed: file messages per minute and transfers waiting or running are capped
 * per user (src/jobs/admission.ts), on top of the fair limiter's per-user share of the slots.
 */
let h: BotHarness;
beforeEach(async () => {
  h = await BotHarness.start({
    env: { MAX_CONCURRENT_TRANSFERS: '4', MAX_TRANSFERS_PER_USER: '2', MAX_PENDING_TRANSFERS_PER_USER: '5', FILE_MESSAGES_PER_MINUTE_PER_USER: '30' },
  });
});
afterEach(async () => {
  await h.close();
});

const isPicker = (c: SeenCard): boolean => /Attach to a To Do task/.test(cardText(c.card));

test('100 file messages in a minute: 30 pickers, one polite notice, nothing probed past that; 5 transfers at most; another user starts at once', async () => {
  const file = h.emulators.files.addFile({ name: 'batch.bin', size: 600_000 });
  for (let i = 0; i < 100; i++) expect(await h.sendFiles([file])).toBe(200);
  const cards = h.cards(MEGAN);
  expect(cards.filter(isPicker)).toHaveLength(30);
  const notices = cards.filter((c) => /One moment, please/.test(cardText(c.card)));
  expect(notices).toHaveLength(1);
  expect(cardText(notices[0]?.card)).toContain('You have sent me a lot of files in a short time');
  // Past the limit nothing is downloaded, not even to learn a size.
  expect(h.emulators.files.requests.filter((r) => r.method === 'GET')).toHaveLength(30);

  // Slow downloads: transfers stay waiting or running while the presses come in.
  h.emulators.files.shaping.set({ bytesPerSecond: 100_000 });
  const { listId, taskId } = firstOpenTask(h.emulators.graph, 'Work');
  // The picker store keeps a user's newest 20 pickers: press Attach on each, each for a task of
  // its own (the same file twice on one task would be "already on this task").
  const live = cards.filter(isPicker).slice(-20);
  const targets = live.map((_, i) => h.emulators.graph.addTask(listId, `Batch target ${i + 1}`).id);
  const answers: string[] = [];
  for (const [i, picker] of live.entries()) {
    answers.push(cardText((await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId, taskId: targets[i] })).body.value));
  }
  expect(answers.filter((a) => /^Attaching/.test(a))).toHaveLength(5);
  const limited = answers.filter((a) => a.includes('You already have 5 transfers waiting or running'));
  expect(limited).toHaveLength(15);
  // The limit answers with the picker itself, so Attach can be pressed again later.
  expect(limited.every((a) => a.includes('Attach to a To Do task'))).toBe(true);
  expect(h.app.runner.pendingFor(MEGAN.id)).toBe(5);

  // Adele is not slowed by Megan's line: her transfer takes a free slot at once.
  const hers = h.emulators.files.addFile({ name: 'adele.pdf', size: 50_000 });
  expect(await h.sendFiles([hers], ADELE)).toBe(200);
  const picker = await h.waitForCard(1, ADELE);
  const started = await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId, taskId }, ADELE);
  expect(cardText(started.body.value)).toMatch(/^Attaching/);
  await h.waitForCardText(picker.activityId, /Attached “adele\.pdf”/, ADELE);
  // ... while Megan's five are still on their way.
  expect(h.app.runner.pendingFor(MEGAN.id)).toBeGreaterThan(0);

  h.emulators.files.shaping.set({ bytesPerSecond: undefined });
  await h.app.runner.settleAll();
  const batch = targets.flatMap((t) => h.emulators.graph.attachments(listId, t));
  expect(batch.filter((a) => a.name === 'batch.bin')).toHaveLength(5);
  expect(h.emulators.graph.attachments(listId, taskId).filter((a) => a.name === 'adele.pdf')).toHaveLength(1);
});
