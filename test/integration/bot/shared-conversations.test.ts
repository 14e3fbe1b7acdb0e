import { listByName } from '../../support/emulators';
import {
  ADELE,
  BotHarness,
  ConversationHelpers,
  MEGAN,
  addSharePointFile as addFile,
  cardOf,
  cardText,
  channelThread,
  pickerIdOf,
  referenceAttachment as reference,
  startWithSharePoint,
  type TeamsConversation,
} from '../../support/bot-harness';

/**
 * Channels and group chats: every member sees what the bot posts there, so it never posts one
 * user's To Do (list names, task titles) or transfers there. The picker, `status` and `cancel`
 * answers go to the requester's 1:1 chat with the bot; the shared conversation gets one
 * neutral sentence.
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

const thread = channelThread('1732791000000');
const groupChat: TeamsConversation = { id: '19:2f1c0b9a8e7d4c3b@thread.v2', conversationType: 'groupChat' };

/** Every word the bot put in a conversation, as any member would read it (texts and cards). */
function whatMembersSee(conversationId: string): string {
  return h.connector
    .messages(conversationId)
    .map((m) => {
      const body = m.body as { text?: unknown };
      return [typeof body.text === 'string' ? body.text : '', cardText(cardOf(m.body) ?? {})].join('\n');
    })
    .join('\n');
}

/** The requester's To Do as the emulator holds it: none of it may show in a shared conversation. */
function privateWords(): string[] {
  const words: string[] = [];
  for (const list of h.emulators.graph.lists()) {
    words.push(list.displayName);
    for (const t of h.emulators.graph.tasks(list.id)) words.push(t.title);
  }
  return words;
}

function expectNothingPrivate(conversationId: string, alsoHidden: string[] = []): void {
  const seen = whatMembersSee(conversationId);
  expect(seen).not.toBe('');
  for (const word of [...privateWords(), ...alsoHidden]) expect({ word, shown: seen.includes(word) }).toEqual({ word, shown: false });
}

const addSharePointFile = (name: string, size: number): ReturnType<typeof addFile> => addFile(h.emulators, name, size);

test('a file @mentioned in a channel: the picker goes to the requester’s 1:1 chat; the channel sees one neutral sentence', async () => {
  const file = addSharePointFile('Site plan.pdf', 1_500_000);
  expect(await teams.sendMessage(thread, { attachments: [reference('Site plan.pdf', file.webUrl)] })).toBe(200);
  const picker = await teams.waitForCardText(() => teams.personalChatId(MEGAN), /Site plan\.pdf/);
  expect(cardText(picker.card)).toContain('Work');
  const { id: listId } = listByName(h.emulators.graph, 'Work');
  const task = h.emulators.graph.tasks(listId).find((t) => t.status !== 'completed');
  if (!task) throw new Error('no open task');

  const chat = { id: teams.personalChatId(MEGAN) ?? '', conversationType: 'personal' as const };
  // Only Megan can use it, even if someone got hold of the card.
  expect((await teams.press(chat, picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId, taskId: task.id }, ADELE)).body.value).toBe(`Only ${MEGAN.name} can use this card.`);
  const answer = await teams.press(chat, picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId, taskId: task.id });
  expect(cardText(answer.body.value)).toContain('Site plan.pdf');
  await teams.waitForCardText(() => teams.personalChatId(MEGAN), /Attached “Site plan\.pdf”/);
  expect(h.emulators.graph.attachments(listId, task.id).map((a) => a.sha256)).toEqual([file.sha256]);

  // What Adele and everyone else in the channel sees: one sentence, no lists, no tasks, no transfer.
  expect(whatMembersSee(thread.id)).toMatch(/1:1 chat/);
  expectNothingPrivate(thread.id, ['Attached', 'Attaching', 'Site plan.pdf']);
  expect(h.connector.messages(thread.id)).toHaveLength(1);
});

test.each([
  ['a channel', thread],
  ['a group chat', groupChat],
])('status and cancel in %s answer in the 1:1 chat only', async (_where, conversation) => {
  // Megan has a finished transfer with a list and task name.
  const file = h.emulators.files.addFile({ name: 'payroll.xlsx', size: 1000 });
  expect(await h.sendFiles([file])).toBe(200);
  const picker = await h.waitForCard(1);
  const { id: listId } = listByName(h.emulators.graph, 'Home');
  await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId, newTaskTitle: 'Salary review 2025' });
  await h.waitForCardText(picker.activityId, /Attached/);

  expect(await teams.sendMessage(conversation, { text: 'status' })).toBe(200);
  const status = await teams.waitForCardText(() => teams.personalChatId(MEGAN), /Your .*transfers/);
  expect(cardText(status.card)).toContain('Salary review 2025');
  expect(await teams.sendMessage(conversation, { text: 'cancel' })).toBe(200);
  await teams.waitForCardText(() => teams.personalChatId(MEGAN), /no transfers running/);

  expectNothingPrivate(conversation.id, ['Salary review 2025', 'payroll.xlsx', 'transfers running', 'Attached']);
  expect(h.connector.messages(conversation.id)).toHaveLength(2);
});

test('a group chat file from another member goes to that member’s own 1:1 chat, not Megan’s', async () => {
  const file = addSharePointFile('Minutes.docx', 20_000);
  expect(await teams.sendMessage(groupChat, { user: ADELE, attachments: [reference('Minutes.docx', file.webUrl)] })).toBe(200);
  await teams.waitForCardText(() => teams.personalChatId(ADELE), /Minutes\.docx/);
  expect(teams.personalChatId(MEGAN)).toBeUndefined();
  expectNothingPrivate(groupChat.id, ['Minutes.docx']);
});
