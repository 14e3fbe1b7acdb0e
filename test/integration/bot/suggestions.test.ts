import { listByName } from '../../support/emulators';
import {
  BotHarness,
  ConversationHelpers,
  MEGAN,
  addSharePointFile,
  cardInput,
  cardText,
  channelThread,
  messageActionValue,
  pickerIdOf,
  referenceAttachment,
  startWithSharePoint,
  dialogCardOf,
  offerIdOf,
  type TeamsConversation,
} from '../../support/bot-harness';

/**
 * The likely task first (issue 14 §1), through the real bot: the chat picker and the
 * message-action dialog rank the user's open tasks against the file name, the message and the
 * chat or channel name; up to three suggestions come first, marked; the list and task are
 * preselected only when one task clearly wins; choosing a suggestion attaches there, whatever
 * list the card shows.
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

interface Choice {
  title: string;
  value: string;
}

function choicesOf(card: unknown, id: string): Choice[] {
  return (cardInput(card, id)?.['choices'] ?? []) as Choice[];
}

/** A finance list and a marketing list with realistic titles, created now (the most recently changed). */
function seedTasks(): { finance: { id: string }; budget: { id: string; title: string }; launch: { id: string; title: string }; marketing: { id: string } } {
  const graph = h.emulators.graph;
  const finance = graph.addList('Finance');
  graph.addTask(finance.id, 'Pay Contoso invoice');
  const budget = graph.addTask(finance.id, 'Q3 budget review with Sam');
  graph.addTask(finance.id, 'Expense report March');
  const marketing = graph.addList('Marketing');
  const launch = graph.addTask(marketing.id, 'Landing page copy for the autumn launch');
  graph.addTask(marketing.id, 'Book photographer');
  return { finance, budget, launch, marketing };
}

test('chat: a clear winner is suggested first, marked, and preselected with its list; Attach puts the file there', async () => {
  const { finance, budget } = seedTasks();
  const file = h.emulators.files.addFile({ name: 'Q3_Budget_FINAL_v2.xlsx', size: 120_000 });
  expect(await h.sendFiles([file], MEGAN, 'numbers for the review')).toBe(200);
  const picker = await h.waitForCard(1);

  const tasks = choicesOf(picker.card, 'taskId');
  expect(tasks[0]).toEqual({ title: `★ Suggested: ${budget.title} (Finance)`, value: 'suggested:0' });
  // Teams' typeahead stays: the static choices (suggestions first) show until the user types.
  expect(cardInput(picker.card, 'taskId')?.['choices.data']).toMatchObject({ type: 'Data.Query', dataset: 'todoTasks' });
  // Suggested once: not repeated among the list's own tasks.
  expect(tasks.filter((t) => t.title.includes(budget.title))).toHaveLength(1);
  expect(cardInput(picker.card, 'listId')?.['value']).toBe(finance.id);
  expect(cardInput(picker.card, 'taskId')?.['value']).toBe('suggested:0');

  const answer = await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: finance.id, taskId: 'suggested:0' });
  expect(cardText(answer.body.value)).toContain(`Attaching “Q3_Budget_FINAL_v2.xlsx” to “${budget.title}”`);
  await h.waitForCardText(picker.activityId, /Attached “Q3_Budget_FINAL_v2\.xlsx”/);
  expect(h.emulators.graph.attachments(finance.id, budget.id).map((a) => a.sha256)).toEqual([file.sha256]);
});

test('chat: a suggestion in another list than the one shown still lands on the suggested task', async () => {
  const { marketing, launch } = seedTasks();
  const file = h.emulators.files.addFile({ name: 'LP copy autumn.docx', size: 4_000 });
  expect(await h.sendFiles([file])).toBe(200);
  const picker = await h.waitForCard(1);
  const suggested = choicesOf(picker.card, 'taskId').find((c) => c.title.includes(launch.title));
  expect(suggested?.value).toMatch(/^suggested:\d$/);
  // The user leaves the list on another one (say the default list) and picks the suggestion.
  const tasksList = listByName(h.emulators.graph, 'Tasks');
  await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: tasksList.id, taskId: suggested?.value });
  await h.waitForCardText(picker.activityId, /Attached “LP copy autumn\.docx”/);
  expect(h.emulators.graph.attachments(marketing.id, launch.id)).toHaveLength(1);
});

