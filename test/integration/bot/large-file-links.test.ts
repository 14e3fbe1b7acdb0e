import { listByName } from '../../support/emulators';
import {
  BotHarness,
  ConversationHelpers,
  MEGAN,
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
 * Over 25 MB (issue 14 §3), through the real bot: a file that lives in SharePoint or OneDrive
 * (channel and group-chat `reference` files, 1:1 files whose contentUrl points there) is offered
 * as "Add a link to the task": a linkedResource with the file's address and name, and a line in
 * the task's note, the user's note kept. Nothing is uploaded. A file with no durable home keeps
 * the refusal sentence.
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

function noUploads(): void {
  expect(h.emulators.graph.requests.filter((r) => r.method === 'POST' && /attachments/.test(r.path))).toEqual([]);
  expect(h.emulators.graph.requests.filter((r) => r.method === 'PUT')).toEqual([]);
}

function surveyTask(note: string): { listId: string; taskId: string; title: string } {
  const list = listByName(h.emulators.graph, 'Work');
  const task = h.emulators.graph.addTask(list.id, 'Site survey follow-up', { body: note });
  return { listId: list.id, taskId: task.id, title: task.title };
}

test('channel file over 25 MB: the picker offers a link; the task gets a linked resource and a line in its note, the note kept', async () => {
  const note = 'Ask Pradeep about <access> & parking\nBring the drone';
  const t = surveyTask(note);
  const file = addSharePointFile(h.emulators, 'site survey.mp4', BIG);
  expect(await teams.sendMessage(channelThread('1732791000100'), { attachments: [referenceAttachment('site survey.mp4', file.webUrl)] })).toBe(200);
  const picker = await teams.waitForCardText(() => teams.personalChatId(MEGAN), /site survey\.mp4/);
  const text = cardText(picker.card);
  expect(text).toContain('30.0 MB: too large to attach (To Do takes up to 25 MB). The file stays where it is; the task gets a link to it and a line in its note.');
  expect(cardInput(picker.card, 'file_0')).toMatchObject({ type: 'Input.Toggle', title: 'Add a link to the task instead', value: 'true' });
  expect(cardActions(picker.card).find((a) => a.verb === 'attach')?.title).toBe('Add link');

  const chat = { id: teams.personalChatId(MEGAN) ?? '', conversationType: 'personal' as const };
  const answer = await teams.press(chat, picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: t.listId, taskId: t.taskId, file_0: 'true' });
  expect(cardText(answer.body.value)).toContain(`Linking “site survey.mp4” to “${t.title}”`);
  const done = await teams.waitForCardText(() => teams.personalChatId(MEGAN), /Linked “site survey\.mp4”/);
  expect(cardText(done.card)).toContain('the task links to it and its note says where it is');

  expect(h.emulators.graph.linkedResources(t.listId, t.taskId)).toEqual([
    expect.objectContaining({ webUrl: file.webUrl, applicationName: 'To Do Attach', displayName: 'site survey.mp4' }),
  ]);
  expect(h.emulators.graph.taskNote(t.listId, t.taskId)).toBe(`${note}\nLinked file “site survey.mp4” (too large to attach, 30.0 MB): ${file.webUrl}`);
  expect(h.emulators.graph.attachments(t.listId, t.taskId)).toEqual([]);
  noUploads();
});

test('1:1 file over 25 MB whose contentUrl is in OneDrive: linked, not uploaded', async () => {
  const t = surveyTask('');
  const file = h.emulators.files.addFile({ name: 'drone footage.mov', size: BIG });
  expect(await h.sendFiles([file])).toBe(200);
  const picker = await h.waitForCard(1);
  expect(cardActions(picker.card).find((a) => a.verb === 'attach')?.title).toBe('Add link');
  await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: t.listId, taskId: t.taskId, file_0: 'true' });
  await h.waitForCardText(picker.activityId, /Linked “drone footage\.mov”/);
  const [link] = h.emulators.graph.linkedResources(t.listId, t.taskId);
  // The OneDrive address Teams gave as the attachment's contentUrl, never the download link.
  expect(link?.webUrl).toBe(`https://contoso-my.sharepoint.com/personal/files/${encodeURIComponent('drone footage.mov')}`);
  expect(h.emulators.graph.taskNote(t.listId, t.taskId)).toContain(link?.webUrl ?? '?');
  expect(JSON.stringify(h.emulators.graph.linkedResources(t.listId, t.taskId))).not.toContain('tempauth');
  noUploads();
});

