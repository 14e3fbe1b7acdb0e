import type { Logger } from 'pino';
import { AppError, cancelledError, SignInPause, toAppError, TransferSuspended, userMessage } from '../errors';
import { inSpan, setSafeAttributes } from '../observability/tracing';
import type { RetryPolicy } from '../retry';
import { uploadAttachment } from '../upload/engine';
import type { AttachmentSink, ByteSource } from '../upload/types';
import { endRemaining, type FileJob, type TransferJob } from './job';
import { linkFile, type TaskLinkApi } from './link-file';
import { FairLimiter } from './limiter';
import { ProgressThrottle } from './progress-throttle';
import type { JobStore } from './store';

/** Live figures that are not worth persisting: speed is only meaningful while running. */
export interface LiveFileProgress {
  bytesPerSecond: number | undefined;
}
export type LiveProgress = ReadonlyMap<number, LiveFileProgress>;

/** Shows a job on its card. Implemented in src/teams/ (the only place that knows Teams). */
export interface TransferNotifier {
  show(job: TransferJob, live: LiveProgress): Promise<void>;
}

export interface RunnerDeps {
  store: JobStore;
  notifier: TransferNotifier;
  /** The To Do client acting for the job's user (delegated token: To Do has no app permissions). */
  sinkFor(job: TransferJob): AttachmentSink;
  sourceFor(job: TransferJob, file: FileJob): ByteSource;
  /** To Do for files that go on the task as a link (too large to attach); the same client as sinkFor. */
  linkerFor?(job: TransferJob): TaskLinkApi;
  logger: Logger;
  maxConcurrent: number;
  /** One user's transfers running at once (default: no cap beyond maxConcurrent); freed slots go round-robin between users. */
  maxConcurrentPerUser?: number;
  chunkBytes: number;
  retryPolicy: RetryPolicy;
  /** Minimum time between two card updates ("at most about once per second"). */
  cardUpdateIntervalMs?: number;
  spoolDir?: string;
  /** Metrics of transfers (src/observability/metrics.ts); none when absent. */
  observer?: TransferObserver;
}

/** What the runner reports for metrics. */
export interface TransferObserver {
  transferEnded(outcome: TransferJob['state']): void;
  bytesAccepted(bytes: number): void;
  retry(code: string, waitMs: number): void;
}

/** A job's card queue until its final card is delivered (or given up). */
interface CardRun {
  throttle: ProgressThrottle<TransferJob>;
  /** Resolves when the job is over and its final card delivered (or given up). */
  done: Promise<void>;
}

interface Running extends CardRun {
  /** The job as last saved: what a failure path must finish from (never the launch copy). */
  latest: TransferJob;
  started: boolean;
  abort: AbortController;
  live: Map<number, LiveFileProgress>;
  /** Set when the job must wait for its user's sign-in (no token, or signed out). */
  waitingForSignIn?: boolean;
}

/**
 * Runs transfer jobs in the background (the invoke that started one has long been answered):
 * bounded concurrency, the record saved after every step so a restart resumes, progress
 * coalesced to about one card update per second, and a final update retried patiently while
 * Teams may still take it (outside the concurrency slot, so it never holds up other transfers).
 */
export class JobRunner {
  private readonly limiter: FairLimiter;
  /** Transfers waiting for a slot or in flight. */
  private readonly running = new Map<string, Running>();
  /** Jobs whose user signed in again before their pause for sign-in had finished. */
  private readonly resumeWhenPaused = new Set<string>();
  /** Jobs cancelled by their user while their pause for sign-in was still being saved. */
  private readonly cancelWhenPaused = new Set<string>();
  /**
   * Every job until its final card is delivered: the card goes out after the transfer has left
   * `running` and released its slot (Teams may take minutes to accept it).
   */
  private readonly finishing = new Map<string, CardRun>();
  private accepting = true;
  /** After shutdown nothing is written: the records on disk stay as the next start must see them. */
  private stopped = false;

