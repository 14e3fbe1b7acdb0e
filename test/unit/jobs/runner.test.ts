import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TransferJob } from '../../../src/jobs/job';
import { JobRunner, type TransferNotifier } from '../../../src/jobs/runner';
import { JobStore } from '../../../src/jobs/store';
import { silentLogger } from '../../../src/log';
import { FAST_RETRY_POLICY } from '../../../src/retry';
import { createBufferSource } from '../../../src/sources/buffer-source';
import { MemoryTodo } from '../../support/memory-sink';

function job(id: string, sizes: number[]): TransferJob {
  const now = new Date().toISOString();
  return {
    version: 1,
    id,
    userId: '29:user',
    card: { serviceUrl: 'http://127.0.0.1/', conversationId: 'a:1', activityId: '1', reference: {} },
    target: { listId: 'L', listName: 'Work', taskId: 'T', taskTitle: 'Report' },
    files: sizes.map((size, i) => ({ name: `f${i}.bin`, contentType: 'application/octet-stream', size, source: { kind: 'download' as const, url: `mem:${i}` }, state: 'queued' as const, bytesDone: 0 })),
    state: 'running',
    createdAt: now,
    updatedAt: now,
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'runner-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a job record that cannot be written mid-transfer neither crashes the process nor turns an attached file into a failure', async () => {
  const { store } = await JobStore.open(dir);
  // The disk "fills up" after two writes: every later record write fails.
  const realSave = store.save.bind(store);
  let writes = 0;
  store.save = async (j: TransferJob) => {
    if (++writes > 2) throw new Error('ENOSPC: no space left on device');
    return realSave(j);
  };
  const todo = new MemoryTodo().addTask('L', 'T');
  const bytes = Buffer.alloc(9 * 1024 * 1024, 7);
  const shown: TransferJob[] = [];
  const notifier: TransferNotifier = { show: async (j) => void shown.push(j) };
  const runner = new JobRunner({
    store,
    notifier,
    sinkFor: () => todo,
    sourceFor: () => createBufferSource(bytes),
    logger: silentLogger(),
    maxConcurrent: 2,
    chunkBytes: 3 * 327_680,
    retryPolicy: FAST_RETRY_POLICY,
    cardUpdateIntervalMs: 10,
  });
  await runner.submit(job('j1', [bytes.length]));
  await runner.settled('j1');
  const last = shown.at(-1);
  expect(last?.state).toBe('done');
  expect(last?.files[0]?.state).toBe('done');
  const stored = todo.attachments('L', 'T');
  expect(stored).toHaveLength(1);
  expect(stored[0]?.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  expect(writes).toBeGreaterThan(3);
});

test('sign out pauses a transfer (waiting for sign-in, not failed); signing in before the pause settled still resumes it', async () => {
  const { store } = await JobStore.open(dir);
  const todo = new MemoryTodo().addTask('L', 'T');
  const bytes = Buffer.alloc(1024 * 1024, 3);
  let opened!: () => void;
  const openedOnce = new Promise<void>((r) => (opened = r));
  let done!: (j: TransferJob) => void;
  const finished = new Promise<TransferJob>((r) => (done = r));
  const states: string[] = [];
  let first = true;
  const notifier: TransferNotifier = {
    show: async (j) => {
      states.push(j.state);
      if (j.state === 'done') done(j);
    },
  };
  const runner = new JobRunner({
    store,
    notifier,
    sinkFor: () => todo,
    // The first read waits until the transfer is aborted, so the pause lands mid-transfer.
    sourceFor: () => {
      const inner = createBufferSource(bytes);
      return {
        ...inner,
        size: inner.size,
        open: async (offset: number, signal: AbortSignal) => {
          if (first) {
            first = false;
            opened();
            await new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
          }
          return inner.open(offset, signal);
        },
      };
    },
    logger: silentLogger(),
    maxConcurrent: 1,
    chunkBytes: 3 * 327_680,
    retryPolicy: FAST_RETRY_POLICY,
    cardUpdateIntervalMs: 10,
  });
  await runner.submit(job('j2', [bytes.length]));
  await openedOnce;
  expect(runner.pauseForSignIn('29:user')).toBe(1);
  expect(runner.pauseForSignIn('29:other')).toBe(0);
  // Signed in again at once: the job has not finished pausing, yet it must not stay paused.
  expect(await runner.resumeWaiting('29:user')).toBe(0);
  const last = await finished;
  expect(states).toContain('waiting-sign-in');
  expect(states).not.toContain('failed');
  expect(last.files[0]?.state).toBe('done');
  expect(todo.attachments('L', 'T')).toHaveLength(1);
});
