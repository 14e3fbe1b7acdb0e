import { createHash, randomBytes } from 'node:crypto';
import { GraphTodoEmulator } from '../../../src/emulators/graph-todo';
import { call, listByName, todoPath } from '../../support/emulators';

const TOKEN = 'emulator-test-token';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('Graph To Do emulator: upload sessions', () => {
  let graph: GraphTodoEmulator;
  let listId: string;
  let taskId: string;

  beforeAll(async () => {
    graph = await GraphTodoEmulator.start({ tokens: [TOKEN] });
    listId = listByName(graph, 'Work').id;
  });
  afterAll(() => graph.close());
  beforeEach(() => {
    graph.faults.clear();
    graph.setTokens([TOKEN]);
    graph.expireAllSessions();
    taskId = graph.addTask(listId, 'Upload target').id;
  });

  async function createSession(name: string, size: number): Promise<string> {
    const res = await call(`${graph.baseUrl}${todoPath('lists', listId, 'tasks', taskId, 'attachments', 'createUploadSession')}`, {
      method: 'POST',
      token: TOKEN,
      body: JSON.stringify({ attachmentInfo: { attachmentType: 'file', name, size } }),
    });
    expect(res.status).toBe(201);
    expect(res.json?.nextExpectedRanges).toEqual(['0-']);
    expect(typeof res.json?.expirationDateTime).toBe('string');
    return String(res.json?.uploadUrl);
  }

  function putChunk(uploadUrl: string, bytes: Buffer, start: number, total: number, token: string | null = TOKEN) {
    return call(`${uploadUrl}/content`, {
      method: 'PUT',
      token: token ?? undefined,
      headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes ${start}-${start + bytes.length - 1}/${total}` },
      body: bytes,
    });
  }

  it('follows the documented example: 2,097,152 bytes → 200, the rest → 201 with Location', async () => {
    const file = randomBytes(3_483_322);
    const uploadUrl = await createSession('report.pdf', file.length);
    expect(uploadUrl.startsWith(`${graph.baseUrl}/me/todo/lists/`)).toBe(true);
    expect(uploadUrl).toContain('/attachmentSessions/');

    const first = await putChunk(uploadUrl, file.subarray(0, 2_097_152), 0, file.length);
    expect(first.status).toBe(200);
    expect(first.json?.NextExpectedRanges).toEqual(['2097152-']);
    expect(graph.sessions()[0]?.nextExpectedOffset).toBe(2_097_152);

    const last = await putChunk(uploadUrl, file.subarray(2_097_152), 2_097_152, file.length);
    expect(last.status).toBe(201);
    expect(last.bytes.length).toBe(0);
    const location = String(last.headers.location);
    const m = /\/Attachments\('([^']+)'\)$/.exec(location);
    expect(m).not.toBeNull();

    const atts = graph.attachments(listId, taskId);
    expect(atts).toHaveLength(1);
    expect(atts[0]?.id).toBe(m?.[1]);
    expect(atts[0]?.name).toBe('report.pdf');
    expect(atts[0]?.size).toBe(file.length);
    expect(atts[0]?.sha256).toBe(sha256(file));
    expect(graph.sessionCount()).toBe(0);

    // The bytes read back through $value are the bytes sent.
    const value = await call(`${graph.baseUrl}${todoPath('lists', listId, 'tasks', taskId, 'attachments', String(m?.[1]), '$value')}`, { token: TOKEN });
    expect(value.status).toBe(200);
    expect(sha256(value.bytes)).toBe(sha256(file));
  });

  it('answers 401 to a chunk PUT without the bearer token (the upload URL is not pre-authenticated)', async () => {
    const uploadUrl = await createSession('a.bin', 1000);
    const res = await putChunk(uploadUrl, randomBytes(1000), 0, 1000, null);
    expect(res.status).toBe(401);
    expect((res.json?.error as { code?: string }).code).toBe('InvalidAuthenticationToken');
    expect(graph.sessions()[0]?.nextExpectedOffset).toBe(0);
    const del = await call(uploadUrl, { method: 'DELETE' });
    expect(del.status).toBe(401);
    expect(graph.sessionCount()).toBe(1);
  });

  it('answers 401 once the token "expires", and accepts the refreshed one', async () => {
    const uploadUrl = await createSession('b.bin', 2000);
    graph.setTokens(['fresh-token']);
    const stale = await putChunk(uploadUrl, randomBytes(1000), 0, 2000);
    expect(stale.status).toBe(401);
    const fresh = await putChunk(uploadUrl, randomBytes(1000), 0, 2000, 'fresh-token');
    expect(fresh.status).toBe(200);
    expect(graph.requests.slice(-2).map((r) => r.authorization)).toEqual([false, true]);
  });

  it('answers 405 to PUT on the bare upload URL (bytes go to /content)', async () => {
    const uploadUrl = await createSession('c.bin', 10);
    const res = await call(uploadUrl, { method: 'PUT', token: TOKEN, headers: { 'content-range': 'bytes 0-9/10' }, body: randomBytes(10) });
    expect(res.status).toBe(405);
    expect(graph.sessions()[0]?.nextExpectedOffset).toBe(0);
  });

  it('answers 413 to a chunk over 4,194,304 bytes', async () => {
    const uploadUrl = await createSession('d.bin', 5_000_000);
    const res = await putChunk(uploadUrl, randomBytes(4_194_305), 0, 5_000_000);
    expect(res.status).toBe(413);
    expect(graph.sessions()[0]?.nextExpectedOffset).toBe(0);
  });

  it('answers 416 with NextExpectedRanges when a chunk starts at the wrong offset', async () => {
    const uploadUrl = await createSession('e.bin', 3000);
    expect((await putChunk(uploadUrl, randomBytes(1000), 0, 3000)).status).toBe(200);
    const res = await putChunk(uploadUrl, randomBytes(1000), 2000, 3000);
    expect(res.status).toBe(416);
    expect(res.json?.NextExpectedRanges).toEqual(['1000-']);
    expect((res.json?.error as { code?: string }).code).toBe('InvalidRange');
  });

  it('rejects a Content-Range whose total differs from the announced size, and a missing Content-Range', async () => {
    const uploadUrl = await createSession('f.bin', 3000);
    expect((await putChunk(uploadUrl, randomBytes(1000), 0, 4000)).status).toBe(400);
    const noRange = await call(`${uploadUrl}/content`, { method: 'PUT', token: TOKEN, body: randomBytes(10) });
    expect(noRange.status).toBe(400);
  });

  it('refuses sessions for 0 bytes (400) and over 25 MB (413)', async () => {
    const url = `${graph.baseUrl}${todoPath('lists', listId, 'tasks', taskId, 'attachments', 'createUploadSession')}`;
    const empty = await call(url, { method: 'POST', token: TOKEN, body: JSON.stringify({ attachmentInfo: { attachmentType: 'file', name: 'x', size: 0 } }) });
    expect(empty.status).toBe(400);
    const huge = await call(url, { method: 'POST', token: TOKEN, body: JSON.stringify({ attachmentInfo: { attachmentType: 'file', name: 'x', size: 26_214_401 } }) });
    expect(huge.status).toBe(413);
    expect((huge.json?.error as { message?: string }).message).toContain('26214400');
    const bad = await call(url, { method: 'POST', token: TOKEN, body: JSON.stringify({ name: 'x' }) });
    expect(bad.status).toBe(400);
    expect(graph.sessionCount()).toBe(0);
  });

  it('reports session status on GET and cancels it on DELETE (then 404)', async () => {
    const uploadUrl = await createSession('g.bin', 3000);
    await putChunk(uploadUrl, randomBytes(1200), 0, 3000);
    const status = await call(uploadUrl, { token: TOKEN });
    expect(status.status).toBe(200);
    expect(status.json?.nextExpectedRanges).toEqual(['1200-']);
    expect((await call(uploadUrl, { method: 'DELETE', token: TOKEN })).status).toBe(204);
    expect(graph.sessionCount()).toBe(0);
    expect((await call(uploadUrl, { token: TOKEN })).status).toBe(404);
    const late = await putChunk(uploadUrl, randomBytes(1800), 1200, 3000);
    expect(late.status).toBe(404);
    expect((late.json?.error as { code?: string }).code).toBe('ErrorItemNotFound');
  });

  it('answers 404 for expired sessions and after the task was deleted mid-upload', async () => {
    const expiring = await createSession('h.bin', 3000);
    expect(graph.expireAllSessions()).toBe(1);
    expect((await putChunk(expiring, randomBytes(1000), 0, 3000)).status).toBe(404);

    const uploadUrl = await createSession('i.bin', 3000);
    expect((await putChunk(uploadUrl, randomBytes(1000), 0, 3000)).status).toBe(200);
    expect(graph.deleteTask(listId, taskId)).toBe(true);
    expect((await putChunk(uploadUrl, randomBytes(1000), 1000, 3000)).status).toBe(404);
    expect(graph.sessionCount()).toBe(0);
  });

  it('lets sessions expire on their own after sessionTtlMs', async () => {
    const shortLived = await GraphTodoEmulator.start({ sessionTtlMs: 1, seed: false, tokens: [TOKEN] });
    try {
      const list = shortLived.addList('L');
      const task = shortLived.addTask(list.id, 'T');
      const created = await call(`${shortLived.baseUrl}${todoPath('lists', list.id, 'tasks', task.id, 'attachments', 'createUploadSession')}`, {
        method: 'POST',
        token: TOKEN,
        body: JSON.stringify({ attachmentInfo: { attachmentType: 'file', name: 'x', size: 10 } }),
      });
      await new Promise((r) => setTimeout(r, 5));
      const res = await call(String(created.json?.uploadUrl), { token: TOKEN });
      expect(res.status).toBe(404);
    } finally {
      await shortLived.close();
    }
  });

  it('records chunk requests with length and range in the request log', async () => {
    graph.clearRequests();
    const uploadUrl = await createSession('j.bin', 100);
    await putChunk(uploadUrl, randomBytes(100), 0, 100);
    const put = graph.requests.find((r) => r.method === 'PUT');
    expect(put).toMatchObject({ status: 201, authorization: true, contentLength: 100, contentRange: 'bytes 0-99/100' });
    expect(put?.path.endsWith('/content')).toBe(true);
  });
});
