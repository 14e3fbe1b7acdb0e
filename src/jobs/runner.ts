import type { Logger } from 'pino';
import { toAppError, TransferSuspended, userMessage } from '../errors';
import type { RetryPolicy } from '../retry';
import { uploadAttachment } from '../upload/engine';
import type { AttachmentSink, ByteSource } from '../upload/types';
import type { FileJob, TransferJob } from './job';
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
  logger: Logger;
  maxConcurrent: number;
  /** One user's transfers running at once (default: no cap beyond maxConcurrent); freed slots go round-robin between users. */
  maxConcurrentPerUser?: number;
  chunkBytes: number;
  retryPolicy: RetryPolicy;
  /** Minimum time between two card updates ("at most about once per second"). */
  cardUpdateIntervalMs?: number;
  spoolDir?: string;
}

interface Running {
  /** The job as last saved: what a failure path must finish from (never the launch copy). */
  latest: TransferJob;
  started: boolean;
  abort: AbortController;
  throttle: ProgressThrottle<TransferJob>;
  live: Map<number, LiveFileProgress>;
  done: Promise<void>;
}

/**
 * Runs transfer jobs in the background (the invoke that started one has long been answered):
 * bounded concurrency, the record saved after every step so a restart resumes, progress
 * coalesced to about one card update per second, and a final update that is never lost.
 */
export class JobRunner {
  private readonly limiter: FairLimiter;
  private readonly running = new Map<string, Running>();
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

  /** Starts every job that was running when the process stopped (after a restart). */
  resumeAll(): number {
    let n = 0;
    for (const job of this.deps.store.list()) {
      if (job.state === 'running' && !this.running.has(job.id)) {
        this.deps.logger.info({ jobId: job.id }, 'resuming transfer after restart');
        this.launch(job);
        n++;
      }
    }
    return n;
  }

  isRunning(jobId: string): boolean {
    return this.running.has(jobId);
  }

  /** Cancels a running job: the engine deletes the upload session, so nothing is attached. */
  cancel(jobId: string): boolean {
    const r = this.running.get(jobId);
    if (!r) return false;
    r.abort.abort(new Error('cancelled by user'));
    return true;
  }

  /** Puts failed or cancelled files of a finished job back in the queue and runs it again. */
  async retry(jobId: string): Promise<TransferJob | undefined> {
    const job = this.deps.store.get(jobId);
    if (!job || job.state === 'running' || this.running.has(jobId)) return undefined;
    const now = new Date().toISOString();
    const files = job.files.map((f): FileJob =>
      f.state === 'failed' || f.state === 'cancelled' ? { ...f, state: 'queued', bytesDone: 0, error: undefined } : f,
    );
    const next: TransferJob = { ...job, files, state: 'running', updatedAt: now };
    await this.submit(next);
    return next;
  }

  /** Resolves when the job is no longer running (tests and shutdown wait on this, never sleep). */
  async settled(jobId: string): Promise<void> {
    await this.running.get(jobId)?.done;
  }

  async settleAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.done));
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

  private launch(job: TransferJob): void {
    if (!this.accepting) return;
    const abort = new AbortController();
    const live = new Map<number, LiveFileProgress>();
    const throttle = new ProgressThrottle<TransferJob>({
      minIntervalMs: this.deps.cardUpdateIntervalMs ?? 1000,
      send: async (snapshot) => {
        if (!this.stopped) await this.deps.notifier.show(snapshot, live);
      },
      onError: (err) => this.deps.logger.warn({ jobId: job.id, err: toAppError(err).toLog() }, 'card update failed'),
    });
    const entry: Running = { latest: job, started: false, abort, throttle, live, done: Promise.resolve() };
    this.running.set(job.id, entry);
    entry.done = this.limiter
      .run(job.userId, () => {
        entry.started = true;
        return this.execute(job, entry);
      }, abort.signal)
      .catch(async (raw: unknown) => {
        const err = toAppError(raw);
        if (!entry.started) {
          // Aborted while still waiting for a slot: nothing was uploaded.
          this.deps.logger.info({ jobId: job.id, err: err.toLog() }, 'transfer cancelled before it started');
          await this.finish(endRemaining(entry.latest, 'cancelled'), entry);
          return;
        }
        this.deps.logger.error({ jobId: job.id, err: err.toLog() }, 'transfer stopped by an unexpected error');
        await this.finish(endRemaining(entry.latest, 'failed', { code: err.code, message: userMessage(err) }), entry);
      })
      .finally(() => this.running.delete(job.id));
  }

  private async execute(initial: TransferJob, entry: Running): Promise<void> {
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
      if (entry.abort.signal.aborted) {
        job = await save(withFile(job, i, { state: 'cancelled', session: undefined }));
        continue;
      }
      job = await this.runFile(job, i, entry, save);
    }
    await this.finish(job, entry);
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
    // Progress callbacks arrive while saves are in flight: chain them so records are written in order.
    let chain: Promise<unknown> = Promise.resolve();
    const enqueue = (change: Partial<FileJob>): void => {
      chain = chain.then(async () => {
        job = await save(withFile(job, index, change));
      });
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
        onPreexisting: (ids) => enqueue({ preexistingAttachmentIds: ids }),
        onSession: (session, size) => enqueue({ session, size }),
        onProgress: ({ bytesDone, total }) => {
          const seconds = (Date.now() - startedMs) / 1000;
          entry.live.set(index, { bytesPerSecond: seconds > 0.2 ? (bytesDone - firstByte) / seconds : undefined });
          enqueue({ bytesDone, size: total });
          chain = chain.then(() => entry.throttle.push(job));
        },
        onEvent: (event) => this.deps.logger.debug({ jobId: job.id, file: index, event }, 'upload event'),
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

  private async finish(job: TransferJob, entry: Running): Promise<void> {
    const states = job.files.map((f) => f.state);
    const state: TransferJob['state'] = states.includes('failed')
      ? 'failed'
      : states.includes('cancelled')
        ? 'cancelled'
        : 'done';
    if (this.stopped) return;
    const final: TransferJob = { ...job, state, updatedAt: new Date().toISOString() };
    entry.latest = final;
    await this.persist(final);
    await entry.throttle.final(final);
  }
}

function withFile(job: TransferJob, index: number, change: Partial<FileJob>): TransferJob {
  return { ...job, files: job.files.map((f, i) => (i === index ? { ...f, ...change } : f)) };
}

function endRemaining(job: TransferJob, state: 'cancelled' | 'failed', error?: FileJob['error']): TransferJob {
  return {
    ...job,
    files: job.files.map((f) => (f.state === 'queued' || f.state === 'running' ? { ...f, state, session: undefined, error } : f)),
  };
}

function taskTarget(job: TransferJob, file: FileJob) {
  return { listId: job.target.listId, taskId: job.target.taskId, fileName: file.name, contentType: file.contentType };
}