test('chat: no clear winner: suggestions are offered but neither list nor task is chosen for the user', async () => {
  const graph = h.emulators.graph;
  const finance = graph.addList('Finance');
  graph.addTask(finance.id, 'Budget review Q3');
  graph.addTask(finance.id, 'Budget review Q4');
  const file = h.emulators.files.addFile({ name: 'budget review.xlsx', size: 1_000 });
  expect(await h.sendFiles([file])).toBe(200);
  const picker = await h.waitForCard(1);
  const suggested = choicesOf(picker.card, 'taskId').filter((c) => c.title.startsWith('★ Suggested:'));
  expect(suggested.map((s) => s.title)).toEqual(expect.arrayContaining(['★ Suggested: Budget review Q3 (Finance)', '★ Suggested: Budget review Q4 (Finance)']));
  expect(cardInput(picker.card, 'taskId')?.['value'] ?? '').toBe('');
  // The list is the usual default (To Do's default list), not the suggestions' list.
  expect(cardInput(picker.card, 'listId')?.['value']).toBe(listByName(graph, 'Tasks').id);
});

test('chat: a file that matches nothing gets the picker as before, without suggestions', async () => {
  seedTasks();
  const file = h.emulators.files.addFile({ name: 'IMG_20260503_101112.jpg', size: 1_000 });
  expect(await h.sendFiles([file])).toBe(200);
  const picker = await h.waitForCard(1);
  expect(cardText(picker.card)).not.toContain('Suggested');
  expect(cardInput(picker.card, 'taskId')?.['value'] ?? '').toBe('');
});

test('chat: Graph is asked within the documented bounds: one page of open tasks per list, most recent first, at most 10 lists', async () => {
  const graph = h.emulators.graph;
  for (let i = 0; i < 12; i++) graph.addTask(graph.addList(`Client ${i}`).id, `Onboarding for client ${i}`);
  graph.clearRequests();
  const file = h.emulators.files.addFile({ name: 'client 3 onboarding checklist.pdf', size: 1_000 });
  expect(await h.sendFiles([file])).toBe(200);
  const picker = await h.waitForCard(1);
  expect(choicesOf(picker.card, 'taskId')[0]?.title).toBe('★ Suggested: Onboarding for client 3 (Client 3)');
  const rankingReads = graph.requests.filter((r) => r.method === 'GET' && /\/tasks$/.test(decodeURIComponent(r.path)) && (r.query ?? '').includes('orderby'));
  expect(rankingReads.length).toBeLessThanOrEqual(10);
  for (const r of rankingReads) {
    const q = new URLSearchParams(r.query ?? '');
    expect(q.get('$orderby')).toBe('lastModifiedDateTime desc');
    expect(q.get('$filter')).toBe("status ne 'completed'");
    expect(q.get('$top')).toBe('40');
    expect(q.get('$skip')).toBeNull();
  }
});

test('chat: a suggestion the card never had is refused with a sentence, nothing attached', async () => {
  const { finance, budget } = seedTasks();
  const file = h.emulators.files.addFile({ name: 'Q3 budget.xlsx', size: 1_000 });
  expect(await h.sendFiles([file])).toBe(200);
  const picker = await h.waitForCard(1);
  const answer = await h.press(picker.activityId, 'attach', { pickerId: pickerIdOf(picker.card), listId: finance.id, taskId: 'suggested:9' });
  expect(cardText(answer.body.value)).toContain('That suggestion is out of date. Pick the task again.');
  expect(h.emulators.graph.attachments(finance.id, budget.id)).toHaveLength(0);
});

