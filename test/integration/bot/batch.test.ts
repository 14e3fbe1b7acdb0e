import { listByName } from '../../support/emulators';
import {
  BotHarness,
  ConversationHelpers,
  addSharePointFile,
  cardActions,
  cardInput,
  cardText,
  channelThread,
  messageActionValue,
  pickerIdOf,
  referenceAttachment,
  startWithSharePoint,
  dialogCardOf,
  offerIdOf,
} from '../../support/bot-harness';

/**
 * A batch in one card (issue 14 §4), through the real bot: one picker for a message's files with
 * a toggle per file, per-file progress on one card, a summary line ("3 of 4 attached, 1 too
 * large (linked)"); Cancel stops the rest; Retry sends only what did not arrive.
 */

jest.setTimeout(60_000);

const BIG = 30 * 1024 * 1024;

let h: BotHarness;
let teams: ConversationHelpers;
beforeEach(async () => {
  ({ h, teams } = await startWithSharePoint());
});
afterEach(async () => {
  await h.close();
});

function newTask(title: string): { listId: string; taskId: string; title: string } {
  const list = listByName(h.emulators.graph, 'Work');
  const task = h.emulators.graph.addTask(list.id, title);
  return { listId: list.id, taskId: task.id, title };
}

function attachmentsBy(t: { listId: string; taskId: string }): Record<string, string> {
  return Object.fromEntries(h.emulators.graph.attachments(t.listId, t.taskId).map((a) => [a.name, a.sha256]));
}

test('chat: four files, one too large but in OneDrive: one card with a toggle each, per-file lines and “3 of 4 attached, 1 too large (linked)”', async () => {
  const t = newTask('Kitchen renovation');
  const files = [
    h.emulators.files.addFile({ name: 'quote.pdf', size: 80_000 }),
    h.emulators.files.addFile({ name: 'floor plan.png', size: 3_500_000 }),
    h.emulators.files.addFile({ name: 'tiles.jpg', size: 0 }),
    h.emulators.files.addFile({ name: 'walkthrough.mov', size: BIG }),
  ];
  expect(await h.sendFiles(files)).toBe(200);
  const picker = await h.waitForCard(1);
  expect(cardInput(picker.card, 'file_0')).toMatchObject({ type: 'Input.Toggle', label: 'quote.pdf', title: 'Attach this file · 78.1 KB', value: 'true' });
  expect(cardInput(picker.card, 'file_3')).toMatchObject({ label: 'walkthrough.mov', title: 'Add a link to the task instead', value: 'true' });
  expect(cardActions(picker.card).find((a) => a.verb === 'attach')?.title).toBe('Attach');

  await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: t.listId, taskId: t.taskId, file_0: 'true', file_1: 'true', file_2: 'true', file_3: 'true' });
  const done = await h.waitForCardText(picker.activityId, /Attached 3 files and linked “walkthrough\.mov”/);
  const text = cardText(done.card);
  expect(text).toContain('3 of 4 attached, 1 too large (linked)');
  for (const name of ['quote.pdf', 'floor plan.png', 'tiles.jpg', 'walkthrough.mov']) expect(text).toContain(name);
  expect(attachmentsBy(t)).toEqual({ 'quote.pdf': files[0]?.sha256, 'floor plan.png': files[1]?.sha256, 'tiles.jpg': files[2]?.sha256 });
  expect(h.emulators.graph.linkedResources(t.listId, t.taskId).map((r) => r.displayName)).toEqual(['walkthrough.mov']);
  expect(h.cards()).toHaveLength(1);
});

