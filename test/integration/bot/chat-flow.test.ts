import { listByName } from '../../support/emulators';
import { ADELE, BotHarness, MEGAN, cardActions, cardInput, cardText, pickerIdOf, type SeenCard } from '../../support/bot-harness';

jest.setTimeout(60_000);

let h: BotHarness;
beforeEach(async () => {
  h = await BotHarness.start();
});
afterEach(async () => {
  await h.close();
});

async function pickerFor(files: Array<{ name: string; url: string }>): Promise<SeenCard> {
  expect(await h.sendFiles(files)).toBe(200);
  return h.waitForCard(1);
}

function firstTask(listName: string): { listId: string; taskId: string; title: string } {
  const list = listByName(h.emulators.graph, listName);
  const task = h.emulators.graph.tasks(list.id).find((t) => t.status !== 'completed');
  if (!task) throw new Error(`no open task in ${listName}`);
  return { listId: list.id, taskId: task.id, title: task.title };
}

test('one file end to end: picker card, attach, several progress updates, done card; bytes intact', async () => {
  const file = h.emulators.files.addFile({ name: 'Q3 budget review.xlsx', size: 9 * 1024 * 1024, seed: 7 });
  const picker = await pickerFor([file]);
  const text = cardText(picker.card);
  expect(text).toContain('Q3 budget review.xlsx');
  expect(text).toContain('9.0 MB');
  // The picker offers lists and (for clients without typeahead) the first page of tasks.
  expect(cardInput(picker.card, 'listId')).toBeDefined();
  expect(cardInput(picker.card, 'taskId')).toBeDefined();

  const { listId, taskId, title } = firstTask('Work');
  const answer = await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId, taskId });
  expect(answer.status).toBe(200);
  expect(answer.body.type).toBe('application/vnd.microsoft.card.adaptive');
  expect(cardText(answer.body.value)).toContain(`Attaching “Q3 budget review.xlsx” to “${title}”`);

  const done = await h.waitForCardText(picker.activityId, /Attached “Q3 budget review\.xlsx”/);
  expect(cardText(done.card)).toContain('Open in To Do');
  // The same card was updated in place, several times (progress, then done).
  expect(h.connector.updatesOf(picker.activityId).length).toBeGreaterThanOrEqual(2);

  const attachments = h.emulators.graph.attachments(listId, taskId);
  expect(attachments).toHaveLength(1);
  expect(attachments[0]?.name).toBe('Q3 budget review.xlsx');
  expect(attachments[0]?.sha256).toBe(file.sha256);
});

test('another user pressing Attach is refused and nothing changes', async () => {
  const file = h.emulators.files.addFile({ name: 'contract.pdf', size: 1000 });
  const picker = await pickerFor([file]);
  const { listId, taskId } = firstTask('Work');
  const answer = await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId, taskId }, ADELE);
  expect(answer.status).toBe(200);
  expect(answer.body.type).toBe('application/vnd.microsoft.activity.message');
  expect(answer.body.value).toBe(`Only ${MEGAN.name} can use this card.`);
  expect(h.emulators.graph.attachments(listId, taskId)).toHaveLength(0);
  expect(h.connector.updatesOf(picker.activityId)).toHaveLength(0);
});

test('tampered card data gets a clear message, not a crash', async () => {
  const file = h.emulators.files.addFile({ name: 'contract.pdf', size: 1000 });
  const picker = await pickerFor([file]);
  const tampered = await h.press(picker.activityId, 'attach', { pickerId: 'not-a-picker', listId: 'x', taskId: 'y' });
  expect(tampered.status).toBe(200);
  expect(cardText(tampered.body.value)).toMatch(/out of date or was changed/);
  const unknown = await h.press(picker.activityId, 'attach', { pickerId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' });
  expect(cardText(unknown.body.value)).toMatch(/expired/);
  const badTransfer = await h.press(picker.activityId, 'cancel', { transferId: '../../etc/passwd' });
  expect(cardText(badTransfer.body.value)).toMatch(/out of date or was changed/);
});

test('a file over 25 MB is refused in words before any upload session exists', async () => {
  const big = h.emulators.files.addFile({ name: 'site survey.mp4', size: 26_214_401 });
  const picker = await pickerFor([big]);
  expect(cardText(picker.card)).toContain('“site survey.mp4” is 25.1 MB; To Do accepts files up to 25 MB.');
  expect(cardActions(picker.card).map((a) => a.verb)).not.toContain('attach');
  expect(h.emulators.graph.requests.filter((r) => r.path.includes('createUploadSession'))).toHaveLength(0);
});

test('a new task can be created from the card', async () => {
  const file = h.emulators.files.addFile({ name: 'quote.png', size: 200_000 });
  const picker = await pickerFor([file]);
  const list = listByName(h.emulators.graph, 'Home');
  const answer = await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: list.id, newTaskTitle: 'Pay the plumber' });
  expect(cardText(answer.body.value)).toContain('“Pay the plumber”');
  await h.waitForCardText(picker.activityId, /Attached “quote\.png”/);
  const task = h.emulators.graph.tasks(list.id).find((t) => t.title === 'Pay the plumber');
  expect(task).toBeDefined();
  expect(h.emulators.graph.attachments(list.id, task?.id ?? '')).toHaveLength(1);
});

