import { randomBytes } from 'node:crypto';
import { listByName } from '../../support/emulators';
import {
  BotHarness,
  ConversationHelpers,
  addSharePointFile,
  cardActions,
  cardText,
  channelThread,
  messageActionValue,
  pickerIdOf,
  referenceAttachment,
  startWithSharePoint,
  dialogCardOf,
  offerIdOf,
  type InvokeAnswer,
  type SeenCard,
} from '../../support/bot-harness';

/**
 * "Already on this task" (issue 14 §2), through the real bot: before anything is uploaded the
 * chosen files are compared with the task's attachments (name and size; SHA-256 where an earlier
 * transfer of ours tells it). A file that is there gets a card that says so with "Attach anyway"
 * and "Pick another task", and nothing is uploaded unless asked. A namesake with other bytes goes
 * up as "name (2).ext", never beside an attachment of the same name.
 */

jest.setTimeout(60_000);

let h: BotHarness;
let teams: ConversationHelpers;
beforeEach(async () => {
  ({ h, teams } = await startWithSharePoint());
});
afterEach(async () => {
  await h.close();
});

function target(): { listId: string; taskId: string; title: string } {
  const list = listByName(h.emulators.graph, 'Work');
  const task = h.emulators.graph.addTask(list.id, 'Vendor contract renewal');
  return { listId: list.id, taskId: task.id, title: task.title };
}

function uploadsSoFar(): number {
  return h.emulators.graph.requests.filter((r) => r.method === 'POST' && /\/attachments(\/createUploadSession)?$/.test(decodeURIComponent(r.path))).length;
}

async function pickerFor(file: { name: string; url: string }, n: number): Promise<SeenCard> {
  expect(await h.sendFiles([file])).toBe(200);
  return h.waitForCard(n);
}

test('chat: a file with the name and size of an attachment: the card says so, nothing is uploaded; "Attach anyway" adds it as “name (2)”', async () => {
  const t = target();
  const file = h.emulators.files.addFile({ name: 'report.pdf', size: 40_000 });
  // On the task already (put there some other way: its SHA-256 is unknown to us).
  h.emulators.graph.addAttachment(t.listId, t.taskId, { name: 'report.pdf', content: randomBytes(40_000) });
  const picker = await pickerFor(file, 1);
  const before = uploadsSoFar();

  const answer = await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: t.listId, taskId: t.taskId });
  const text = cardText(answer.body.value);
  expect(text).toContain('“report.pdf” is already on this task');
  expect(text).toMatch(/already on this task \(attached \d{1,2} \w{3} \d{4}, \d\d:\d\d UTC\)/);
  expect(cardActions(answer.body.value).map((a) => a.title)).toEqual(['Attach anyway', 'Pick another task']);
  expect(uploadsSoFar()).toBe(before);
  expect(h.app.store.list()).toHaveLength(0);

  const anyway = await h.press(picker.activityId, 'attachAnyway', { pickerId: pickerIdOf(picker.card) });
  expect(cardText(anyway.body.value)).toContain('Attaching “report.pdf”');
  const done = await h.waitForCardText(picker.activityId, /Attached “report\.pdf”/);
  expect(cardText(done.card)).toContain('attached as “report (2).pdf” (the task has another “report.pdf”)');
  const stored = h.emulators.graph.attachments(t.listId, t.taskId);
  expect(stored.map((a) => a.name).sort()).toEqual(['report (2).pdf', 'report.pdf']);
  expect(stored.find((a) => a.name === 'report (2).pdf')?.sha256).toBe(file.sha256);
});

test('chat: "Pick another task" shows the picker again and nothing is uploaded', async () => {
  const t = target();
  const file = h.emulators.files.addFile({ name: 'quote.xlsx', size: 2_000 });
  h.emulators.graph.addAttachment(t.listId, t.taskId, { name: 'Quote.XLSX', content: randomBytes(2_000) });
  const picker = await pickerFor(file, 1);
  await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: t.listId, taskId: t.taskId });
  const back = await h.press(picker.activityId, 'pickAnother', { pickerId: pickerIdOf(picker.card) });
  expect(cardText(back.body.value)).toContain('Pick another task, or type a title to create a new one.');
  expect(cardActions(back.body.value).map((a) => a.verb)).toContain('attach');
  // "Attach anyway" from the old card does nothing now: the question was answered.
  const stale = await h.press(picker.activityId, 'attachAnyway', { pickerId: pickerIdOf(picker.card) });
  expect(cardText(stale.body.value)).toMatch(/out of date/);
  expect(h.emulators.graph.attachments(t.listId, t.taskId)).toHaveLength(1);
  // A new task from the same picker works.
  const home = listByName(h.emulators.graph, 'Home');
  await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: home.id, newTaskTitle: 'Compare quotes' });
  await h.waitForCardText(picker.activityId, /Attached “quote\.xlsx”/);
});