test('chat: a file switched off is left out; a refused one stays on the card with its reason', async () => {
  const plain = await BotHarness.start();
  try {
    const list = listByName(plain.emulators.graph, 'Work');
    const task = plain.emulators.graph.addTask(list.id, 'Board pack');
    const files = [
      plain.emulators.files.addFile({ name: 'agenda.docx', size: 9_000 }),
      plain.emulators.files.addFile({ name: 'old agenda.docx', size: 9_000 }),
      plain.emulators.files.addFile({ name: 'recording.mp4', size: BIG }),
    ];
    expect(await plain.sendFiles(files)).toBe(200);
    const picker = await plain.waitForCard(1);
    // No durable home in this setup: the big file is refused, with no toggle.
    expect(cardInput(picker.card, 'file_2')).toBeUndefined();
    await plain.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: list.id, taskId: task.id, file_0: 'true', file_1: 'false' });
    const done = await plain.waitForCardText(picker.activityId, /Attached “agenda\.docx”/);
    expect(cardText(done.card)).toContain('1 of 2 attached, 1 too large');
    expect(cardText(done.card)).not.toContain('old agenda.docx');
    expect(plain.emulators.graph.attachments(list.id, task.id).map((a) => a.name)).toEqual(['agenda.docx']);
    // Show tasks brings the card back with the files as the user left them.
    const third0 = plain.emulators.files.addFile({ name: 'p.txt', size: 1 });
    const third1 = plain.emulators.files.addFile({ name: 'q.txt', size: 1 });
    expect(await plain.sendFiles([third0, third1])).toBe(200);
    const p3 = await plain.waitForCard(2);
    const shown = await plain.press(p3.activityId, 'showTasks', { pickerId: pickerIdOf(p3.card), listId: list.id, file_0: 'false', file_1: 'true' });
    expect(cardInput(shown.body.value, 'file_0')?.['value']).toBe('false');
    expect(cardInput(shown.body.value, 'file_1')?.['value']).toBe('true');
    // Switching every file off is answered, not started.
    const second = plain.emulators.files.addFile({ name: 'x.txt', size: 1 });
    const third = plain.emulators.files.addFile({ name: 'y.txt', size: 1 });
    expect(await plain.sendFiles([second, third])).toBe(200);
    const p2 = await plain.waitForCard(3);
    const none = await plain.press(p2.activityId, 'attach', { pickerId: pickerIdOf(p2.card), listId: list.id, taskId: task.id, file_0: 'false', file_1: 'false' });
    expect(cardText(none.body.value)).toContain('Choose at least one file to attach.');
    // A toggle for a file the card never had is tampering.
    const forged = await plain.press(p2.activityId, 'attach', { pickerId: pickerIdOf(p2.card), listId: list.id, taskId: task.id, file_0: 'true', file_7: 'true' });
    expect(cardText(forged.body.value)).toMatch(/out of date or was changed/);
  } finally {
    await plain.close();
  }
});

test('chat: Cancel stops the rest of the batch; Retry sends only what did not arrive, no duplicate', async () => {
  const t = newTask('Photo archive');
  // Over 3 MB: uploaded in chunks, so the card moves while a file is on its way.
  const files = [1, 2, 3].map((i) => h.emulators.files.addFile({ name: `photos part ${i}.zip`, size: 4 * 1024 * 1024, seed: 40 + i }));
  expect(await h.sendFiles(files)).toBe(200);
  const picker = await h.waitForCard(1);
  h.emulators.files.shaping.set({ bytesPerSecond: 1024 * 1024 });
  await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: t.listId, taskId: t.taskId, file_0: 'true', file_1: 'true', file_2: 'true' });
  await h.waitForCardText(picker.activityId, /1 of 3 attached/);
  const jobId = h.app.store.list()[0]?.id ?? '';
  await h.press(picker.activityId, 'cancel', { transferId: jobId });
  const cancelled = await h.waitForCardText(picker.activityId, /Cancelled: nothing more was attached/);
  expect(cardText(cancelled.card)).toContain('1 of 3 attached, 2 cancelled');
  expect(Object.keys(attachmentsBy(t))).toEqual(['photos part 1.zip']);
  await h.app.runner.settled(jobId);

  h.emulators.files.shaping.set({ bytesPerSecond: undefined });
  h.emulators.graph.clearRequests();
  await h.press(picker.activityId, 'retry', { transferId: jobId });
  const done = await h.waitForCardText(picker.activityId, /Attached 3 files/);
  expect(cardText(done.card)).toContain('3 of 3 attached');
  expect(attachmentsBy(t)).toEqual(Object.fromEntries(files.map((f) => [f.name, f.sha256])));
  // Only the two that had not arrived went up again.
  expect(h.emulators.graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/createUploadSession'))).toHaveLength(2);
});