test('a file over 25 MB with no durable home keeps the refusal sentence and offers no link', async () => {
  const plain = await BotHarness.start();
  try {
    const file = plain.emulators.files.addFile({ name: 'drone footage.mov', size: BIG });
    expect(await plain.sendFiles([file])).toBe(200);
    const picker = await plain.waitForCard(1);
    expect(cardText(picker.card)).toContain('“drone footage.mov” is 30.0 MB; To Do accepts files up to 25 MB.');
    expect(cardText(picker.card)).not.toContain('link');
    expect(cardActions(picker.card).map((a) => a.verb)).toEqual(['dismiss']);
  } finally {
    await plain.close();
  }
});

test('a link whose answer is lost is not made twice, and the note line is written once', async () => {
  const t = surveyTask('first line');
  const file = addSharePointFile(h.emulators, 'plans.dwg', BIG);
  h.emulators.graph.faults.add({ match: { method: 'POST', pathIncludes: '/linkedResources' }, action: { type: 'reset', afterBodyBytes: 1_000_000 } });
  h.emulators.graph.faults.add({ match: { method: 'PATCH' }, action: { type: 'reset', afterBodyBytes: 1_000_000 } });
  expect(await teams.sendMessage(channelThread('1732791000101'), { attachments: [referenceAttachment('plans.dwg', file.webUrl)] })).toBe(200);
  const picker = await teams.waitForCardText(() => teams.personalChatId(MEGAN), /plans\.dwg/);
  const chat = { id: teams.personalChatId(MEGAN) ?? '', conversationType: 'personal' as const };
  await teams.press(chat, picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: t.listId, taskId: t.taskId, file_0: 'true' });
  await teams.waitForCardText(() => teams.personalChatId(MEGAN), /Linked “plans\.dwg”/);
  expect(h.emulators.graph.faults.list().map((r) => r.fired)).toEqual([1, 1]);
  expect(h.emulators.graph.linkedResources(t.listId, t.taskId)).toHaveLength(1);
  const note = h.emulators.graph.taskNote(t.listId, t.taskId);
  expect(note.split(file.webUrl)).toHaveLength(2);
  expect(note.startsWith('first line\n')).toBe(true);
});

test('a task deleted before the link is made: the card says so in words', async () => {
  const t = surveyTask('');
  const file = addSharePointFile(h.emulators, 'plans.dwg', BIG);
  expect(await teams.sendMessage(channelThread('1732791000102'), { attachments: [referenceAttachment('plans.dwg', file.webUrl)] })).toBe(200);
  const picker = await teams.waitForCardText(() => teams.personalChatId(MEGAN), /plans\.dwg/);
  h.emulators.graph.faults.add({ match: { method: 'GET', pathIncludes: '/linkedResources' }, action: { type: 'latency', ms: 300 } });
  const chat = { id: teams.personalChatId(MEGAN) ?? '', conversationType: 'personal' as const };
  await teams.press(chat, picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: t.listId, taskId: t.taskId, file_0: 'true' });
  h.emulators.graph.deleteTask(t.listId, t.taskId);
  const failed = await teams.waitForCardText(() => teams.personalChatId(MEGAN), /Could not link “plans\.dwg”/);
  expect(cardText(failed.card)).toContain('The task could not be found in Microsoft To Do. It may have been deleted; pick another task and retry.');
  expect(cardActions(failed.card).map((a) => a.verb)).toContain('retry');
});

// ---- the message action ----


test('message action: a 30 MB file is offered as a link (toggle on); submitting adds the link and the note line', async () => {
  const t = surveyTask('');
  const file = addSharePointFile(h.emulators, 'All-hands recording.mp4', BIG);
  const thread = channelThread('1732791000103');
  const card = dialogCardOf(await teams.invoke(thread, 'composeExtension/fetchTask', messageActionValue({ id: '1732791000103', html: '<p>recording</p>', attachments: [referenceAttachment('All-hands recording.mp4', file.webUrl)] })));
  expect(cardInput(card, 'file_0')).toMatchObject({ title: 'Add a link to the task instead', value: 'true' });
  expect(cardText(card)).toContain('too large to attach');
  const offerId = offerIdOf(card);
  const answer = await teams.invoke(thread, 'composeExtension/submitAction', {
    commandId: 'attachToTodo',
    commandContext: 'message',
    data: { action: 'attach', offerId, listId: t.listId, taskId: t.taskId, file_0: 'true', linkToMessage: 'false' },
  });
  expect(answer.body).toEqual({ task: { type: 'message', value: `Adding a link to the file to “${t.title}”. Follow the progress in your chat with me.` } });
  await teams.waitForCardText(() => teams.personalChatId(), /Linked “All-hands recording\.mp4”/);
  expect(h.emulators.graph.linkedResources(t.listId, t.taskId).map((r) => r.webUrl)).toEqual([file.webUrl]);
  expect(h.emulators.graph.taskNote(t.listId, t.taskId)).toContain(file.webUrl);
  noUploads();
});