test('without typeahead (npm start) the suggestions are the first static choices too', async () => {
  await h.close();
  ({ h, teams } = await (async () => {
    const plain = await BotHarness.start({ env: { CARD_TYPEAHEAD: 'false' } });
    return { h: plain, teams: new ConversationHelpers(plain) };
  })());
  const { budget } = seedTasks();
  const file = h.emulators.files.addFile({ name: 'Q3 budget review.xlsx', size: 1_000 });
  expect(await h.sendFiles([file])).toBe(200);
  const picker = await h.waitForCard(1);
  expect(cardInput(picker.card, 'taskId')).not.toHaveProperty(['choices.data']);
  expect(choicesOf(picker.card, 'taskId')[0]?.title).toBe(`★ Suggested: ${budget.title} (Finance)`);
});

test('channel: the channel’s name counts, and the picker with its suggestions goes to the 1:1 chat only', async () => {
  const graph = h.emulators.graph;
  const projects = graph.addList('Falcon');
  const kickoff = graph.addTask(projects.id, 'Falcon kickoff deck');
  graph.addTask(projects.id, 'Hire a designer');
  const file = addSharePointFile(h.emulators, 'deck.pptx', 50_000);
  const thread: TeamsConversation = { ...channelThread('1732791000001'), channelData: { ...channelThread('1732791000001').channelData, channel: { id: 'x', name: 'Project Falcon' } } };
  expect(await teams.sendMessage(thread, { text: 'kickoff', attachments: [referenceAttachment('deck.pptx', file.webUrl)] })).toBe(200);
  const picker = await teams.waitForCardText(() => teams.personalChatId(MEGAN), /deck\.pptx/);
  expect(choicesOf(picker.card, 'taskId')[0]?.title).toBe(`★ Suggested: ${kickoff.title} (Falcon)`);
  expect(h.connector.messages(thread.id).map((m) => JSON.stringify(m.body)).join('')).not.toContain('Falcon kickoff deck');
});

// ---- the message action's dialog ----



test('message action: the dialog suggests and preselects the task the message is about; submitting it attaches there', async () => {
  const graph = h.emulators.graph;
  const legal = graph.addList('Legal');
  const sign = graph.addTask(legal.id, 'Get the Fabrikam contract signed');
  graph.addTask(legal.id, 'NDA for Northwind');
  const contract = addSharePointFile(h.emulators, 'Contract - Fabrikam (signed).pdf', 300_000);
  const thread = channelThread('1732791000002');
  const opened = await teams.invoke(
    thread,
    'composeExtension/fetchTask',
    messageActionValue({ id: '1732791000002', html: '<p>Signed contract from Fabrikam attached</p>', attachments: [referenceAttachment('Contract - Fabrikam (signed).pdf', contract.webUrl)] }),
  );
  const card = dialogCardOf(opened);
  expect(choicesOf(card, 'taskId')[0]).toEqual({ title: `★ Suggested: ${sign.title} (Legal)`, value: 'suggested:0' });
  expect(cardInput(card, 'taskId')?.['value']).toBe('suggested:0');
  expect(cardInput(card, 'listId')?.['value']).toBe(legal.id);

  const submitted = await teams.invoke(thread, 'composeExtension/submitAction', {
    commandId: 'attachToTodo',
    commandContext: 'message',
    data: { action: 'attach', offerId: offerIdOf(card), listId: legal.id, taskId: 'suggested:0', newTaskTitle: 'Signed contract from Fabrikam attached', file_0: 'true', linkToMessage: 'false' },
  });
  expect(submitted.body).toEqual({ task: { type: 'message', value: `Attaching the file to “${sign.title}”. Follow the progress in your chat with me.` } });
  await teams.waitForCardText(() => teams.personalChatId(), /Attached “Contract - Fabrikam \(signed\)\.pdf”/);
  expect(graph.attachments(legal.id, sign.id).map((a) => a.sha256)).toEqual([contract.sha256]);
});