test('chat: Retry retries only the file that failed', async () => {
  const t = newTask('Audit evidence');
  const files = ['a.csv', 'b.csv', 'c.csv'].map((name, i) => h.emulators.files.addFile({ name, size: 10_000, seed: 60 + i }));
  expect(await h.sendFiles(files)).toBe(200);
  const picker = await h.waitForCard(1);
  // To Do refuses the second file's POST once (400: not retried).
  h.emulators.graph.faults.add({ match: { method: 'POST', pathIncludes: '/attachments', nth: 2 }, action: { type: 'status', status: 400 } });
  await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: t.listId, taskId: t.taskId });
  const failed = await h.waitForCardText(picker.activityId, /Could not attach 3 files/);
  expect(cardText(failed.card)).toContain('2 of 3 attached, 1 failed');
  const jobId = h.app.store.list()[0]?.id ?? '';
  await h.app.runner.settled(jobId);

  h.emulators.graph.clearRequests();
  await h.press(picker.activityId, 'retry', { transferId: jobId });
  const done = await h.waitForCardText(picker.activityId, /Attached 3 files/);
  expect(cardText(done.card)).toContain('3 of 3 attached');
  const posts = h.emulators.graph.requests.filter((r) => r.method === 'POST');
  expect(posts).toHaveLength(1);
  expect(attachmentsBy(t)).toEqual(Object.fromEntries(files.map((f) => [f.name, f.sha256])));
});

// ---- the message action ----


test('message action: a batch from the dialog, one file switched off and one linked, in one progress card with its summary', async () => {
  const t = newTask('Quarterly business review');
  const deck = addSharePointFile(h.emulators, 'QBR deck.pptx', 1_200_000);
  const notes = addSharePointFile(h.emulators, 'notes.txt', 2_000);
  const video = addSharePointFile(h.emulators, 'QBR recording.mp4', BIG);
  const thread = channelThread('1732791000200');
  const card = dialogCardOf(
    await teams.invoke(
      thread,
      'composeExtension/fetchTask',
      messageActionValue({
        id: '1732791000200',
        html: '<p>QBR material</p>',
        attachments: [referenceAttachment('QBR deck.pptx', deck.webUrl), referenceAttachment('notes.txt', notes.webUrl), referenceAttachment('QBR recording.mp4', video.webUrl)],
      }),
    ),
  );
  const offerId = offerIdOf(card);
  const answer = await teams.invoke(thread, 'composeExtension/submitAction', {
    commandId: 'attachToTodo',
    commandContext: 'message',
    data: { action: 'attach', offerId, listId: t.listId, taskId: t.taskId, file_0: 'true', file_1: 'false', file_2: 'true', linkToMessage: 'false' },
  });
  expect(answer.body).toEqual({ task: { type: 'message', value: `Attaching 2 files to “${t.title}”. Follow the progress in your chat with me.` } });
  const done = await teams.waitForCardText(() => teams.personalChatId(), /Attached “QBR deck\.pptx” and linked “QBR recording\.mp4”/);
  expect(cardText(done.card)).toContain('1 of 2 attached, 1 too large (linked)');
  expect(attachmentsBy(t)).toEqual({ 'QBR deck.pptx': deck.sha256 });
  expect(h.emulators.graph.linkedResources(t.listId, t.taskId).map((r) => r.webUrl)).toEqual([video.webUrl]);
  expect(teams.personalCards()).toHaveLength(1);
});
