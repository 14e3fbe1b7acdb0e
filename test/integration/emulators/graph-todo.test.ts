import { createHash, randomBytes } from 'node:crypto';
import { GraphTodoEmulator } from '../../../src/emulators/graph-todo';
import { call, listByName, todoPath } from '../../support/emulators';

const TOKEN = 'emulator-test-token';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Page = { value: Array<Record<string, unknown>>; '@odata.nextLink'?: string };

describe('Graph To Do emulator: lists, tasks, attachments', () => {
  let graph: GraphTodoEmulator;

  beforeAll(async () => {
    graph = await GraphTodoEmulator.start({ tokens: [TOKEN] });
  });
  afterAll(() => graph.close());

  async function allPages(firstUrl: string): Promise<{ items: Array<Record<string, unknown>>; pages: number }> {
    const items: Array<Record<string, unknown>> = [];
    let url: string | undefined = firstUrl;
    let pages = 0;
    while (url !== undefined) {
      const res = await call(url, { token: TOKEN });
      expect(res.status).toBe(200);
      const page = res.json as Page;
      items.push(...page.value);
      url = page['@odata.nextLink'];
      pages++;
    }
    return { items, pages };
  }

  it('seeds the default list and a Projects list big enough to page and search', () => {
    const lists = graph.lists();
    expect(lists.map((l) => l.displayName)).toEqual(expect.arrayContaining(['Tasks', 'Work', 'Home', 'Projects']));
    expect(lists.find((l) => l.displayName === 'Tasks')?.wellknownListName).toBe('defaultList');
    const projects = graph.tasks(listByName(graph, 'Projects').id);
    expect(projects.length).toBeGreaterThanOrEqual(30);
    expect(projects.some((t) => t.status === 'completed')).toBe(true);
  });

  it('pages lists and tasks with an absolute @odata.nextLink until every item was seen once', async () => {
    const lists = await allPages(`${graph.baseUrl}/me/todo/lists`);
    expect(lists.items.map((l) => l.id).sort()).toEqual(graph.lists().map((l) => l.id).sort());

    const projects = listByName(graph, 'Projects');
    const tasks = await allPages(`${graph.baseUrl}${todoPath('lists', projects.id, 'tasks')}`);
    const ids = tasks.items.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(graph.tasks(projects.id).length);
    expect(tasks.pages).toBe(Math.ceil(ids.length / 5));
  });

  it('honours $top up to the page size', async () => {
    const projects = listByName(graph, 'Projects');
    const three = await call(`${graph.baseUrl}${todoPath('lists', projects.id, 'tasks')}?$top=3`, { token: TOKEN });
    expect((three.json as Page).value).toHaveLength(3);
    expect((three.json as Page)['@odata.nextLink']).toContain('$top=3');
    const many = await call(`${graph.baseUrl}${todoPath('lists', projects.id, 'tasks')}?$top=50`, { token: TOKEN });
    expect((many.json as Page).value).toHaveLength(5);
  });

  it("filters with status ne 'completed', contains(title,…) case-insensitively, and both joined with and", async () => {
    const projects = listByName(graph, 'Projects');
    const base = `${graph.baseUrl}${todoPath('lists', projects.id, 'tasks')}`;
    const all = graph.tasks(projects.id);

    const open = await allPages(`${base}?$filter=${encodeURIComponent("status ne 'completed'")}`);
    expect(open.items.length).toBe(all.filter((t) => t.status !== 'completed').length);
    expect(open.items.every((t) => t.status !== 'completed')).toBe(true);

    const budget = await allPages(`${base}?$filter=${encodeURIComponent("contains(title,'BUDGET')")}`);
    expect(budget.items.length).toBe(all.filter((t) => t.title.toLowerCase().includes('budget')).length);
    expect(budget.items.length).toBeGreaterThan(0);

    const both = await allPages(`${base}?$filter=${encodeURIComponent("status ne 'completed' and contains(title, 'mobile app')")}`);
    const expected = all.filter((t) => t.status !== 'completed' && t.title.toLowerCase().includes('mobile app'));
    expect(both.items.map((t) => t.id).sort()).toEqual(expected.map((t) => t.id).sort());

    const bad = await call(`${base}?$filter=${encodeURIComponent('title gt 3')}`, { token: TOKEN });
    expect(bad.status).toBe(400);
  });

  it('treats /users/{id}/todo like /me/todo', async () => {
    const res = await call(`${graph.baseUrl}/users/${encodeURIComponent('megan@contoso.com')}/todo/lists`, { token: TOKEN });
    expect(res.status).toBe(200);
    expect((res.json as Page).value.length).toBeGreaterThan(0);
  });

  it('creates, reads and deletes a task', async () => {
    const work = listByName(graph, 'Work');
    const created = await call(`${graph.baseUrl}${todoPath('lists', work.id, 'tasks')}`, { method: 'POST', token: TOKEN, body: JSON.stringify({ title: 'Write the memo' }) });
    expect(created.status).toBe(201);
    const id = String(created.json?.id);
    expect(created.json).toMatchObject({ title: 'Write the memo', status: 'notStarted', hasAttachments: false });
    const read = await call(`${graph.baseUrl}${todoPath('lists', work.id, 'tasks', id)}`, { token: TOKEN });
    expect(read.json?.title).toBe('Write the memo');
    expect((await call(`${graph.baseUrl}${todoPath('lists', work.id, 'tasks', id)}`, { method: 'DELETE', token: TOKEN })).status).toBe(204);
    expect((await call(`${graph.baseUrl}${todoPath('lists', work.id, 'tasks', id)}`, { token: TOKEN })).status).toBe(404);
    const noTitle = await call(`${graph.baseUrl}${todoPath('lists', work.id, 'tasks')}`, { method: 'POST', token: TOKEN, body: JSON.stringify({}) });
    expect(noTitle.status).toBe(400);
  });

  it('has ids that break a client which does not percent-encode path segments', async () => {
    const work = listByName(graph, 'Work');
    expect(work.id).toMatch(/[=]/);
    expect(work.id).toMatch(/[-]/);
    expect(work.id).toMatch(/[_]/);
    const raw = await call(`${graph.baseUrl}/me/todo/lists/${work.id}/tasks`, { token: TOKEN });
    expect(raw.status).toBe(404);
    const encoded = await call(`${graph.baseUrl}/me/todo/lists/${encodeURIComponent(work.id)}/tasks`, { token: TOKEN });
    expect(encoded.status).toBe(200);
  });

  it('answers 401 with Graph error JSON and request ids without a valid bearer', async () => {
    const res = await call(`${graph.baseUrl}/me/todo/lists`, { headers: { 'client-request-id': '6b1d2c3e-0000-4000-8000-000000000001' } });
    expect(res.status).toBe(401);
    const error = res.json?.error as { code: string; message: string; innerError: Record<string, string> };
    expect(error.code).toBe('InvalidAuthenticationToken');
    expect(error.innerError['client-request-id']).toBe('6b1d2c3e-0000-4000-8000-000000000001');
    expect(error.innerError['request-id']).toMatch(GUID);
    expect(res.headers['request-id']).toBe(error.innerError['request-id']);
    expect(res.headers['client-request-id']).toBe('6b1d2c3e-0000-4000-8000-000000000001');
    expect((await call(`${graph.baseUrl}/me/todo/lists`, { token: 'wrong' })).status).toBe(401);
  });

  it('creates a small attachment, lists it, serves its bytes and deletes it', async () => {
    const home = listByName(graph, 'Home');
    const task = graph.addTask(home.id, 'Scan the receipts');
    const bytes = randomBytes(200_000);
    const base = `${graph.baseUrl}${todoPath('lists', home.id, 'tasks', task.id, 'attachments')}`;
    const created = await call(base, {
      method: 'POST',
      token: TOKEN,
      body: JSON.stringify({ '@odata.type': '#microsoft.graph.taskFileAttachment', name: 'receipt.png', contentBytes: bytes.toString('base64'), contentType: 'image/png' }),
    });
    expect(created.status).toBe(201);
    const id = String(created.json?.id);

    const listed = await call(base, { token: TOKEN });
    expect((listed.json as Page).value).toEqual([
      expect.objectContaining({ id, name: 'receipt.png', size: 200_000, contentType: 'image/png', '@odata.type': '#microsoft.graph.taskFileAttachment' }),
    ]);
    const meta = await call(`${base}/${encodeURIComponent(id)}`, { token: TOKEN });
    expect(meta.json).toMatchObject({ id, size: 200_000 });
    const value = await call(`${base}/${encodeURIComponent(id)}/$value`, { token: TOKEN });
    expect(value.headers['content-type']).toBe('image/png');
    expect(sha256(value.bytes)).toBe(sha256(bytes));
    expect(graph.tasks(home.id).find((t) => t.id === task.id)?.hasAttachments).toBe(true);

    expect((await call(`${base}/${encodeURIComponent(id)}`, { method: 'DELETE', token: TOKEN })).status).toBe(204);
    expect(graph.attachments(home.id, task.id)).toEqual([]);
  });

  it('accepts a 0-byte small attachment and refuses one over 3 MB with 413', async () => {
    const home = listByName(graph, 'Home');
    const task = graph.addTask(home.id, 'Limits');
    const base = `${graph.baseUrl}${todoPath('lists', home.id, 'tasks', task.id, 'attachments')}`;
    const body = (b: Buffer) => JSON.stringify({ '@odata.type': '#microsoft.graph.taskFileAttachment', name: 'f.bin', contentBytes: b.toString('base64') });
    expect((await call(base, { method: 'POST', token: TOKEN, body: body(Buffer.alloc(0)) })).status).toBe(201);
    expect((await call(base, { method: 'POST', token: TOKEN, body: body(Buffer.alloc(3_145_728)) })).status).toBe(201);
    const tooBig = await call(base, { method: 'POST', token: TOKEN, body: body(Buffer.alloc(3_145_729)) });
    expect(tooBig.status).toBe(413);
    const wrongType = await call(base, { method: 'POST', token: TOKEN, body: JSON.stringify({ name: 'f', contentBytes: '' }) });
    expect(wrongType.status).toBe(400);
    expect(graph.attachments(home.id, task.id).map((a) => a.size).sort((a, b) => a - b)).toEqual([0, 3_145_728]);
  });

  it('removes attachments with their task', async () => {
    const home = listByName(graph, 'Home');
    const task = graph.addTask(home.id, 'Doomed');
    const att = graph.addAttachment(home.id, task.id, { name: 'x.txt', content: Buffer.from('hello') });
    expect(att.sha256).toBe(sha256(Buffer.from('hello')));
    expect(graph.attachmentBytes(home.id, task.id, att.id).toString()).toBe('hello');
    graph.deleteTask(home.id, task.id);
    const res = await call(`${graph.baseUrl}${todoPath('lists', home.id, 'tasks', task.id, 'attachments', att.id, '$value')}`, { token: TOKEN });
    expect(res.status).toBe(404);
  });

  it('logs every request with its status and whether it was authorized', async () => {
    graph.clearRequests();
    await call(`${graph.baseUrl}/me/todo/lists`, { token: TOKEN });
    await call(`${graph.baseUrl}/me/todo/lists`);
    expect(graph.requests).toEqual([
      expect.objectContaining({ method: 'GET', path: '/v1.0/me/todo/lists', status: 200, authorization: true }),
      expect.objectContaining({ method: 'GET', path: '/v1.0/me/todo/lists', status: 401, authorization: false }),
    ]);
  });

  it('starts empty when seed is false', async () => {
    const empty = await GraphTodoEmulator.start({ seed: false, tokens: ['t1'] });
    try {
      const res = await call(`${empty.baseUrl}/me/todo/lists`, { token: 't1' });
      expect((res.json as Page).value).toEqual([]);
    } finally {
      await empty.close();
    }
  });
});
