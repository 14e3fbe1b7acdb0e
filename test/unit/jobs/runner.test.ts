import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TransferJob } from '../../../src/jobs/job';
import { JobRunner, type TransferNotifier } from '../../../src/jobs/runner';
import { JobStore } from '../../../src/jobs/store';
import { silentLogger } from '../../../src/log';
import { FAST_RETRY_POLICY } from '../../../src/retry';
import { createBufferSource } from '../../../src/sources/buffer-source';
import { DEFAULT_CHUNK_BYTES, SMALL_UPLOAD_LIMIT } from '../../../src/upload/chunk-plan';
import { connectorError } from '../../../src/teams/card-notifier';
import type { ByteSource } from '../../../src/upload/types';
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

/**
 * What a kill -9 leaves on disk at this instant: the job records as they are now. Records are
 * replaced by rename, so each file is either the old or the new record; a temporary file of a
 * write in flight may vanish while we look (and is discarded by JobStore.open anyway).
 */
function diskImageOf(dataDir: string, into: string): void {
  const from = path.join(dataDir, 'jobs');
  const to = path.join(into, 'jobs');
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (!name.endsWith('.json')) continue;
    try {
      copyFileSync(path.join(from, name), path.join(to, name));
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
    }
  }
}

describe('kill -9 at the instant To Do stores the file, then a start on that disk image', () => {
  it.each([
    ['a small file (one POST)', 50_000],
    ['a single-chunk upload session', SMALL_UPLOAD_LIMIT + 1000],
  ])('%s: exactly one attachment', async (_label, size) => {
    const crashDir = await mkdtemp(path.join(os.tmpdir(), 'runner-crash-'));
    try {
      const todo = new MemoryTodo().addTask('L', 'T');
      const bytes = Buffer.alloc(size, 9);
      let imaged = false;
      const image = (): void => {
        if (imaged) return;
        imaged = true;
        diskImageOf(dir, crashDir);
      };
      // The instant the non-idempotent request reaches To Do (it will store the file).
      const post = todo.createSmallAttachment.bind(todo);
      todo.createSmallAttachment = (target, body, signal) => {
        image();
        return post(target, body, signal);
      };
      todo.onPut = image;
      const runnerOn = (store: JobStore): JobRunner =>
        new JobRunner({
          store,
          notifier: { show: async () => undefined },
          sinkFor: () => todo,
          sourceFor: () => createBufferSource(bytes),
          logger: silentLogger(),
          maxConcurrent: 1,
          chunkBytes: DEFAULT_CHUNK_BYTES,
          retryPolicy: FAST_RETRY_POLICY,
          cardUpdateIntervalMs: 10,
        });

      const first = runnerOn((await JobStore.open(dir)).store);
      await first.submit(job('j1', [size]));
      await first.settled('j1');
      expect(imaged).toBe(true);
      expect(todo.attachments('L', 'T')).toHaveLength(1);

      // The process died at that instant; the next one starts on what was on disk then.
      const { store } = await JobStore.open(crashDir);
      expect(store.get('j1')?.state).toBe('running');
      const second = runnerOn(store);
      expect(second.resumeAll()).toBe(1);
      await second.settled('j1');
      expect(store.get('j1')?.files[0]?.state).toBe('done');
      const stored = todo.attachments('L', 'T');
      expect(stored).toHaveLength(1);
      expect(store.get('j1')?.files[0]?.attachmentId).toBe(stored[0]?.id);
    } finally {
      await rm(crashDir, { recursive: true, force: true });
    }
  });
});

