import { createHash, randomBytes } from 'node:crypto';
import { firstOpenTask as openTask, listByName } from '../../support/emulators';
import {
  ADELE,
  BotHarness,
  CHANNEL,
  ConversationHelpers,
  MEGAN,
  cardActions,
  cardInput,
  cardText,
  channelThread,
  addSharePointFile as addFile,
  messageActionValue,
  referenceAttachment,
  startWithSharePoint,
  type InvokeAnswer,
} from '../../support/bot-harness';

jest.setTimeout(60_000);

let h: BotHarness;
let teams: ConversationHelpers;
beforeEach(async () => {
  // SharePoint file URLs are allowed by name; the bytes come from the file host Graph redirects to.
  ({ h, teams } = await startWithSharePoint());
});
afterEach(async () => {
  await h.close();
});

const ROOT = '1732791000000';
const thread = channelThread(ROOT);

const addSharePointFile = (name: string, size: number): ReturnType<typeof addFile> => addFile(h.emulators, name, size);
const reference = referenceAttachment;

function addImage(messageId: string): { url: string; sha256: string } {
  const content = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(40_000)]);
  const { url } = h.emulators.graph.addHostedContent({ where: { teamId: CHANNEL.teamId, channelId: CHANNEL.channelId }, messageId, content });
  return { url, sha256: createHash('sha256').update(content).digest('hex') };
}

interface Dialog {
  card: Record<string, unknown>;
  offerId: string;
}

function dialogOf(answer: InvokeAnswer): Dialog {
  expect(answer.status).toBe(200);
  const task = answer.body['task'] as { type?: string; value?: { title?: string; card?: { contentType?: string; content?: Record<string, unknown> } } };
  expect(task.type).toBe('continue');
  expect(task.value?.title).toBe('Attach to To Do');
  expect(task.value?.card?.contentType).toBe('application/vnd.microsoft.card.adaptive');
  const card = task.value?.card?.content ?? {};
  const offerId = submitData(card)['offerId'];
  if (typeof offerId !== 'string') throw new Error('the dialog has no offerId');
  return { card, offerId };
}

function submitData(card: unknown): Record<string, unknown> {
  const found: Array<Record<string, unknown>> = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (o['type'] === 'Action.Submit') found.push(o['data'] as Record<string, unknown>);
    Object.values(o).forEach(walk);
  };
  walk(card);
  // The offer id rides on every submit button; the tests submit as the Attach button does.
  return { ...(found[0] ?? {}), action: 'attach' };
}

function messageOf(answer: InvokeAnswer): string {
  const task = answer.body['task'] as { type?: string; value?: unknown } | undefined;
  expect(task?.type).toBe('message');
  return String(task?.value);
}

async function openDialog(payload: Parameters<typeof messageActionValue>[0], user = MEGAN): Promise<Dialog> {
  return dialogOf(await teams.invoke(thread, 'composeExtension/fetchTask', messageActionValue(payload), { user }));
}

function submit(data: Record<string, unknown>, user = MEGAN): Promise<InvokeAnswer> {
  return teams.invoke(thread, 'composeExtension/submitAction', { commandId: 'attachToTodo', commandContext: 'message', data }, { user });
}

const firstOpenTask = (listName: string): ReturnType<typeof openTask> => openTask(h.emulators.graph, listName);

