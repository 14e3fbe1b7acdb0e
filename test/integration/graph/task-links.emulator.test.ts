import { GraphTodoEmulator } from '../../../src/emulators/graph-todo';
import { GraphTodoClient } from '../../../src/graph/todo-client';
import { call, todoPath } from '../../support/emulators';

/**
 * What picking and linking need of To Do, client against emulator: one bounded page of the most
 * recently changed open tasks (with due dates), linked resources, and the task's note changed
 * by read-modify-write without losing what the user wrote.
 */

const TOKEN = 'tok';
let emu: GraphTodoEmulator;
let client: GraphTodoClient;

beforeEach(async () => {
  emu = await GraphTodoEmulator.start({ tokens: [TOKEN], pageSize: 5, seed: false });
  client = new GraphTodoClient({ baseUrl: emu.baseUrl, tokenProvider: async () => TOKEN });
});
afterEach(async () => {
  await client.close();
  await emu.close();
});

test('listTasksPage asks for one page of open tasks, most recently changed first, and never follows nextLink', async () => {
  const list = emu.addList('Work');
  const ids: string[] = [];
  const hourAgo = Date.now() - 3_600_000;
  for (let i = 0; i < 8; i++) ids.push(emu.addTask(list.id, `Task ${i}`, { createdMs: hourAgo + i * 1000, ...(i === 3 ? { status: 'completed' } : {}) }).id);
  // Touch two tasks so they are the most recently changed.
  for (const id of [ids[1], ids[6]] as string[]) {
    const res = await call(`${emu.baseUrl}${todoPath('lists', list.id, 'tasks', id)}`, { method: 'PATCH', token: TOKEN, body: JSON.stringify({ importance: 'high' }) });
    expect(res.status).toBe(200);
  }
  emu.clearRequests();
  const tasks = await client.listTasksPage(list.id, { excludeCompleted: true, top: 40, orderBy: 'lastModifiedDateTime desc' });
  expect(emu.requests).toHaveLength(1);
  const query = new URLSearchParams(emu.requests[0]?.query ?? '');
  expect(query.get('$filter')).toBe("status ne 'completed'");
  expect(query.get('$orderby')).toBe('lastModifiedDateTime desc');
  expect(query.get('$top')).toBe('40');
  // The emulator's page is 5: one page, no more requests.
  expect(tasks).toHaveLength(5);
  expect(tasks.slice(0, 2).map((t) => t.id).sort()).toEqual([ids[1], ids[6]].sort());
  expect(tasks.some((t) => t.status === 'completed')).toBe(false);
});

test('an unknown $orderby property is a 400 with a Graph error, as Graph answers it', async () => {
  const list = emu.addList('Work');
  const res = await call(`${emu.baseUrl}${todoPath('lists', list.id, 'tasks')}?$orderby=colour`, { token: TOKEN });
  expect(res.status).toBe(400);
  expect((res.json?.['error'] as { code?: string }).code).toBe('BadRequest');
});

test('dueDateTime is read from the dateTimeTimeZone Graph returns', async () => {
  const list = emu.addList('Work');
  const task = emu.addTask(list.id, 'Send the deck', { dueDateTime: '2026-05-04T00:00:00Z' });
  const [read] = await client.listTasksPage(list.id, { top: 10 });
  expect(read).toMatchObject({ id: task.id, dueDateTime: '2026-05-04T00:00:00.0000000' });
});

test('appendToTaskNote keeps the user’s note (markup-like text, line breaks, accents) and adds one line once', async () => {
  const list = emu.addList('Work');
  const original = 'Call Zoë <re: Q3> & check "terms"\nSecond line';
  const task = emu.addTask(list.id, 'Survey', { body: original });
  const line = 'Too large to attach (31.4 MB): “site survey.mp4” is at https://contoso.sharepoint.com/sites/x/a%20b.mp4?web=1&x=1';
  expect(await client.appendToTaskNote(list.id, task.id, line, 'https://contoso.sharepoint.com/sites/x/a%20b.mp4?web=1&x=1')).toBe('added');
  expect(emu.taskNote(list.id, task.id)).toBe(`${original}\n${line}`);
  // Asked again (a retry after a lost answer): the note already says it.
  expect(await client.appendToTaskNote(list.id, task.id, line, 'https://contoso.sharepoint.com/sites/x/a%20b.mp4?web=1&x=1')).toBe('present');
  expect(emu.taskNote(list.id, task.id)).toBe(`${original}\n${line}`);
  const patch = emu.requests.filter((r) => r.method === 'PATCH');
  expect(patch).toHaveLength(1);
});

test('an empty note gets just the line', async () => {
  const list = emu.addList('Work');
  const task = emu.addTask(list.id, 'Survey');
  await client.appendToTaskNote(list.id, task.id, 'the line', 'the line');
  expect(emu.taskNote(list.id, task.id)).toBe('the line');
});

test('linked resources: create, then list them back', async () => {
  const list = emu.addList('Work');
  const task = emu.addTask(list.id, 'Survey');
  const made = await client.addLinkedResource(list.id, task.id, { webUrl: 'https://contoso.sharepoint.com/a.mp4', applicationName: 'To Do Attach', displayName: 'a.mp4', externalId: 'x1' });
  const listed = await client.listLinkedResources(list.id, task.id);
  expect(listed).toEqual([{ id: made.id, webUrl: 'https://contoso.sharepoint.com/a.mp4', applicationName: 'To Do Attach', displayName: 'a.mp4', externalId: 'x1' }]);
});

test('the emulator refuses a linked resource without applicationName or displayName, and a task update it cannot read', async () => {
  const list = emu.addList('Work');
  const task = emu.addTask(list.id, 'Survey');
  const bad = await call(`${emu.baseUrl}${todoPath('lists', list.id, 'tasks', task.id, 'linkedResources')}`, { method: 'POST', token: TOKEN, body: JSON.stringify({ webUrl: 'https://x' }) });
  expect(bad.status).toBe(400);
  const badBody = await call(`${emu.baseUrl}${todoPath('lists', list.id, 'tasks', task.id)}`, { method: 'PATCH', token: TOKEN, body: JSON.stringify({ body: { content: 'x', contentType: 'rtf' } }) });
  expect(badBody.status).toBe(400);
  expect(emu.taskNote(list.id, task.id)).toBe('');
});