  constructor(private readonly deps: RunnerDeps) {
    this.limiter = new FairLimiter({ max: deps.maxConcurrent, maxPerKey: deps.maxConcurrentPerUser ?? deps.maxConcurrent });
  }

  /** Saves a new job and starts it in the background. */
  async submit(job: TransferJob): Promise<void> {
    await this.deps.store.save(job);
    this.launch(job);
  }

  /**
   * Starts every job that was running when the process stopped (after a restart), in the
   * order they were submitted (then by id): the slots go first to whoever asked first.
   */
  resumeAll(): number {
    let n = 0;
    for (const job of [...this.deps.store.list()].sort(bySubmission)) {
      if (job.state === 'running' && !this.running.has(job.id)) {
        this.deps.logger.info({ jobId: job.id }, 'resuming transfer after restart');
        this.launch(job);
        n++;
      }
    }
    return n;
  }

  /** Transfers holding a slot and waiting in line for one (metrics). */
  queueFigures(): { running: number; waiting: number } {
    return { running: this.limiter.running, waiting: this.limiter.queued };
  }

  /** This user's transfers queued or running now (admission.ts). */
  pendingFor(userId: string): number {
    let n = 0;
    for (const r of this.running.values()) if (r.latest.userId === userId) n++;
    return n;
  }

  isRunning(jobId: string): boolean {
    return this.running.has(jobId);
  }

  /** Cancels a running job: the engine deletes the upload session, so nothing is attached. */
  cancel(jobId: string): boolean {
    const r = this.running.get(jobId);
    if (!r) return this.cancelWaiting(jobId);
    if (r.abort.signal.reason instanceof SignInPause) {
      // Still saving its pause: it is cancelled as a waiting job once the pause is on record.
      this.resumeWhenPaused.delete(jobId);
      this.cancelWhenPaused.add(jobId);
      return true;
    }
    r.abort.abort(new Error('cancelled by user'));
    return true;
  }

  /** Puts failed or cancelled files of a finished job back in the queue and runs it again. */
  async retry(jobId: string): Promise<TransferJob | undefined> {
    const job = this.deps.store.get(jobId);
    if (!job || job.state === 'running' || job.state === 'waiting-sign-in' || this.running.has(jobId)) return undefined;
    const now = new Date().toISOString();
    const files = job.files.map((f): FileJob =>
      f.state === 'failed' || f.state === 'cancelled' ? { ...f, state: 'queued', bytesDone: 0, error: undefined, sessionRestarts: undefined } : f,
    );
    const next: TransferJob = { ...job, files, state: 'running', updatedAt: now };
    await this.submit(next);
    return next;
  }

  /**
   * Resolves when the job is no longer running and its final card has been delivered or given
   * up (tests and shutdown wait on this, never sleep).
   */
  async settled(jobId: string): Promise<void> {
    await this.finishing.get(jobId)?.done;
  }

  async settleAll(): Promise<void> {
    await Promise.all([...this.finishing.values()].map((r) => r.done));
  }

  /**
   * Graceful shutdown: stop taking work and make sure every record is on disk. Transfers in
   * flight are suspended, not cancelled (cancelling would delete their upload sessions): their
   * records hold the session, and the next start resumes them, exactly as after a crash.
   */
  async shutdown(): Promise<void> {
    this.accepting = false;
    this.stopped = true;
    for (const r of this.running.values()) r.abort.abort(new TransferSuspended());
    await this.deps.store.flush();
  }

  /**
   * Pauses the user's running transfers until they sign in again (they signed out): like a
   * shutdown, the upload sessions are kept. Returns how many were running.
   */
  pauseForSignIn(userId: string): number {
    let n = 0;
    for (const r of this.running.values()) {
      if (r.latest.userId !== userId || r.abort.signal.aborted) continue;
      r.abort.abort(new SignInPause());
      n++;
    }
    return n;
  }

