import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { GraphTodoEmulator } from '../../../src/emulators/graph-todo';
import type { GraphRequestInfo } from '../../../src/graph/http';
import { GraphTodoClient } from '../../../src/graph/todo-client';
import type { TokenProvider } from '../../../src/graph/types';
import type { RetryPolicy } from '../../../src/retry';
import type { UploadTarget } from '../../../src/upload/types';

/** The To Do client against the Graph To Do emulator: the same contract, end to end over HTTP. */

const POLICY: RetryPolicy = { maxAttempts: 4, maxTotalMs: 10_000, baseDelayMs: 1, maxDelayMs: 5, random: () => 0 };
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const signal = (): AbortSignal => new AbortController().signal;

/** Hands out `old` until asked to refresh, then `new` (like an expired cached token). */
function rotatingTokens(): TokenProvider & { calls: boolean[] } {
  const calls: boolean[] = [];
  let current = 'tok-old';
  const provider = async (options?: { forceRefresh?: boolean }): Promise<string> => {
    calls.push(options?.forceRefresh === true);
    if (options?.forceRefresh) current = 'tok-new';
    return current;
  };
  return Object.assign(provider, { calls });
}

let emu: GraphTodoEmulator;
let client: GraphTodoClient;
let tokens: ReturnType<typeof rotatingTokens>;
let infos: GraphRequestInfo[];

beforeEach(async () => {
  emu = await GraphTodoEmulator.start({ tokens: ['tok-old'], pageSize: 2 });
  tokens = rotatingTokens();
  infos = [];
  client = new GraphTodoClient({ baseUrl: emu.baseUrl, tokenProvider: tokens, retryPolicy: POLICY, onRequest: (i) => infos.push(i) });
});

afterEach(async () => {
  await client.close();
  await emu.close();
});

function listNamed(name: string): string {
  const list = emu.lists().find((l) => l.displayName === name);
  if (!list) throw new Error(`seed has no list ${name}`);
  return list.id;
}

function targetOn(listId: string, taskId: string, fileName = 'report.pdf'): UploadTarget {
  return { listId, taskId, fileName, contentType: 'application/pdf' };
}

it('reads every list across pages by following nextLink', async () => {
  const lists = await client.listTaskLists();
  expect(lists.map((l) => l.id)).toEqual(emu.lists().map((l) => l.id));
  expect(emu.requests.length).toBeGreaterThan(1);
  expect(emu.requests.every((r) => r.authorization)).toBe(true);
  await expect(client.listTaskLists({ search: 'WORK' })).resolves.toEqual([expect.objectContaining({ displayName: 'Work' })]);
  await expect(client.listTaskLists({ limit: 3 })).resolves.toHaveLength(3);
});

it('searches tasks by title, leaving out completed ones, across pages', async () => {
  const projects = listNamed('Projects');
  const found = await client.listTasks(projects, { search: 'budget', excludeCompleted: true });
  const expected = emu.tasks(projects).filter((t) => t.title.toLowerCase().includes('budget') && t.status !== 'completed');
  expect(expected.length).toBeGreaterThan(2);
  expect(found.map((t) => t.id)).toEqual(expected.map((t) => t.id));
  await expect(client.listTasks(projects, { limit: 3 })).resolves.toHaveLength(3);
});

it('creates a task whose title has quotes, and finds it by search', async () => {
  const work = listNamed('Work');
  const task = await client.createTask(work, "Check Bob's 'draft'");
  expect(emu.tasks(work).find((t) => t.id === task.id)?.title).toBe("Check Bob's 'draft'");
  await expect(client.listTasks(work, { search: "Bob's 'draft'" })).resolves.toEqual([expect.objectContaining({ id: task.id })]);
  await expect(client.getTask(work, task.id)).resolves.toMatchObject({ id: task.id, title: "Check Bob's 'draft'" });
});

it('attaches a small file in one POST, bytes intact', async () => {
  const work = listNamed('Work');
  const task = await client.createTask(work, 'Small attachment');
  const bytes = randomBytes(100_000);
  const created = await client.createSmallAttachment(targetOn(work, task.id, 'notes.bin'), bytes, signal());
  const stored = emu.attachments(work, task.id);
  expect(stored).toEqual([expect.objectContaining({ id: created.id, name: 'notes.bin', size: 100_000, sha256: sha(bytes) })]);
  await expect(client.listAttachments({ listId: work, taskId: task.id }, signal())).resolves.toEqual([expect.objectContaining({ id: created.id, size: 100_000 })]);
  await client.deleteAttachment(work, task.id, created.id);
  expect(emu.attachments(work, task.id)).toEqual([]);
});