test('several files in one message: one card, a line per file, all on the chosen task', async () => {
  const a = h.emulators.files.addFile({ name: 'a notes.txt', size: 10 });
  const b = h.emulators.files.addFile({ name: 'b scan.pdf', size: 4 * 1024 * 1024 });
  const c = h.emulators.files.addFile({ name: 'empty.txt', size: 0 });
  const picker = await pickerFor([a, b, c]);
  const { listId, taskId } = firstTask('Work');
  await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId, taskId });
  const done = await h.waitForCardText(picker.activityId, /Attached 3 files/);
  for (const name of ['a notes.txt', 'b scan.pdf', 'empty.txt']) expect(cardText(done.card)).toContain(name);
  const stored = h.emulators.graph.attachments(listId, taskId);
  expect(stored.map((x) => x.name).sort()).toEqual(['a notes.txt', 'b scan.pdf', 'empty.txt']);
  expect(stored.find((x) => x.name === 'b scan.pdf')?.sha256).toBe(b.sha256);
  expect(h.cards()).toHaveLength(1);
});

test('typeahead: lists and tasks are searchable, tasks scoped to the chosen list', async () => {
  const lists = await h.invoke('application/search', { queryText: 'proj', dataset: 'todoLists', queryOptions: { skip: 0, top: 15 } });
  expect(lists.body.type).toBe('application/vnd.microsoft.search.searchResponse');
  const results = (lists.body.value as { results: Array<{ title: string; value: string }> }).results;
  expect(results.map((r) => r.title)).toEqual(['Projects']);
  const projects = listByName(h.emulators.graph, 'Projects');
  const wanted = h.emulators.graph.tasks(projects.id).filter((t) => t.status !== 'completed').at(-1);
  if (!wanted) throw new Error('seed has no open project task');
  const word = wanted.title.split(' ')[0] ?? wanted.title;
  const tasks = await h.invoke('application/search', { queryText: word, dataset: 'todoTasks', queryOptions: { skip: 0, top: 15 }, data: { listId: projects.id } });
  const taskResults = (tasks.body.value as { results: Array<{ title: string; value: string }> }).results;
  expect(taskResults.map((r) => r.value)).toContain(wanted.id);
  for (const r of taskResults) expect(r.title.toLowerCase()).toContain(word.toLowerCase());
});

test('help, status and unknown text answer with cards', async () => {
  await h.sendText('hello there');
  const help = await h.waitForCard(1);
  expect(cardText(help.card)).toMatch(/Send me a file/);
  await h.sendText('status');
  const status = await h.waitForCard(2);
  expect(cardText(status.card)).toMatch(/no transfers yet/);
});

test('the picker preselects the list this user attached to last', async () => {
  const home = listByName(h.emulators.graph, 'Home');
  const first = h.emulators.files.addFile({ name: 'receipt.pdf', size: 100 });
  const picker = await pickerFor([first]);
  await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: home.id, newTaskTitle: 'File the receipt' });
  await h.waitForCardText(picker.activityId, /Attached/);
  const second = h.emulators.files.addFile({ name: 'warranty.pdf', size: 100 });
  expect(await h.sendFiles([second])).toBe(200);
  const next = await h.waitForCard(2);
  expect(cardInput(next.card, 'listId')?.['value']).toBe(home.id);
});

test('the cancel command stops my running transfers', async () => {
  h.emulators.files.shaping.set({ bytesPerSecond: 1024 * 1024 });
  const file = h.emulators.files.addFile({ name: 'archive.zip', size: 8 * 1024 * 1024 });
  const picker = await pickerFor([file]);
  const { listId, taskId } = firstTask('Work');
  await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId, taskId });
  await h.connector.waitFor(() => h.emulators.graph.sessionCount() === 1 || undefined, 20_000);
  expect(await h.sendText('cancel')).toBe(200);
  await h.waitForCardText(picker.activityId, /Cancelled/);
  expect(h.emulators.graph.attachments(listId, taskId)).toHaveLength(0);
  expect(h.connector.messages().some((m) => JSON.stringify(m.body).includes('Cancelling your transfer.'))).toBe(true);
});

test('with CARD_TYPEAHEAD=false the picker offers plain static choices (clients without typeahead)', async () => {
  const plain = await BotHarness.start({ env: { CARD_TYPEAHEAD: 'false' } });
  try {
    const file = plain.emulators.files.addFile({ name: 'memo.txt', size: 10 });
    expect(await plain.sendFiles([file])).toBe(200);
    const picker = await plain.waitForCard(1);
    expect(cardInput(picker.card, 'listId')).not.toHaveProperty(['choices.data']);
    expect(cardInput(picker.card, 'taskId')).not.toHaveProperty(['choices.data']);
    expect(cardInput(h.cards()[0]?.card ?? (await pickerFor([h.emulators.files.addFile({ name: 'x.txt', size: 1 })])).card, 'listId')).toHaveProperty(['choices.data']);
  } finally {
    await plain.close();
  }
});