test('chat: the same name with other bytes (another size) is attached at once as “name (2)”, never beside its namesake', async () => {
  const t = target();
  h.emulators.graph.addAttachment(t.listId, t.taskId, { name: 'minutes.docx', content: randomBytes(1_000) });
  const file = h.emulators.files.addFile({ name: 'minutes.docx', size: 1_500 });
  const picker = await pickerFor(file, 1);
  const answer = await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: t.listId, taskId: t.taskId });
  expect(cardText(answer.body.value)).toContain('Attaching “minutes.docx”');
  await h.waitForCardText(picker.activityId, /Attached “minutes\.docx”/);
  const stored = h.emulators.graph.attachments(t.listId, t.taskId);
  expect(stored.map((a) => a.name).sort()).toEqual(['minutes (2).docx', 'minutes.docx']);
  expect(stored.find((a) => a.name === 'minutes (2).docx')?.sha256).toBe(file.sha256);
});

test('chat: the same Teams file sent again is recognised by the SHA-256 our first transfer recorded', async () => {
  const t = target();
  const file = h.emulators.files.addFile({ name: 'floor plan.png', size: 30_000 });
  const first = await pickerFor(file, 1);
  await h.press(first.activityId, 'attach', { pickerId: pickerIdOf(first.card), listId: t.listId, taskId: t.taskId });
  await h.waitForCardText(first.activityId, /Attached/);
  expect(h.app.store.list()[0]?.files[0]?.sha256).toBe(file.sha256);

  const second = await pickerFor(file, 2);
  const answer = await h.press(second.activityId, 'attach', { pickerId: pickerIdOf(second.card), listId: t.listId, taskId: t.taskId });
  expect(cardText(answer.body.value)).toContain('“floor plan.png” is already on this task');
  expect(h.emulators.graph.attachments(t.listId, t.taskId)).toHaveLength(1);
});

test('chat: same name and size but SHA-256s known to differ: no question, the new one goes up as “name (2)”', async () => {
  const t = target();
  const other = h.emulators.graph.addTask(t.listId, 'Archive');
  const a = h.emulators.files.addFile({ name: 'notes.txt', size: 5_000, seed: 1 });
  const b = h.emulators.files.addFile({ name: 'notes.txt', size: 5_000, seed: 2 });
  // a goes to the task; b goes elsewhere first, so we know both hashes.
  const pa = await pickerFor(a, 1);
  await h.press(pa.activityId, 'attach', { pickerId: pickerIdOf(pa.card), listId: t.listId, taskId: t.taskId });
  await h.waitForCardText(pa.activityId, /Attached/);
  const pb = await pickerFor(b, 2);
  await h.press(pb.activityId, 'attach', { pickerId: pickerIdOf(pb.card), listId: t.listId, taskId: other.id });
  await h.waitForCardText(pb.activityId, /Attached/);

  const again = await pickerFor(b, 3);
  const answer = await h.press(again.activityId, 'attach', { pickerId: pickerIdOf(again.card), listId: t.listId, taskId: t.taskId });
  expect(cardText(answer.body.value)).toContain('Attaching “notes.txt”');
  await h.waitForCardText(again.activityId, /Attached/);
  const stored = h.emulators.graph.attachments(t.listId, t.taskId);
  expect(stored.map((x) => [x.name, x.sha256]).sort()).toEqual([['notes (2).txt', b.sha256], ['notes.txt', a.sha256]].sort());
});

test('chat: two files, one already there: "Attach the other file" sends only the new one', async () => {
  const t = target();
  h.emulators.graph.addAttachment(t.listId, t.taskId, { name: 'old.pdf', content: randomBytes(3_000) });
  const old = h.emulators.files.addFile({ name: 'old.pdf', size: 3_000 });
  const fresh = h.emulators.files.addFile({ name: 'new.pdf', size: 3_000 });
  expect(await h.sendFiles([old, fresh])).toBe(200);
  const picker = await h.waitForCard(1);
  const answer = await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: t.listId, taskId: t.taskId, file_0: 'true', file_1: 'true' });
  expect(cardText(answer.body.value)).toContain('1 of these 2 files is already on this task');
  expect(cardActions(answer.body.value).map((x) => x.title)).toEqual(['Attach the other file', 'Attach anyway', 'Pick another task']);
  await h.press(picker.activityId, 'attachOthers', { pickerId: pickerIdOf(picker.card) });
  await h.waitForCardText(picker.activityId, /Attached “new\.pdf”/);
  expect(h.emulators.graph.attachments(t.listId, t.taskId).map((x) => x.name).sort()).toEqual(['new.pdf', 'old.pdf']);
});