  /**
   * The user signed in: their transfers waiting for it continue from the server's expected
   * range. Each job is claimed (put in `running`) before anything is awaited, from its record
   * as it is now: a second sign-in close behind, or a Cancel pressed meanwhile, finds it taken
   * or ended, so a job never runs twice (a duplicate attachment) and a Cancel is never undone.
   */
  async resumeWaiting(userId: string): Promise<number> {
    const saves: Array<Promise<void>> = [];
    for (const { id } of this.deps.store.listByUser(userId)) {
      const pausing = this.running.get(id);
      if (pausing && pausing.abort.signal.reason instanceof SignInPause && !this.cancelWhenPaused.has(id)) this.resumeWhenPaused.add(id);
      const job = this.deps.store.get(id);
      if (!this.accepting || job?.state !== 'waiting-sign-in' || this.running.has(id)) continue;
      const next: TransferJob = { ...job, state: 'running', updatedAt: new Date().toISOString() };
      this.deps.logger.info({ jobId: id }, 'resuming transfer after sign-in');
      // Issued before the launch, so its saves come after this one.
      saves.push(this.persist(next));
      this.launch(next);
    }
    await Promise.all(saves);
    return saves.length;
  }

  /**
   * Cancel on a transfer waiting for sign-in: nothing is running, the record and card say
   * cancelled. Decided before anything is awaited, so a sign-in resuming the user's transfers
   * at the same moment finds it ended (and a job already resumed is cancelled as a running one).
   */
  private cancelWaiting(jobId: string): boolean {
    const job = this.deps.store.get(jobId);
    if (!job || job.state !== 'waiting-sign-in' || !this.accepting) return false;
    // Its upload session holds no attachment and expires on its own (deleting it needs a token).
    const cancelled: TransferJob = { ...endRemaining(job, 'cancelled'), state: 'cancelled', updatedAt: new Date().toISOString() };
    this.showOutcome(cancelled, this.persist(cancelled));
    return true;
  }

  /**
   * Shows the outcome of a job that is not running (a waiting job cancelled, or ended by the
   * retention sweep) once `saved` resolves, through the job's card queue as a run's final card
   * is: after any update of the card still in flight or being retried (which it supersedes),
   * and covered by settled().
   */
  showOutcome(job: TransferJob, saved: Promise<void> = Promise.resolve()): void {
    const card = this.cardRun(job.id, new Map());
    card.done = saved
      .then(() => card.throttle.final(job))
      .finally(() => {
        if (this.finishing.get(job.id) === card) this.finishing.delete(job.id);
      });
  }

  /**
   * A new card queue for the job, registered in `finishing`. An earlier run's final card may
   * still be on its way (a Retry pressed meanwhile): it is superseded, and this queue's first
   * update waits for a send of it still in flight, so the card never ends on the older outcome.
   */
  private cardRun(jobId: string, live: LiveProgress): CardRun {
    const previous = this.finishing.get(jobId);
    previous?.throttle.supersede();
    const previousIdle = previous?.throttle.idle();
    const throttle = new ProgressThrottle<TransferJob>({
      minIntervalMs: this.deps.cardUpdateIntervalMs ?? 1000,
      send: async (snapshot) => {
        await previousIdle;
        if (!this.stopped) await this.deps.notifier.show(snapshot, live);
      },
      // A card Teams refuses for good (deleted: 404) is not retried for minutes.
      shouldRetry: (err) => toAppError(err).retryable,
      onError: (err) => this.deps.logger.warn({ jobId, err: toAppError(err).toLog() }, 'card update failed'),
    });
    const run: CardRun = { throttle, done: Promise.resolve() };
    this.finishing.set(jobId, run);
    return run;
  }

