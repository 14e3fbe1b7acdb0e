import { createHash } from 'node:crypto';
import { GraphTodoClient } from '../../../src/graph/todo-client';
import { countingTokens, TEST_POLICY, type ScriptedServer, scriptedServers } from './scripted-server';

const { serve, track } = scriptedServers();

function clientFor(server: ScriptedServer, extra: Partial<ConstructorParameters<typeof GraphTodoClient>[0]> = {}): GraphTodoClient {
  const c = new GraphTodoClient({ baseUrl: server.baseUrl, tokenProvider: countingTokens(), retryPolicy: TEST_POLICY, ...extra });
  track(c);
  return c;
}

const list = (id: string, displayName: string) => ({ id, displayName, isOwner: true, isShared: false, wellknownListName: 'none' });

describe('lists', () => {
  it('follows @odata.nextLink verbatim until it is absent', async () => {
    const next = "/v1.0/me/todo/lists?$skiptoken=a%3Db%2Bc&$top=2&odd='x'";
    const server = await serve((req, i, origin) =>
      i === 0
        ? { status: 200, json: { value: [list('l1', 'Tasks'), list('l2', 'Work')], '@odata.nextLink': origin + next } }
        : { status: 200, json: { value: [list('l3', 'Home')] } },
    );
    const lists = await clientFor(server).listTaskLists();
    expect(lists.map((l) => l.id)).toEqual(['l1', 'l2', 'l3']);
    expect(lists[0]).toEqual(list('l1', 'Tasks'));
    expect(server.requests.map((r) => r.url)).toEqual(['/v1.0/me/todo/lists', next]);
  });

  it('refuses a nextLink on another origin and never sends it the token', async () => {
    const elsewhere = await serve(() => ({ status: 200, json: { value: [] } }));
    const server = await serve(() => ({ status: 200, json: { value: [list('l1', 'Tasks')], '@odata.nextLink': `${elsewhere.baseUrl}/me/todo/lists?$skiptoken=1` } }));
    await expect(clientFor(server).listTaskLists()).rejects.toMatchObject({ code: 'GRAPH_BAD_RESPONSE' });
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('searches display names case-insensitively and stops at the limit without fetching more pages', async () => {
    const server = await serve((req, i, origin) => ({
      status: 200,
      json: { value: [list(`a${i}`, 'Project Alpha'), list(`b${i}`, 'Groceries'), list(`c${i}`, 'ALPHA notes')], '@odata.nextLink': `${origin}/v1.0/me/todo/lists?page=${i + 1}` },
    }));
    const found = await clientFor(server).listTaskLists({ search: 'alpha', limit: 3 });
    expect(found.map((l) => l.id)).toEqual(['a0', 'c0', 'a1']);
    expect(server.requests).toHaveLength(2);
  });

  it('uses the configured user path', async () => {
    const server = await serve(() => ({ status: 200, json: { value: [] } }));
    await clientFor(server, { userPath: '/users/u%40contoso.com' }).listTaskLists();
    expect(server.requests[0]?.url).toBe('/v1.0/users/u%40contoso.com/todo/lists');
  });
});

describe('tasks', () => {
  it('filters with contains(title) and status, escaping quotes, and pages with $top', async () => {
    const server = await serve(() => ({ status: 200, json: { value: [{ id: 't1', title: "Bob's plan", status: 'notStarted', hasAttachments: false }] } }));
    const tasks = await clientFor(server).listTasks('list=1', { search: "Bob's", excludeCompleted: true, top: 5 });
    expect(tasks).toEqual([{ id: 't1', title: "Bob's plan", status: 'notStarted', hasAttachments: false }]);
    const url = new URL(server.requests[0]?.url ?? '', server.origin);
    expect(url.pathname).toBe('/v1.0/me/todo/lists/list%3D1/tasks');
    expect(url.searchParams.get('$filter')).toBe("contains(title,'Bob''s') and status ne 'completed'");
    expect(url.searchParams.get('$top')).toBe('5');
  });

  it('URL-encodes ids holding =, -, + and / in every path segment', async () => {
    const listId = 'AQMkADAw-ATM0=';
    const taskId = 'AAMk+x/y==';
    const server = await serve((req) => ({ status: 200, json: { id: taskId, title: 'T', url: req.url } }));
    const task = await clientFor(server).getTask(listId, taskId);
    expect(task).toEqual({ id: taskId, title: 'T' });
    const raw = server.requests[0]?.url ?? '';
    expect(raw).toBe('/v1.0/me/todo/lists/AQMkADAw-ATM0%3D/tasks/AAMk%2Bx%2Fy%3D%3D');
    const segments = raw.split('/').map(decodeURIComponent);
    expect(segments).toEqual(['', 'v1.0', 'me', 'todo', 'lists', listId, 'tasks', taskId]);
  });

  it('creates a task with linked resources', async () => {
    const server = await serve((req) => ({ status: 201, json: { id: 'new-1', ...(JSON.parse(req.body.toString()) as object), status: 'notStarted' } }));
    const link = { webUrl: 'https://teams.microsoft.com/l/message/1', applicationName: 'Teams', displayName: 'Chat message' };
    const task = await clientFor(server).createTask('l1', 'Review report', { linkedResources: [link] });
    expect(task).toMatchObject({ id: 'new-1', title: 'Review report', status: 'notStarted' });
    const req = server.requests[0];
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/v1.0/me/todo/lists/l1/tasks');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req?.body.toString() ?? '')).toEqual({ title: 'Review report', linkedResources: [link] });
  });
});

describe('attachments', () => {
  it('lists attachments of a task', async () => {
    const server = await serve(() => ({
      status: 200,
      json: { value: [{ '@odata.type': '#microsoft.graph.taskFileAttachment', id: 'a1', name: 'r.pdf', size: 12, contentType: 'application/pdf', lastModifiedDateTime: '2024-01-01T00:00:00Z' }] },
    }));
    const found = await clientFor(server).listAttachments({ listId: 'l', taskId: 't' }, new AbortController().signal);
    expect(found).toEqual([{ id: 'a1', name: 'r.pdf', size: 12, lastModifiedDateTime: '2024-01-01T00:00:00Z' }]);
    expect(server.requests[0]?.url).toBe('/v1.0/me/todo/lists/l/tasks/t/attachments');
  });

  it('posts a small file as a taskFileAttachment with base64 bytes intact', async () => {
    const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));
    const server = await serve((req) => {
      const body = JSON.parse(req.body.toString()) as { name: string; contentBytes: string };
      return { status: 201, json: { id: 'att-1', name: body.name, size: Buffer.from(body.contentBytes, 'base64').length } };
    });
    const result = await clientFor(server).createSmallAttachment(
      { listId: 'l', taskId: 't', fileName: 'notes.bin', contentType: 'application/x-test' },
      bytes,
      new AbortController().signal,
    );
    expect(result).toMatchObject({ id: 'att-1', name: 'notes.bin', size: 3000 });
    const sent = JSON.parse(server.requests[0]?.body.toString() ?? '') as Record<string, string>;
    expect(sent['@odata.type']).toBe('#microsoft.graph.taskFileAttachment');
    expect(sent['contentType']).toBe('application/x-test');
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(sha(Buffer.from(sent['contentBytes'] ?? '', 'base64'))).toBe(sha(bytes));
  });

  it('deletes an attachment by its encoded id', async () => {
    const server = await serve(() => ({ status: 204 }));
    await clientFor(server).deleteAttachment('l', 't', 'a/b=');
    expect(server.requests[0]).toMatchObject({ method: 'DELETE', url: '/v1.0/me/todo/lists/l/tasks/t/attachments/a%2Fb%3D' });
  });
});

describe('every request', () => {
  it('carries the bearer token (asked each time) and a fresh client-request-id', async () => {
    const server = await serve((req, i, origin) =>
      i === 0 ? { status: 200, json: { value: [], '@odata.nextLink': `${origin}/v1.0/me/todo/lists?p=2` } } : { status: 200, json: { value: [] } },
    );
    const tokens = countingTokens();
    const client = clientFor(server, { tokenProvider: tokens });
    await client.listTaskLists();
    await client.listTasks('l');
    expect(server.requests).toHaveLength(3);
    expect(tokens.calls).toHaveLength(3);
    for (const r of server.requests) expect(r.headers['authorization']).toBe('Bearer tok-1');
    const ids = server.requests.map((r) => r.headers['client-request-id']);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