test('fetchTask lists the message files and pasted image; submit attaches two of them with one progress card in the 1:1 chat', async () => {
  const contract = addSharePointFile('Contract - Fabrikam (signed).pdf', 2 * 1024 * 1024 + 17);
  const quote = addSharePointFile('Quote.xlsx', 40_000);
  const image = addImage(ROOT);
  const dialog = await openDialog({
    id: ROOT,
    html: `<p>Signed contract attached &amp; the quote</p><p>Second line</p><p><img src="${image.url}" alt="image"></p>`,
    attachments: [reference('Contract - Fabrikam (signed).pdf', contract.webUrl), reference('Quote.xlsx', quote.webUrl)],
  });
  const text = cardText(dialog.card);
  expect(cardInput(dialog.card, 'file_0')).toMatchObject({ label: 'Contract - Fabrikam (signed).pdf', value: 'true', title: 'Attach this file · 2.0 MB' });
  expect(cardInput(dialog.card, 'file_1')).toMatchObject({ label: 'Quote.xlsx' });
  expect(cardInput(dialog.card, 'file_2')).toMatchObject({ title: 'Attach this image' });
  expect(cardInput(dialog.card, 'file_3')).toBeUndefined();
  expect(cardInput(dialog.card, 'newTaskTitle')?.['value']).toBe('Signed contract attached & the quote');
  expect(cardInput(dialog.card, 'linkToMessage')?.['value']).toBe('true');
  expect(text).toContain('Second line');

  const { listId, taskId, title } = firstOpenTask('Work');
  const answer = await submit({ ...submitData(dialog.card), listId, taskId, newTaskTitle: 'Signed contract attached & the quote', file_0: 'true', file_1: 'false', file_2: 'true', linkToMessage: 'false' });
  expect(answer.status).toBe(200);
  // Answered at once with a sentence; the work continues in the background.
  expect(answer.body).toEqual({ task: { type: 'message', value: `Attaching 2 files to “${title}”. Follow the progress in your chat with me.` } });

  const done = await teams.waitForCardText(() => teams.personalChatId(), /Attached 2 files/);
  expect(cardText(done.card)).toContain(title);
  expect(teams.personalCards()).toHaveLength(1);
  const stored = h.emulators.graph.attachments(listId, taskId);
  expect(stored.map((a) => a.name).sort()).toEqual(['Contract - Fabrikam (signed).pdf', 'Image 1 from the message.png']);
  expect(stored.find((a) => a.name.startsWith('Contract'))?.sha256).toBe(contract.sha256);
  expect(stored.find((a) => a.name.startsWith('Image'))?.sha256).toBe(image.sha256);
  // The chosen task wins over the prefilled title: no task was created.
  expect(h.emulators.graph.tasks(listId).filter((t) => t.title === 'Signed contract attached & the quote')).toHaveLength(0);
  // The bearer token went to Graph only; the download host got none.
  expect(h.emulators.graph.requests.filter((r) => r.path.includes('/shares/')).every((r) => r.authorization)).toBe(true);
  await h.app.runner.settleAll();
  const job = h.app.store.listByUser(MEGAN.id)[0];
  expect(job?.state).toBe('done');

  // A second submit of the same dialog starts nothing new.
  const again = await submit({ ...submitData(dialog.card), listId, taskId, file_0: 'true', file_2: 'true' });
  expect(messageOf(again)).toMatch(/already being attached/);
  expect(h.app.store.listByUser(MEGAN.id)).toHaveLength(1);
});

test('a channel message with a file, @mentioning the bot: picker in the 1:1 chat, only the requester can attach', async () => {
  const file = addSharePointFile('Site plan.pdf', 1_500_000);
  expect(await teams.sendMessage(thread, { attachments: [reference('Site plan.pdf', file.webUrl)] })).toBe(200);
  // The picker shows Megan's lists and tasks: it goes to her 1:1 chat, never into the thread.
  const picker = await teams.waitForCardText(() => teams.personalChatId(MEGAN), /Site plan\.pdf/);
  expect(cardText(picker.card)).toContain('1.4 MB');
  expect(teams.cards(thread.id)).toEqual([]);
  const chat = { id: teams.personalChatId(MEGAN) ?? '', conversationType: 'personal' as const };
  const pickerId = cardActions(picker.card).find((a) => a.verb === 'attach')?.data['pickerId'];
  const { listId, taskId } = firstOpenTask('Work');

  const refused = await teams.press(chat, picker.activityId, 'attach', { pickerId, listId, taskId }, ADELE);
  expect(refused.body.value).toBe(`Only ${MEGAN.name} can use this card.`);

  const answer = await teams.press(chat, picker.activityId, 'attach', { pickerId, listId, taskId });
  expect(cardText(answer.body.value)).toContain('Site plan.pdf');
  await teams.waitForCardText(() => chat.id, /Attached “Site plan\.pdf”/);
  expect(h.emulators.graph.attachments(listId, taskId).map((a) => a.sha256)).toEqual([file.sha256]);

  // Without a mention the bot stays quiet in a channel.
  const before = h.connector.activities.length;
  expect(await teams.sendMessage(thread, { mention: false, text: 'thanks all' })).toBe(200);
  expect(h.connector.activities.length).toBe(before);
});