it('uploads the documented example (3,483,322 bytes as 2,097,152 + the rest) through a session', async () => {
  const work = listNamed('Work');
  const task = await client.createTask(work, 'Large attachment');
  const file = randomBytes(3_483_322);
  const session = await client.createUploadSession(targetOn(work, task.id), file.length, signal());
  expect(session.nextExpectedRanges).toEqual(['0-']);

  const first = await client.putChunk({ session, start: 0, end: 2_097_151, total: file.length, body: Readable.from([file.subarray(0, 2_097_152)]), signal: signal() });
  expect(first).toEqual({ done: false, nextExpectedRanges: ['2097152-'] });
  await expect(client.getUploadSession(session, signal())).resolves.toMatchObject({ nextExpectedRanges: ['2097152-'] });

  const last = await client.putChunk({ session, start: 2_097_152, end: file.length - 1, total: file.length, body: Readable.from([file.subarray(2_097_152)]), signal: signal() });
  const stored = emu.attachments(work, task.id);
  expect(stored).toHaveLength(1);
  expect(last).toEqual({ done: true, attachmentId: stored[0]?.id });
  expect(stored[0]).toMatchObject({ name: 'report.pdf', size: file.length, sha256: sha(file) });
  // Every chunk carried the bearer: To Do's upload URL is not pre-authenticated.
  expect(emu.requests.filter((r) => r.method === 'PUT').map((r) => [r.authorization, r.contentRange])).toEqual([
    [true, 'bytes 0-2097151/3483322'],
    [true, 'bytes 2097152-3483321/3483322'],
  ]);
});

it('an expired session answers UPLOAD_SESSION_EXPIRED; cancelling a session is idempotent', async () => {
  const work = listNamed('Work');
  const task = await client.createTask(work, 'Expiring');
  const session = await client.createUploadSession(targetOn(work, task.id), 10, signal());
  emu.faults.add({ match: { method: 'PUT' }, action: { type: 'expire-session' } });
  await expect(client.putChunk({ session, start: 0, end: 9, total: 10, body: Readable.from([Buffer.alloc(10)]), signal: signal() })).rejects.toMatchObject({
    code: 'UPLOAD_SESSION_EXPIRED',
  });
  const other = await client.createUploadSession(targetOn(work, task.id), 10, signal());
  await client.deleteUploadSession(other, signal());
  await client.deleteUploadSession(other, signal());
  expect(emu.sessionCount()).toBe(0);
});

it('a 401 refreshes the token once and replays the request', async () => {
  emu.setTokens(['tok-new']);
  await expect(client.listTaskLists({ limit: 1 })).resolves.toHaveLength(1);
  expect(emu.requests.map((r) => r.authorization)).toEqual([false, true]);
  expect(tokens.calls).toEqual([false, true]);
});

it('a 401 on a chunk is thrown retryable; the resent chunk carries a fresh token', async () => {
  const work = listNamed('Work');
  const task = await client.createTask(work, 'Token expires mid-upload');
  const file = randomBytes(1000);
  const session = await client.createUploadSession(targetOn(work, task.id, 'a.bin'), file.length, signal());
  emu.setTokens(['tok-new']);
  const chunk = () => ({ session, start: 0, end: 999, total: 1000, body: Readable.from([file]), signal: signal() });
  await expect(client.putChunk(chunk())).rejects.toMatchObject({ code: 'GRAPH_UNAUTHORIZED', retryable: true });
  await expect(client.putChunk(chunk())).resolves.toMatchObject({ done: true });
  expect(emu.attachments(work, task.id)).toEqual([expect.objectContaining({ size: 1000, sha256: sha(file) })]);
});

it('429 with Retry-After is waited out and retried', async () => {
  emu.faults.add({ match: { method: 'GET', pathIncludes: '/todo/lists' }, action: { type: 'status', status: 429, retryAfterSeconds: 1 } });
  await expect(client.listTaskLists({ limit: 1 })).resolves.toHaveLength(1);
  expect(infos.map((i) => [i.attempt, i.status])).toEqual([
    [1, 429],
    [2, 200],
  ]);
});
