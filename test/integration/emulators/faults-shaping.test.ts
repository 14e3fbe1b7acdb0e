import { createHash, randomBytes } from 'node:crypto';
import { request } from 'undici';
import { FileHostEmulator } from '../../../src/emulators/file-host';
import { GraphTodoEmulator } from '../../../src/emulators/graph-todo';
import { call, listByName, todoPath } from '../../support/emulators';

const TOKEN = 'emulator-test-token';
/** Admin changes need this header (src/emulators/admin-guard.ts). */
const ADMIN = { 'x-emulator-admin': '1' };
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('emulator faults, shaping and admin routes', () => {
  let graph: GraphTodoEmulator;
  let files: FileHostEmulator;
  let listId: string;
  let taskId: string;

  beforeAll(async () => {
    graph = await GraphTodoEmulator.start({ tokens: [TOKEN] });
    files = await FileHostEmulator.start();
    listId = listByName(graph, 'Work').id;
  });
  afterAll(async () => {
    await Promise.all([graph.close(), files.close()]);
  });
  beforeEach(() => {
    graph.faults.clear();
    files.faults.clear();
    graph.shaping.set({ bytesPerSecond: undefined });
    files.shaping.set({ bytesPerSecond: undefined });
    graph.expireAllSessions();
    taskId = graph.addTask(listId, 'Fault target').id;
  });

  async function createSession(size: number): Promise<string> {
    const res = await call(`${graph.baseUrl}${todoPath('lists', listId, 'tasks', taskId, 'attachments', 'createUploadSession')}`, {
      method: 'POST',
      token: TOKEN,
      body: JSON.stringify({ attachmentInfo: { attachmentType: 'file', name: 'f.bin', size } }),
    });
    expect(res.status).toBe(201);
    return String(res.json?.uploadUrl);
  }

  function putChunk(uploadUrl: string, bytes: Buffer, start: number, total: number) {
    return call(`${uploadUrl}/content`, {
      method: 'PUT',
      token: TOKEN,
      headers: { 'content-range': `bytes ${start}-${start + bytes.length - 1}/${total}` },
      body: bytes,
    });
  }

  async function offset(uploadUrl: string): Promise<unknown> {
    return (await call(uploadUrl, { token: TOKEN })).json?.nextExpectedRanges;
  }

  it("'status' answers the status with Retry-After and Graph error JSON, on the nth match, the given number of times", async () => {
    graph.faults.add({ match: { method: 'GET', pathIncludes: '/todo/lists', nth: 2, times: 2 }, action: { type: 'status', status: 503, retryAfterSeconds: 2 } });
    const url = `${graph.baseUrl}/me/todo/lists`;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await call(url, { token: TOKEN });
      statuses.push(res.status);
      if (res.status === 503) {
        expect(res.headers['retry-after']).toBe('2');
        expect((res.json?.error as { code: string }).code).toBe('ServiceUnavailable');
      }
    }
    expect(statuses).toEqual([200, 503, 503, 200]);
    expect(graph.requests.filter((r) => r.faults?.includes('status'))).toHaveLength(2);
  });

  it("'status' uses the graphCode given, and 429 throttles a chunk PUT without touching the session", async () => {
    const uploadUrl = await createSession(2000);
    graph.faults.add({ match: { method: 'PUT' }, action: { type: 'status', status: 429, retryAfterSeconds: 1, graphCode: 'activityLimitReached' } });
    const res = await putChunk(uploadUrl, randomBytes(1000), 0, 2000);
    expect(res.status).toBe(429);
    expect((res.json?.error as { code: string }).code).toBe('activityLimitReached');
    expect(await offset(uploadUrl)).toEqual(['0-']);
    expect((await putChunk(uploadUrl, randomBytes(1000), 0, 2000)).status).toBe(200);
  });

  it("'reset' mid-chunk drops the whole chunk; the retry is accepted", async () => {
    const uploadUrl = await createSession(300_000);
    const bytes = randomBytes(300_000);
    graph.faults.add({ match: { method: 'PUT', pathIncludes: '/content' }, action: { type: 'reset', afterBodyBytes: 100_000 } });
    await expect(putChunk(uploadUrl, bytes, 0, 300_000)).rejects.toThrow();
    expect(await offset(uploadUrl)).toEqual(['0-']);
    expect(graph.requests.filter((r) => r.method === 'PUT').at(-1)?.status).toBe(0);
    const retry = await putChunk(uploadUrl, bytes, 0, 300_000);
    expect(retry.status).toBe(201);
    expect(graph.attachments(listId, taskId)[0]?.sha256).toBe(sha256(bytes));
  });

  it("'reset' after the whole chunk arrived keeps the chunk and loses only the answer", async () => {
    const uploadUrl = await createSession(2000);
    graph.faults.add({ match: { method: 'PUT' }, action: { type: 'reset', afterBodyBytes: 1000 } });
    await expect(putChunk(uploadUrl, randomBytes(1000), 0, 2000)).rejects.toThrow();
    expect(await offset(uploadUrl)).toEqual(['1000-']);
  });

  it("'reset' on a download cuts the body after that many bytes; the file host resumes with Range", async () => {
    const f = files.addFile({ name: 'big.bin', size: 500_000 });
    files.faults.add({ match: { pathIncludes: '/download/' }, action: { type: 'reset', afterBodyBytes: 200_000 } });
    await expect(call(f.url)).rejects.toThrow();
    const rest = await call(f.url, { headers: { range: 'bytes=200000-' } });
    expect(rest.status).toBe(206);
    expect(rest.bytes.equals(files.fileBytes(f.id).subarray(200_000))).toBe(true);
  });

  it("'partial' keeps only the first acceptBytes of a chunk and says where to continue", async () => {
    const bytes = randomBytes(3000);
    const uploadUrl = await createSession(3000);
    graph.faults.add({ match: { method: 'PUT' }, action: { type: 'partial', acceptBytes: 1234 } });
    const first = await putChunk(uploadUrl, bytes, 0, 3000);
    expect(first.status).toBe(200);
    expect(first.json?.NextExpectedRanges).toEqual(['1234-']);
    const rest = await putChunk(uploadUrl, bytes.subarray(1234), 1234, 3000);
    expect(rest.status).toBe(201);
    expect(graph.attachments(listId, taskId)[0]?.sha256).toBe(sha256(bytes));
  });

  it("'expire-session' makes the session answer 404 from then on", async () => {
    const uploadUrl = await createSession(2000);
    graph.faults.add({ match: { method: 'PUT', pathIncludes: 'attachmentSessions' }, action: { type: 'expire-session' } });
    expect((await putChunk(uploadUrl, randomBytes(1000), 0, 2000)).status).toBe(404);
    expect((await call(uploadUrl, { token: TOKEN })).status).toBe(404);
    expect(graph.sessionCount()).toBe(0);
  });

  it("'latency' delays but still answers", async () => {
    graph.faults.add({ match: { method: 'GET' }, action: { type: 'latency', ms: 30 } });
    files.faults.add({ action: { type: 'latency', ms: 30 } });
    expect((await call(`${graph.baseUrl}/me/todo/lists`, { token: TOKEN })).status).toBe(200);
    const f = files.addFile({ name: 'l.bin', size: 1000 });
    expect((await call(f.url)).status).toBe(200);
  });

  it('shaping paces uploads and downloads and the bytes still arrive intact', async () => {
    graph.shaping.set({ bytesPerSecond: 8 * 1_048_576 });
    files.shaping.set({ bytesPerSecond: 8 * 1_048_576 });
    const bytes = randomBytes(1_048_576);
    const uploadUrl = await createSession(bytes.length);
    expect((await putChunk(uploadUrl, bytes, 0, bytes.length)).status).toBe(201);
    const att = graph.attachments(listId, taskId)[0];
    expect(att?.sha256).toBe(sha256(bytes));

    const value = await call(`${graph.baseUrl}${todoPath('lists', listId, 'tasks', taskId, 'attachments', String(att?.id), '$value')}`, { token: TOKEN });
    expect(sha256(value.bytes)).toBe(sha256(bytes));

    const f = files.addFile({ name: 's.bin', size: 1_000_000 });
    expect(sha256((await call(f.url)).bytes)).toBe(f.sha256);
    expect(() => graph.shaping.set({ bytesPerSecond: -1 })).toThrow();
  });

  it('admin routes: state, faults, shaping and expire-sessions, with 400 sentences for bad input', async () => {
    const state = await call(`${graph.baseUrl.replace(/\/v1\.0$/, '')}/_emulator/state`);
    expect(state.status).toBe(200);
    expect(state.json).toMatchObject({ lists: graph.lists().length, shaping: {} });

    const origin = graph.baseUrl.replace(/\/v1\.0$/, '');
    const added = await call(`${origin}/_emulator/faults`, { method: 'POST', headers: ADMIN, body: JSON.stringify({ match: { method: 'GET' }, action: { type: 'status', status: 500 } }) });
    expect(added.status).toBe(201);
    expect(typeof added.json?.id).toBe('string');
    expect((await call(`${graph.baseUrl}/me/todo/lists`, { token: TOKEN })).status).toBe(500);

    const bad = await call(`${origin}/_emulator/faults`, { method: 'POST', headers: ADMIN, body: JSON.stringify({ action: { type: 'explode' } }) });
    expect(bad.status).toBe(400);
    expect((bad.json?.error as { message: string }).message).toMatch(/^Invalid action\.type: .+\.$/);
    const notJson = await call(`${origin}/_emulator/faults`, { method: 'POST', headers: ADMIN, body: 'nope' });
    expect(notJson.status).toBe(400);

    graph.faults.add({ action: { type: 'status', status: 503 } });
    expect((await call(`${origin}/_emulator/faults`, { method: 'DELETE', headers: ADMIN })).status).toBe(204);
    expect(graph.faults.list()).toEqual([]);

    const shaped = await call(`${origin}/_emulator/shaping`, { method: 'PUT', headers: ADMIN, body: JSON.stringify({ bytesPerSecond: 1_000_000 }) });
    expect(shaped.json).toEqual({ bytesPerSecond: 1_000_000 });
    expect(graph.shaping.get().bytesPerSecond).toBe(1_000_000);
    expect((await call(`${origin}/_emulator/shaping`, { method: 'PUT', headers: ADMIN, body: JSON.stringify({ bytesPerSecond: 'fast' }) })).status).toBe(400);
    await call(`${origin}/_emulator/shaping`, { method: 'PUT', headers: ADMIN, body: JSON.stringify({ bytesPerSecond: null }) });
    expect(graph.shaping.get().bytesPerSecond).toBeUndefined();

    await createSession(10);
    const expired = await call(`${origin}/_emulator/expire-sessions`, { method: 'POST', headers: ADMIN });
    expect(expired.json).toEqual({ expired: 1 });

    const fileState = await call(`${files.baseUrl}/_emulator/state`);
    expect(fileState.json).toMatchObject({ files: files.fileCount() });
    const fileFault = await call(`${files.baseUrl}/_emulator/faults`, { method: 'POST', headers: ADMIN, body: JSON.stringify({ action: { type: 'status', status: 404 } }) });
    expect(fileFault.status).toBe(201);
    expect((await call(files.addFile({ name: 'z', size: 1 }).url)).status).toBe(404);
    expect((await call(`${files.baseUrl}/_emulator/nothing`)).status).toBe(404);
  });

  it('closes with keep-alive connections open', async () => {
    const extra = await GraphTodoEmulator.start({ seed: false, tokens: [TOKEN] });
    const res = await request(`${extra.baseUrl}/me/todo/lists`, { headers: { authorization: `Bearer ${TOKEN}` } });
    await res.body.dump();
    await extra.close();
    await expect(request(`${extra.baseUrl}/me/todo/lists`)).rejects.toThrow();
  });
});