  private launch(job: TransferJob): void {
    if (!this.accepting) return;
    const abort = new AbortController();
    const live = new Map<number, LiveFileProgress>();
    const { throttle } = this.cardRun(job.id, live);
    const entry: Running = { latest: job, started: false, abort, throttle, live, done: Promise.resolve() };
    this.running.set(job.id, entry);
    this.finishing.set(job.id, entry);
    const transfer = this.limiter
      .run(job.userId, () => {
        entry.started = true;
        // One span per job, in a trace of its own linked to the activity that started it.
        return inSpan('transfer', { detached: true, attributes: { 'transfer.id': job.id, 'transfer.files': job.files.length } }, async (span) => {
          const final = await this.execute(job, entry);
          setSafeAttributes(span, { 'transfer.outcome': final?.state ?? 'suspended' });
          return final;
        });
      }, abort.signal)
      .catch(async (raw: unknown) => {
        const err = toAppError(raw);
        if (!entry.started && abort.signal.reason instanceof SignInPause) {
          entry.waitingForSignIn = true;
          return this.conclude(entry.latest, entry);
        }
        if (!entry.started) {
          // Aborted while still waiting for a slot: nothing was uploaded.
          this.deps.logger.info({ jobId: job.id, err: err.toLog() }, 'transfer cancelled before it started');
          return this.conclude(endRemaining(entry.latest, 'cancelled'), entry);
        }
        this.deps.logger.error({ jobId: job.id, err: err.toLog() }, 'transfer stopped by an unexpected error');
        return this.conclude(endRemaining(entry.latest, 'failed', { code: err.code, message: userMessage(err) }), entry);
      })
      .finally(() => {
        if (this.running.get(job.id) === entry) this.running.delete(job.id);
        // Cancelled while this job was still pausing: it ends now, as a waiting job.
        if (this.cancelWhenPaused.delete(job.id)) this.cancelWaiting(job.id);
      });
    // The final card goes out after the slot is released: a card Teams is slow to accept (or
    // throttles) must not keep the next transfer waiting.
    entry.done = transfer
      .then(async (final) => {
        if (final) await throttle.final(final);
      })
      .finally(() => {
        if (this.finishing.get(job.id) === entry) this.finishing.delete(job.id);
        // Signed in again while this job was still pausing: it continues now that its card said so.
        if (this.resumeWhenPaused.delete(job.id)) {
          void this.resumeWaiting(job.userId).catch((err: unknown) => this.deps.logger.error({ jobId: job.id, err: toAppError(err).toLog() }, 'resuming transfer after sign-in failed'));
        }
      });
  }

  /** Runs the job's files; resolves with the final record (already saved), undefined after shutdown. */
  private async execute(initial: TransferJob, entry: Running): Promise<TransferJob | undefined> {
    let job = initial;
    const save = async (next: TransferJob): Promise<TransferJob> => {
      job = { ...next, updatedAt: new Date().toISOString() };
      entry.latest = job;
      await this.persist(job);
      return job;
    };
    for (let i = 0; i < job.files.length; i++) {
      const file = job.files[i];
      if (!file || (file.state !== 'queued' && file.state !== 'running')) continue;
      if (entry.abort.signal.reason instanceof SignInPause) {
        entry.waitingForSignIn = true;
        break;
      }
      if (entry.abort.signal.aborted) {
        job = await save(withFile(job, i, { state: 'cancelled', session: undefined }));
        continue;
      }
      job = file.mode === 'link' ? await this.linkOne(job, i, entry, save) : await this.runFile(job, i, entry, save);
      if (entry.waitingForSignIn) break;
      // In a batch, each file's outcome reaches the card as it happens (the summary line counts
      // them); the last one's comes with the final card.
      if (job.files.slice(i + 1).some((f) => f.state === 'queued' || f.state === 'running')) entry.throttle.push(job);
    }
    return this.conclude(job, entry);
  }

