import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../src/errors';
import type { TransferJob } from '../../../src/jobs/job';
import { JobRunner, type TransferNotifier } from '../../../src/jobs/runner';
import { JobStore } from '../../../src/jobs/store';
import { silentLogger } from '../../../src/log';
import { FAST_RETRY_POLICY } from '../../../src/retry';
import { createBufferSource } from '../../../src/sources/buffer-source';
import type { ByteSource } from '../../../src/upload/types';
import { MemoryTodo } from '../../support/memory-sink';

/**
 * Where the sign-in pause meets the rest of the runner (src/jobs/runner.ts), found by review:
 * - resumeWaiting() must decide from each record as it is now and claim a job before any
 *   await: two sign-in completions close together (two Sign in presses, SSO plus a press) must
 *   not launch the same job twice (a duplicate attachment), and a Cancel pressed while the
 *   resume is saving must not be undone.
 * - Cancel on a waiting job shows its card through the job's card queue: a waiting-for-sign-in
 *   card still being retried (Teams 429) must not land after "cancelled".
 * - Cancel pressed while the pause itself is still being saved is not lost.
 */

const USER = '29:user';
const SIZE = 50_000;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'runner-sign-in-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function waitingJob(id: string, taskId: string): TransferJob {
  const now = new Date().toISOString();
  return {
    version: 1,
    id,
    userId: USER,
    card: { serviceUrl: 'http://127.0.0.1/', conversationId: 'a:1', activityId: id, reference: {} },
    target: { listId: 'L', listName: 'Work', taskId, taskTitle: taskId },
    files: [{ name: `${id}.bin`, contentType: 'application/octet-stream', size: SIZE, source: { kind: 'download', url: `mem:${id}` }, state: 'queued', bytesDone: 0 }],
    state: 'waiting-sign-in',
    createdAt: now,
    updatedAt: now,
  };
}

/** Resolves when `check` holds, or after `ms` (so a fixed product never hangs the test). */
async function eventually(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setImmediate(r));
}

/** A source whose reads wait until the transfer is aborted; `openedOnce` resolves at the first read. */
function heldUntilAborted(bytes: Buffer): { source: () => ByteSource; openedOnce: Promise<void> } {
  let opened!: () => void;
  const openedOnce = new Promise<void>((r) => (opened = r));
  const source = (): ByteSource => {
    const inner = createBufferSource(bytes);
    return {
      ...inner,
      open: async (offset: number, signal: AbortSignal) => {
        opened();
        await new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
        return inner.open(offset, signal);
      },
    };
  };
  return { source, openedOnce };
}

function runnerWith(store: JobStore, todo: MemoryTodo, notifier: TransferNotifier, sourceFor?: () => ByteSource): JobRunner {
  return new JobRunner({
    store,
    notifier,
    sinkFor: () => todo,
    sourceFor: sourceFor ?? (() => createBufferSource(Buffer.alloc(SIZE, 5))),
    logger: silentLogger(),
    maxConcurrent: 4,
    chunkBytes: 3 * 327_680,
    retryPolicy: FAST_RETRY_POLICY,
    cardUpdateIntervalMs: 10,
  });
}

test('two sign-in completions close together resume a waiting transfer once: one attachment, never two', async () => {
  const { store } = await JobStore.open(dir);
  await store.save(waitingJob('A', 'T1'));
  await store.save(waitingJob('B', 'T2'));
  const todo = new MemoryTodo().addTask('L', 'T1').addTask('L', 'T2');
  // A slow disk for B's "running" record (fsync on a busy volume): it widens the window only.
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let held = 0;
  const realSave = store.save.bind(store);
  store.save = (j: TransferJob) => {
    const saved = realSave(j);
    if (j.id !== 'B' || j.state !== 'running') return saved;
    held++;
    return saved.then(() => gate);
  };
  const runner = runnerWith(store, todo, { show: async () => undefined });

  // afterSignIn() twice (e.g. Sign in pressed on both waiting cards once the user is signed in).
  const first = runner.resumeWaiting(USER);
  const second = runner.resumeWaiting(USER);
  await Promise.race([eventually(() => held >= 2), first]);
  release();
  await Promise.all([first, second]);
  await runner.settleAll();
  await eventually(() => todo.attachments('L', 'T2').length >= 2);

  expect(todo.attachments('L', 'T1')).toHaveLength(1);
  // One file, one transfer: never a duplicate attachment.
  expect(todo.attachments('L', 'T2')).toHaveLength(1);
});