test('two transfers of same-named files (same size, other bytes) to one task, both final answers lost: each finds its own attachment, no duplicate', async () => {
  const t = target();
  const a = h.emulators.files.addFile({ name: 'scan.pdf', size: 50_000, seed: 11 });
  const b = h.emulators.files.addFile({ name: 'scan.pdf', size: 50_000, seed: 12 });
  const pa = await pickerFor(a, 1);
  const pb = await pickerFor(b, 2);
  // The first upload is slow to arrive (so the second is planned while it is on its way), and
  // To Do's answer to both POSTs is lost after the attachment was made.
  h.emulators.graph.faults.add({ match: { method: 'POST', pathIncludes: '/attachments', nth: 1, times: 1 }, action: { type: 'latency', ms: 1500 } });
  h.emulators.graph.faults.add({ match: { method: 'POST', pathIncludes: '/attachments', times: 2 }, action: { type: 'reset', afterBodyBytes: 10_000_000 } });

  await h.press(pa.activityId, 'attach', { pickerId: pickerIdOf(pa.card), listId: t.listId, taskId: t.taskId });
  const asked = await h.press(pb.activityId, 'attach', { pickerId: pickerIdOf(pb.card), listId: t.listId, taskId: t.taskId });
  expect(cardText(asked.body.value)).toContain('being attached to this task right now');
  await h.press(pb.activityId, 'attachAnyway', { pickerId: pickerIdOf(pb.card) });
  await h.waitForCardText(pa.activityId, /Attached “scan\.pdf”/);
  await h.waitForCardText(pb.activityId, /Attached “scan\.pdf”/);
  await h.app.runner.settleAll();

  const stored = h.emulators.graph.attachments(t.listId, t.taskId);
  expect(stored.map((x) => [x.name, x.sha256]).sort()).toEqual([['scan (2).pdf', b.sha256], ['scan.pdf', a.sha256]].sort());
  // Each transfer recorded the attachment it made (the guard looked for the name it uploaded under).
  for (const job of h.app.store.list()) {
    const f = job.files[0];
    const mine = stored.find((x) => x.id === f?.attachmentId);
    expect(mine?.sha256).toBe(f?.sha256);
    expect(mine?.name).toBe(f?.attachName ?? f?.name);
  }
  expect(h.emulators.graph.faults.list().every((r) => r.fired === r.match?.times)).toBe(true);
});

// ---- the message action ----


function submits(card: unknown): Array<{ title: string; data: Record<string, unknown> }> {
  const out: Array<{ title: string; data: Record<string, unknown> }> = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (o['type'] === 'Action.Submit') out.push({ title: String(o['title']), data: o['data'] as Record<string, unknown> });
    Object.values(o).forEach(walk);
  };
  walk(card);
  return out;
}

test('message action: the dialog says the file is already on the task; "Attach anyway" sends it as “name (2)”, "Pick another task" goes back', async () => {
  const t = target();
  const contract = addSharePointFile(h.emulators, 'Contract.pdf', 20_000);
  h.emulators.graph.addAttachment(t.listId, t.taskId, { name: 'Contract.pdf', content: randomBytes(20_000) });
  const thread = channelThread('1732791000010');
  const opened = dialogCardOf(await teams.invoke(thread, 'composeExtension/fetchTask', messageActionValue({ id: '1732791000010', html: '<p>signed</p>', attachments: [referenceAttachment('Contract.pdf', contract.webUrl)] })));
  const offerId = submits(opened)[0]?.data['offerId'];
  const submit = (data: Record<string, unknown>): Promise<InvokeAnswer> => teams.invoke(thread, 'composeExtension/submitAction', { commandId: 'attachToTodo', commandContext: 'message', data: { offerId, ...data } });

  const asked = dialogCardOf(await submit({ action: 'attach', listId: t.listId, taskId: t.taskId, file_0: 'true', linkToMessage: 'true' }));
  expect(cardText(asked)).toContain('“Contract.pdf” is already on this task');
  expect(submits(asked).map((s) => [s.title, s.data['action']])).toEqual([['Attach anyway', 'attachAnyway'], ['Pick another task', 'pickAnother']]);
  expect(h.emulators.graph.attachments(t.listId, t.taskId)).toHaveLength(1);
  // Nothing happened to the task yet: not even the link back to the message.
  expect(h.emulators.graph.linkedResources(t.listId, t.taskId)).toHaveLength(0);

  const back = dialogCardOf(await submit({ action: 'pickAnother' }));
  expect(cardText(back)).toContain('Pick another task, or type a title to create a new one.');
  const askedAgain = dialogCardOf(await submit({ action: 'attach', listId: t.listId, taskId: t.taskId, file_0: 'true', linkToMessage: 'true' }));
  expect(cardText(askedAgain)).toContain('already on this task');
  const started = await submit({ action: 'attachAnyway' });
  expect(started.body).toEqual({ task: { type: 'message', value: `Attaching the file to “${t.title}”. Follow the progress in your chat with me.` } });
  await teams.waitForCardText(() => teams.personalChatId(), /Attached “Contract\.pdf”/);
  const stored = h.emulators.graph.attachments(t.listId, t.taskId);
  expect(stored.map((a) => a.name).sort()).toEqual(['Contract (2).pdf', 'Contract.pdf']);
  expect(stored.find((a) => a.name === 'Contract (2).pdf')?.sha256).toBe(contract.sha256);
  expect(h.emulators.graph.linkedResources(t.listId, t.taskId)).toHaveLength(1);
});