  private async runFile(
    start: TransferJob,
    index: number,
    entry: Running,
    save: (job: TransferJob) => Promise<TransferJob>,
  ): Promise<TransferJob> {
    let job = await save(withFile(start, index, { state: 'running', startedAt: start.files[index]?.startedAt ?? new Date().toISOString() }));
    const file = job.files[index] as FileJob;
    const startedMs = Date.now();
    const firstByte = file.bytesDone;
    entry.live.set(index, { bytesPerSecond: undefined });
    let sessionExpired = false;
    let restarts = file.sessionRestarts ?? 0;
    /** Bytes already counted as accepted for this file (metrics). */
    let reported = file.bytesDone;
    // Progress callbacks arrive while saves are in flight: chain them so records are written in order.
    let chain: Promise<unknown> = Promise.resolve();
    const enqueue = (change: Partial<FileJob>): Promise<void> => {
      const saved = chain.then(async () => {
        job = await save(withFile(job, index, change));
      });
      chain = saved;
      return saved;
    };
    try {
      const result = await uploadAttachment(this.deps.sourceFor(job, file), taskTarget(job, file), this.deps.sinkFor(job), {
        chunkBytes: this.deps.chunkBytes,
        retryPolicy: this.deps.retryPolicy,
        signal: entry.abort.signal,
        resumeSession: file.session,
        preexistingAttachmentIds: file.preexistingAttachmentIds,
        startedAt: file.startedAt,
        spoolDir: this.deps.spoolDir,
        // Awaited by the engine: on disk before the POST, session or PUT that follows (kill -9).
        onPreexisting: (ids) => enqueue({ preexistingAttachmentIds: ids }),
        onSession: (session, size) => {
          if (!sessionExpired) return enqueue({ session, size });
          // A new session after an expired one starts again at byte 0: the card says why.
          sessionExpired = false;
          restarts++;
          const saved = enqueue({ session, size, bytesDone: 0, sessionRestarts: restarts });
          chain = chain.then(() => entry.throttle.push(job));
          return saved;
        },
        onProgress: ({ bytesDone, total }) => {
          if (bytesDone > reported) this.deps.observer?.bytesAccepted(bytesDone - reported);
          reported = Math.max(reported, bytesDone);
          const seconds = (Date.now() - startedMs) / 1000;
          entry.live.set(index, { bytesPerSecond: seconds > 0.2 ? (bytesDone - firstByte) / seconds : undefined });
          enqueue({ bytesDone, size: total });
          chain = chain.then(() => entry.throttle.push(job));
        },
        onEvent: (event) => {
          if (event.type === 'session-expired') {
            sessionExpired = true;
            reported = 0; // the new session counts from byte 0
          }
          if (event.type === 'retry') this.deps.observer?.retry(event.code, event.waitMs);
          this.deps.logger.debug({ jobId: job.id, file: index, event }, 'upload event');
        },
      });
      await chain;
      entry.live.delete(index);
      this.deps.logger.info({ jobId: job.id, file: index, size: result.size }, 'file attached');
      return await save(
        withFile(job, index, {
          state: 'done',
          bytesDone: result.size,
          size: result.size,
          attachmentId: result.attachmentId,
          sha256: result.sha256,
          session: undefined,
        }),
      );
    } catch (raw) {
      await chain.catch(() => undefined);
      entry.live.delete(index);
      const err = toAppError(raw);
      if (err.code === 'SIGN_IN_REQUIRED' || entry.abort.signal.reason instanceof SignInPause) {
        // Not a failure: the file waits, its upload session and progress kept, for the user's sign-in.
        entry.waitingForSignIn = true;
        this.deps.logger.info({ jobId: job.id, file: index }, 'transfer waits for its user to sign in');
        return await save(withFile(job, index, { state: 'queued' }));
      }
      const cancelled = err.code === 'CANCELLED';
      this.deps.logger[cancelled ? 'info' : 'warn']({ jobId: job.id, file: index, err: err.toLog() }, cancelled ? 'transfer cancelled' : 'transfer failed');
      return await save(
        withFile(job, index, {
          state: cancelled ? 'cancelled' : 'failed',
          session: undefined,
          error: cancelled ? undefined : { code: err.code, message: userMessage(err, file.name), requestId: err.requestId },
        }),
      );
    }
  }