test('Cancel on a waiting transfer while sign-in resumes the user’s transfers stays cancelled: nothing attached, the card ends on cancelled', async () => {
  const { store } = await JobStore.open(dir);
  await store.save(waitingJob('A', 'T1'));
  await store.save(waitingJob('B', 'T2'));
  const todo = new MemoryTodo().addTask('L', 'T1').addTask('L', 'T2');
  // A's "running" record takes a while to reach the disk.
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const realSave = store.save.bind(store);
  store.save = (j: TransferJob) => {
    const saved = realSave(j);
    return j.id === 'A' && j.state === 'running' ? saved.then(() => gate) : saved;
  };
  const shown: Array<{ id: string; state: string }> = [];
  let cancelledShown!: () => void;
  const bCancelled = new Promise<void>((r) => (cancelledShown = r));
  const runner = runnerWith(store, todo, {
    show: async (j) => {
      shown.push({ id: j.id, state: j.state });
      if (j.id === 'B' && j.state === 'cancelled') cancelledShown();
    },
  });

  const resuming = runner.resumeWaiting(USER); // the user signed in
  expect(runner.cancel('B')).toBe(true); // …and pressed Cancel on B's waiting card
  await bCancelled;
  expect(store.get('B')?.state).toBe('cancelled');
  release();
  await resuming;
  await runner.settleAll();

  expect(store.get('B')?.state).toBe('cancelled');
  expect(todo.attachments('L', 'T2')).toHaveLength(0);
  expect(shown.filter((s) => s.id === 'B').at(-1)?.state).toBe('cancelled');
});

test('Cancel on a waiting transfer whose waiting card Teams throttled: the card ends on "cancelled", never on the stale "waiting"', async () => {
  const { store } = await JobStore.open(dir);
  const todo = new MemoryTodo().addTask('L', 'T1');
  const bytes = Buffer.alloc(1024 * 1024, 3);
  // The first read waits until the transfer is aborted, so the sign-out lands mid-transfer.
  const { source, openedOnce } = heldUntilAborted(bytes);
  const cardStates: string[] = [];
  let waitingAttempts = 0;
  let firstWaitingRefused!: () => void;
  const throttled = new Promise<void>((r) => (firstWaitingRefused = r));
  let cancelledOnCard!: () => void;
  const cancelledShown = new Promise<void>((r) => (cancelledOnCard = r));
  const notifier: TransferNotifier = {
    show: async (j) => {
      if (j.state === 'waiting-sign-in') {
        waitingAttempts++;
        if (waitingAttempts === 1) {
          firstWaitingRefused();
          // Teams: 429 Too Many Requests, Retry-After.
          throw new AppError('TEAMS_THROTTLED', 'Teams throttled the card update.', { status: 429, retryAfterMs: 50, retryable: true });
        }
        // Teams answers the retry after the user's Cancel went through.
        await cancelledShown;
      }
      cardStates.push(j.state);
      if (j.state === 'cancelled') cancelledOnCard();
    },
  };
  const job = { ...waitingJob('C', 'T1'), state: 'running' as const, files: [{ ...waitingJob('C', 'T1').files[0]!, size: bytes.length }] };
  const runner = runnerWith(store, todo, notifier, source);
  await runner.submit(job);
  await openedOnce;
  expect(runner.pauseForSignIn(USER)).toBe(1); // "sign out"
  await throttled;
  await eventually(() => store.get('C')?.state === 'waiting-sign-in');
  expect(runner.cancel('C')).toBe(true); // Cancel on the card
  await runner.settled('C');
  await cancelledShown;
  await eventually(() => cardStates.at(-1) === 'waiting-sign-in', 2000);

  expect(store.get('C')?.state).toBe('cancelled');
  // The card must end on the outcome.
  expect(cardStates.at(-1)).toBe('cancelled');
});

test('Cancel pressed while a sign-out pause is still being saved ends the transfer cancelled (not waiting), card included', async () => {
  const { store } = await JobStore.open(dir);
  const todo = new MemoryTodo().addTask('L', 'T1');
  const bytes = Buffer.alloc(1024 * 1024, 4);
  // The first read waits until the transfer is aborted, so the sign-out lands mid-transfer.
  const { source, openedOnce } = heldUntilAborted(bytes);
  const cardStates: string[] = [];
  const runner = runnerWith(store, todo, { show: async (j) => void cardStates.push(j.state) }, source);
  await runner.submit({ ...waitingJob('P', 'T1'), state: 'running', files: [{ ...waitingJob('P', 'T1').files[0]!, size: bytes.length }] });
  await openedOnce;
  expect(runner.pauseForSignIn(USER)).toBe(1); // "sign out"
  // Cancel on the card at once: the pause has not reached the record yet.
  expect(runner.isRunning('P')).toBe(true);
  expect(runner.cancel('P')).toBe(true);
  await eventually(() => store.get('P')?.state === 'cancelled' && !runner.isRunning('P'));
  await runner.settleAll();

  expect(store.get('P')?.state).toBe('cancelled');
  expect(cardStates.at(-1)).toBe('cancelled');
  // Signing in afterwards does not bring it back.
  expect(await runner.resumeWaiting(USER)).toBe(0);
  await runner.settleAll();
  expect(store.get('P')?.state).toBe('cancelled');
  expect(todo.attachments('L', 'T1')).toHaveLength(0);
});