test('a message without files creates a task linked back to the message', async () => {
  const link = `https://teams.microsoft.com/l/message/${CHANNEL.channelId}/1732791000999`;
  const dialog = await openDialog({ id: '1732791000999', html: '<p>Call the landlord about the leaking roof before the weekend please</p>', linkToMessage: link });
  expect(cardText(dialog.card)).toContain('This message has no files that can be attached.');
  const list = listByName(h.emulators.graph, 'Home');
  const title = 'Call the landlord about the leaking roof before the weekend please';
  const answer = await submit({ ...submitData(dialog.card), listId: list.id, newTaskTitle: title, linkToMessage: 'true' });
  expect(messageOf(answer)).toBe(`Created “${title}” in Home, linked to the message.`);
  const task = h.emulators.graph.tasks(list.id).find((t) => t.title === title);
  if (!task) throw new Error('no task was created');
  expect(h.emulators.graph.linkedResources(list.id, task.id)).toEqual([
    expect.objectContaining({ webUrl: link, applicationName: 'To Do Attach', displayName: 'Call the landlord about the leaking roof before…', externalId: '1732791000999' }),
  ]);
  expect(teams.personalChatId()).toBeUndefined();
});

test('a file deleted from SharePoint mid-transfer ends in a clear failure', async () => {
  const file = addSharePointFile('Survey.zip', 4 * 1024 * 1024);
  const dialog = await openDialog({ id: ROOT, html: '<p>Survey data</p>', attachments: [reference('Survey.zip', file.webUrl)] });
  // Slow downloads so the deletion lands while bytes are still flowing.
  h.emulators.files.shaping.set({ bytesPerSecond: 1_000_000 });
  const { listId, taskId } = firstOpenTask('Work');
  expect((await submit({ ...submitData(dialog.card), listId, taskId, file_0: 'true' })).body).toMatchObject({ task: { type: 'message', value: expect.stringMatching(/^Attaching the file to/) } });
  await h.connector.waitFor(() => h.emulators.graph.sessions().find((s) => s.nextExpectedOffset > 0), 20_000);
  h.emulators.graph.removeSharedFile(file.webUrl);
  h.emulators.files.removeFile(file.id);

  const failed = await teams.waitForCardText(() => teams.personalChatId(), /could not be found/);
  expect(cardText(failed.card)).toContain('“Survey.zip” could not be found where Teams stored it. It may have been deleted or moved.');
  await h.app.runner.settleAll();
  expect(h.app.store.listByUser(MEGAN.id)[0]?.state).toBe('failed');
  expect(h.emulators.graph.attachments(listId, taskId)).toHaveLength(0);
  expect(h.emulators.graph.sessionCount()).toBe(0);
});

test('a sharing URL outside the allowed hosts is refused before any request', async () => {
  const dialog = await openDialog({ id: ROOT, html: '<p>Look at this</p>', attachments: [reference('payload.pdf', 'https://files.evil.example/payload.pdf')] });
  expect(cardInput(dialog.card, 'file_0')).toMatchObject({ value: 'false', title: '“payload.pdf” is stored somewhere this app is not allowed to download from, so it was not attached.' });
  // Nothing can be attached, so the dialog offers no Attach button.
  expect(JSON.stringify(dialog.card)).not.toContain('"title":"Attach"');
  // A forged submission that ticks the refused file anyway is refused again on the server.
  const { listId, taskId } = firstOpenTask('Work');
  const answer = await submit({ ...submitData(dialog.card), listId, taskId, file_0: 'true' });
  expect(messageOf(answer)).toMatch(/not allowed to download from/);
  expect(h.emulators.graph.requests.filter((r) => r.path.includes('/shares/'))).toHaveLength(0);
  expect(h.emulators.graph.attachments(listId, taskId)).toHaveLength(0);
  expect(h.app.store.listByUser(MEGAN.id)).toHaveLength(0);
});