test('two Attach presses at once (double click, two clients) start one transfer and create one task', async () => {
  const file = h.emulators.files.addFile({ name: 'invoice.pdf', size: 500_000 });
  const picker = await pickerFor([file]);
  const list = listByName(h.emulators.graph, 'Home');
  const data = { pickerId: pickerIdOf(picker.card), listId: list.id, newTaskTitle: 'Pay the invoice' };
  const answers = await Promise.all([h.press(picker.activityId, 'attach', data), h.press(picker.activityId, 'attach', data)]);
  expect(answers.map((a) => a.status)).toEqual([200, 200]);
  await h.waitForCardText(picker.activityId, /Attached “invoice\.pdf”/);
  const tasks = h.emulators.graph.tasks(list.id).filter((t) => t.title === 'Pay the invoice');
  expect(tasks).toHaveLength(1);
  expect(h.emulators.graph.attachments(list.id, tasks[0]?.id ?? '')).toHaveLength(1);
  expect(h.app.store.list()).toHaveLength(1);
});

test('malformed and unknown activities get a clear answer, not a crash', async () => {
  const base = { channelId: 'msteams', serviceUrl: h.connector.serviceUrl, from: { id: MEGAN.id, name: MEGAN.name }, conversation: { id: 'a:1Xq3PersonalzUQn2Yk0oFqConversationOpaque', conversationType: 'personal' }, recipient: { id: '28:bot' } };
  const malformed = await h.post({ ...base, type: 'message', text: 'hi', attachments: { not: 'an array' }, entities: [null, { nope: 1 }] });
  expect(malformed.status).toBe(200);
  const unknownInvoke = await h.post({ ...base, type: 'invoke', name: 'something/new', value: {} });
  expect(unknownInvoke.status).toBe(400);
  expect(JSON.stringify(unknownInvoke.body)).toContain('This bot does not handle that invoke.');
  const noRecipient = await h.post({ ...base, recipient: undefined, type: 'message', text: 'hi' });
  expect(noRecipient).toEqual({ status: 400, body: { error: 'The activity is not valid: recipient is missing or malformed.' } });
  const unknownType = await h.post({ ...base, type: 'weirdType' });
  expect(unknownType.status).toBeLessThan(300);
});

test('a message with more than 10 files offers the first 10 and says so', async () => {
  const files = Array.from({ length: 12 }, (_, i) => h.emulators.files.addFile({ name: `page ${i + 1}.png`, size: 100 }));
  const picker = await pickerFor(files);
  const text = cardText(picker.card);
  expect(text).toContain('This card takes the first 10 of the 12 files; send the others in another message.');
  expect(text).toContain('page 10.png');
  expect(text).not.toContain('page 11.png');
});

test('2,000 attachments in one message (as many as fit in 1 MiB): 10 are offered and at most 10 are probed', async () => {
  const file = h.emulators.files.addFile({ name: 'one.bin', size: 100 });
  h.emulators.files.clearRequests();
  const many = Array.from({ length: 2000 }, (_, i) => ({ name: `f${i}.bin`, url: file.url }));
  const picker = await pickerFor(many);
  expect(cardText(picker.card)).toContain('This card takes the first 10 of the 2000 files');
  expect(h.emulators.files.requests.length).toBeLessThanOrEqual(10);
});

test('a download link longer than 4,096 characters is not kept: the file is refused in words', async () => {
  const file = h.emulators.files.addFile({ name: 'long.pdf', size: 100 });
  expect(await h.sendFiles([{ name: 'long.pdf', url: `${file.url}&pad=${'x'.repeat(5000)}` }])).toBe(200);
  const notice = await h.waitForCard(1);
  expect(cardText(notice.card)).toContain('I could not read that file');
  expect(h.emulators.files.requests).toHaveLength(0);
});

test('one user cannot pile up pickers: past 20, pressing the oldest says it expired', async () => {
  const file = h.emulators.files.addFile({ name: 'n.txt', size: 10 });
  for (let i = 1; i <= 21; i++) {
    expect(await h.sendFiles([file])).toBe(200);
    await h.waitForCard(i);
  }
  const oldest = h.cards()[0];
  if (!oldest) throw new Error('no card');
  const { listId, taskId } = firstTask('Work');
  const answer = await h.press(oldest.activityId, 'attach', { pickerId: pickerIdOf(oldest.card), listId, taskId });
  expect(cardText(answer.body.value)).toMatch(/expired/);
  const newest = h.cards()[20];
  if (!newest) throw new Error('no card');
  const ok = await h.press(newest.activityId, 'attach', { pickerId: pickerIdOf(newest.card), listId, taskId });
  expect(cardText(ok.body.value)).toMatch(/Attaching/);
});