  /** A file too large to attach: a link on the task and a line in its note (src/jobs/link-file.ts). */
  private async linkOne(start: TransferJob, index: number, entry: Running, save: (job: TransferJob) => Promise<TransferJob>): Promise<TransferJob> {
    const job = await save(withFile(start, index, { state: 'running', startedAt: start.files[index]?.startedAt ?? new Date().toISOString() }));
    const file = job.files[index] as FileJob;
    try {
      if (!this.deps.linkerFor || file.webUrl === undefined) throw new AppError('INTERNAL', 'This file cannot be linked.');
      const { linkedResourceId } = await linkFile(this.deps.linkerFor(job), job.target, { name: file.name, webUrl: file.webUrl, size: file.size }, { retryPolicy: this.deps.retryPolicy, signal: entry.abort.signal });
      this.deps.logger.info({ jobId: job.id, file: index }, 'file linked');
      return await save(withFile(job, index, { state: 'done', linkedResourceId }));
    } catch (raw) {
      const err = entry.abort.signal.aborted ? cancelledError(entry.abort.signal.reason) : toAppError(raw);
      if (err.code === 'SIGN_IN_REQUIRED' || entry.abort.signal.reason instanceof SignInPause) {
        entry.waitingForSignIn = true;
        return await save(withFile(job, index, { state: 'queued' }));
      }
      const cancelled = err.code === 'CANCELLED';
      this.deps.logger[cancelled ? 'info' : 'warn']({ jobId: job.id, file: index, err: err.toLog() }, cancelled ? 'link cancelled' : 'link failed');
      return await save(withFile(job, index, { state: cancelled ? 'cancelled' : 'failed', error: cancelled ? undefined : { code: err.code, message: userMessage(err, file.name), requestId: err.requestId } }));
    }
  }

  /**
   * Writes the record. A failed write (disk full, permissions) is logged, not thrown: the
   * transfer itself is fine, and its outcome must not turn into a failure (and a duplicate on
   * Retry) because the record could not be written.
   */
  private async persist(job: TransferJob): Promise<void> {
    if (this.stopped) return;
    try {
      await this.deps.store.save(job);
    } catch (err) {
      this.deps.logger.error({ jobId: job.id, err: toAppError(err).toLog() }, 'the job record could not be written');
    }
  }

  /** Saves the job's outcome; returns it for the final card (undefined after shutdown). */
  private async conclude(job: TransferJob, entry: Running): Promise<TransferJob | undefined> {
    const states = job.files.map((f) => f.state);
    const state: TransferJob['state'] = entry.waitingForSignIn
      ? 'waiting-sign-in'
      : states.includes('failed')
      ? 'failed'
      : states.includes('cancelled')
        ? 'cancelled'
        : 'done';
    if (this.stopped) return undefined;
    const final: TransferJob = { ...job, state, updatedAt: new Date().toISOString() };
    entry.latest = final;
    await this.persist(final);
    this.deps.observer?.transferEnded(state);
    return final;
  }
}

function bySubmission(a: TransferJob, b: TransferJob): number {
  const byTime = submittedAt(a) - submittedAt(b);
  if (byTime !== 0) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function submittedAt(job: TransferJob): number {
  const ms = Date.parse(job.createdAt);
  return Number.isNaN(ms) ? Number.MAX_SAFE_INTEGER : ms;
}

function withFile(job: TransferJob, index: number, change: Partial<FileJob>): TransferJob {
  return { ...job, files: job.files.map((f, i) => (i === index ? { ...f, ...change } : f)) };
}

function taskTarget(job: TransferJob, file: FileJob) {
  // Under the name chosen when it was planned (a distinct one when the task had a namesake).
  return { listId: job.target.listId, taskId: job.target.taskId, fileName: file.attachName ?? file.name, contentType: file.contentType };
}