describe('a card that cannot be updated does not hold a transfer slot', () => {
  const size = 50_000;
  const bytes = Buffer.alloc(size, 3);
  /** Job A's first run reads a source shorter than announced (it fails); every later run is fine. */
  function setup(show: TransferNotifier['show']) {
    const todo = new MemoryTodo().addTask('L', 'T').addTask('L', 'T2');
    let aRuns = 0;
    const sourceFor = (j: TransferJob): ByteSource => {
      if (j.id === 'A' && aRuns++ === 0) return { ...createBufferSource(bytes.subarray(0, size - 10)), size };
      return createBufferSource(bytes);
    };
    return { todo, sourceFor, show };
  }
  /** B goes to another task: the same name and size on A's task would pass for A's file. */
  function jobB(): TransferJob {
    const b = job('B', [size]);
    return { ...b, target: { ...b.target, taskId: 'T2' } };
  }
  async function runnerFor(deps: ReturnType<typeof setup>): Promise<JobRunner> {
    return new JobRunner({
      store: (await JobStore.open(dir)).store,
      notifier: { show: deps.show },
      sinkFor: () => deps.todo,
      sourceFor: deps.sourceFor,
      logger: silentLogger(),
      maxConcurrent: 1,
      chunkBytes: 3 * 327_680,
      retryPolicy: FAST_RETRY_POLICY,
      cardUpdateIntervalMs: 10,
    });
  }

  test('a deleted card (404) is not retried: the next job runs, and Retry of the first is accepted', async () => {
    const aAttempts: string[] = [];
    let tooMany!: () => void;
    const aRetriedAgain = new Promise<'A card retried'>((resolve) => (tooMany = () => resolve('A card retried')));
    const deps = setup(async (j) => {
      if (j.id !== 'A') return;
      aAttempts.push(j.state);
      // Teams answers 404 for a message that no longer exists, on every attempt.
      if (aAttempts.length >= 3) tooMany();
      throw connectorError({ statusCode: 404 });
    });
    const runner = await runnerFor(deps);
    await runner.submit(job('A', [size]));
    await runner.submit(jobB());
    // B must run while A's card keeps failing: waiting on A's card retries would be the defect.
    expect(await Promise.race([runner.settled('B').then(() => 'B done' as const), aRetriedAgain])).toBe('B done');
    await runner.settled('A');
    expect(aAttempts).toEqual(['failed']);
    expect(deps.todo.attachments('L', 'T')).toHaveLength(0);
    expect(deps.todo.attachments('L', 'T2')).toHaveLength(1);
    const again = await runner.retry('A');
    expect(again?.state).toBe('running');
    await runner.settled('A');
    expect(deps.todo.attachments('L', 'T')).toHaveLength(1);
  });

  test('the final card is sent outside the slot: the next job runs while it is still on its way, and Retry is accepted meanwhile', async () => {
    let releaseCard!: () => void;
    const cardHeld = new Promise<void>((r) => (releaseCard = r));
    const aCards: string[] = [];
    const deps = setup(async (j) => {
      if (j.id !== 'A') return;
      aCards.push(j.state);
      // The first run's final card takes as long as the test wants (Teams slow or throttling).
      if (j.state === 'failed') await cardHeld;
    });
    const runner = await runnerFor(deps);
    await runner.submit(job('A', [size]));
    await runner.submit(jobB());
    await runner.settled('B');
    expect(aCards).toEqual(['failed']);
    expect(runner.isRunning('A')).toBe(false);
    // The transfer is over, only its card is pending: Retry is accepted.
    const again = await runner.retry('A');
    expect(again?.state).toBe('running');
    releaseCard();
    await runner.settled('A');
    // The old run's card never lands after the new run's: the card ends on the new outcome.
    expect(aCards.at(-1)).toBe('done');
    expect(deps.todo.attachments('L', 'T')).toHaveLength(1);
    expect(deps.todo.attachments('L', 'T2')).toHaveLength(1);
  }, 20_000);
});

test('after a restart, interrupted jobs resume in the order they were submitted (then by id)', async () => {
  const at = (s: number): string => new Date(Date.UTC(2025, 0, 1, 9, 0, s)).toISOString();
  const records: Array<[string, string]> = [
    ['a-third', at(3)],
    ['b-second', at(2)],
    ['c-first', at(1)],
    ['d-tied', at(2)],
  ];
  const { store: before } = await JobStore.open(dir);
  for (const [id, createdAt] of records) await before.save({ ...job(id, [1000]), createdAt, updatedAt: at(9) });

  const { store } = await JobStore.open(dir);
  const started: string[] = [];
  const todo = new MemoryTodo().addTask('L', 'T');
  const runner = new JobRunner({
    store,
    notifier: { show: async () => undefined },
    sinkFor: () => todo,
    sourceFor: (j) => {
      started.push(j.id);
      return createBufferSource(Buffer.alloc(1000, started.length));
    },
    logger: silentLogger(),
    maxConcurrent: 1,
    chunkBytes: 3 * 327_680,
    retryPolicy: FAST_RETRY_POLICY,
    cardUpdateIntervalMs: 10,
  });
  expect(runner.resumeAll()).toBe(4);
  await runner.settleAll();
  expect(started).toEqual(['c-first', 'b-second', 'd-tied', 'a-third']);
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