test('another user cannot submit someone else’s dialog, and tampered submissions get a clear message', async () => {
  const file = addSharePointFile('Budget.xlsx', 10_000);
  const dialog = await openDialog({ id: ROOT, html: '<p>Budget</p>', attachments: [reference('Budget.xlsx', file.webUrl)] });
  const { listId, taskId } = firstOpenTask('Work');
  const data = { ...submitData(dialog.card), listId, taskId, file_0: 'true' };

  expect(messageOf(await submit(data, ADELE))).toBe(`Only ${MEGAN.name} can use this dialog.`);
  expect(messageOf(await submit({ ...data, file_7: 'true' }))).toMatch(/changed or is out of date/);
  expect(messageOf(await submit({ ...data, offerId: 'not-an-offer' }))).toMatch(/changed or is out of date/);
  expect(messageOf(await submit({ ...data, offerId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' }))).toMatch(/expired/);
  expect(h.emulators.graph.attachments(listId, taskId)).toHaveLength(0);
  expect(h.app.store.listByUser(MEGAN.id)).toHaveLength(0);
  expect(h.app.store.listByUser(ADELE.id)).toHaveLength(0);
});

test('Show tasks reloads the dialog with the chosen list', async () => {
  const dialog = await openDialog({ id: ROOT, html: '<p>Plan</p>' });
  const projects = listByName(h.emulators.graph, 'Projects');
  const next = dialogOf(await submit({ action: 'showTasks', offerId: dialog.offerId, listId: projects.id, newTaskTitle: 'Plan' }));
  expect(next.offerId).toBe(dialog.offerId);
  expect(cardInput(next.card, 'listId')?.['value']).toBe(projects.id);
  const open = h.emulators.graph.tasks(projects.id).filter((t) => t.status !== 'completed');
  expect(cardText(next.card)).toContain(open[0]?.title ?? 'no task');
});

test('a message with thousands of files and images: the dialog takes the first 10, says so, and probes at most 10', async () => {
  const files = Array.from({ length: 30 }, (_, i) => addSharePointFile(`Part ${i + 1}.pdf`, 1000 + i));
  const image = addImage(ROOT);
  const images = `<img src="${image.url}">`.repeat(4000);
  expect(images.length).toBeLessThan(1_000_000);
  h.emulators.graph.clearRequests();
  const dialog = await openDialog({ id: ROOT, html: `<p>Everything</p>${images}`, attachments: files.map((f, i) => reference(`Part ${i + 1}.pdf`, f.webUrl)) });
  expect(cardInput(dialog.card, 'file_9')).toMatchObject({ label: 'Part 10.pdf' });
  expect(cardInput(dialog.card, 'file_10')).toBeUndefined();
  expect(cardText(dialog.card)).toContain('This dialog takes the first 10 of the 4,030 files; use it again for the others.');
  expect(h.emulators.graph.requests.filter((r) => r.path.includes('/shares/')).length).toBeLessThanOrEqual(10);
});

test('links longer than 4,096 characters are not kept: an image or file with one is left out', async () => {
  const long = `${h.emulators.graph.baseUrl}/teams/${'t'.repeat(5000)}/channels/c/messages/1/hostedContents/x/$value`;
  const dialog = await openDialog({ id: ROOT, html: `<p>Long</p><img src="${long}">` });
  expect(cardInput(dialog.card, 'file_0')).toBeUndefined();
  expect(cardText(dialog.card)).toContain('This message has no files that can be attached.');
});

test('one user cannot pile up dialogs: past 20 open ones, the oldest expires; other users keep theirs', async () => {
  const adeles = await openDialog({ id: ROOT, html: '<p>Adele’s</p>' }, ADELE);
  const first = await openDialog({ id: ROOT, html: '<p>first</p>' });
  for (let i = 0; i < 20; i++) await openDialog({ id: ROOT, html: `<p>${i}</p>` });
  expect(messageOf(await submit({ action: 'attach', offerId: first.offerId, listId: firstOpenTask('Work').listId, newTaskTitle: 'x' }))).toMatch(/expired/);
  const answer = await submit({ action: 'showTasks', offerId: adeles.offerId }, ADELE);
  expect(dialogOf(answer).offerId).toBe(adeles.offerId);
});
