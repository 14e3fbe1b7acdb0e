import type { Logger } from 'pino';
import { toAppError } from '../errors';
import { endRemaining, type JobSource, type TransferJob } from './job';
import { repeat } from './repeat';
import type { JobStore } from './store';

/**
 * Job records must not keep secrets or pile up forever:
 * - a Teams download URL (tempauth, valid for minutes) leaves the record on disk as soon as the
 *   job ends; memory keeps it for DOWNLOAD_URL_GRACE_MS so Retry works right after a failure;
 * - a record is deleted JOB_RETENTION_DAYS after its job ended (`status` shows what is left);
 * - a job waiting for its user's sign-in ends (failed, with a sentence) once the user has not
 *   signed in for WAITING_SIGN_IN_MAX_MS (or the retention period, if shorter), and then
 *   follows the two rules above.
 * Running jobs, and waiting ones until then, keep everything: a restart resumes them.
 */

/** After this, a Teams download link has long expired: Retry asks for the file again anyway. */
export const DOWNLOAD_URL_GRACE_MS = 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * How long a transfer waits for its user's sign-in. A week covers a user away for the weekend
 * or a few days off; by then the Teams download link (minutes) and To Do's upload session have
 * long expired, so a later sign-in would only start over what a new send does too, and the
 * record would keep a dead link (a secret) and pile up for users who never come back.
 */
export const WAITING_SIGN_IN_MAX_MS = 7 * DAY_MS;

/**
 * Done, failed or cancelled. A job waiting for its user's sign-in has not ended: it resumes
 * (after a restart too) from its record, download link included.
 */
export function isEnded(job: Pick<TransferJob, 'state'>): boolean {
  return job.state === 'done' || job.state === 'failed' || job.state === 'cancelled';
}

/** The job with every download URL removed (sharing and hosted-content addresses are no secrets). */
export function withoutDownloadUrls(job: TransferJob): TransferJob {
  if (!job.files.some((f) => f.source.kind === 'download' && f.source.url !== undefined)) return job;
  return { ...job, files: job.files.map((f) => (f.source.kind === 'download' ? { ...f, source: { kind: 'download' } satisfies JobSource } : f)) };
}

export interface RetentionOptions {
  retentionMs: number;
  now?: () => number;
  /** Told about each waiting job the sweep ended, once its record is saved (its card can say so). */
  onEnded?: (job: TransferJob) => void;
}

/**
 * Ends waiting jobs past their wait, deletes ended records past the retention and forgets
 * download URLs past the grace period.
 */
export async function sweepJobs(store: JobStore, options: RetentionOptions): Promise<{ deleted: number; forgotten: number }> {
  const now = (options.now ?? Date.now)();
  let deleted = 0;
  let forgotten = 0;
  for (const { id } of store.list()) {
    // The record as it is now: a sign-in or a Cancel may have changed it while we awaited a write.
    let job = store.get(id);
    if (job?.state === 'waiting-sign-in') {
      const ended = endedWaiting(job, options.retentionMs, now);
      if (ended === undefined) continue;
      await store.save(ended);
      options.onEnded?.(ended);
      job = ended;
    }
    if (job === undefined || !isEnded(job)) continue;
    const endedAt = Date.parse(job.updatedAt);
    if (!Number.isFinite(endedAt)) continue;
    if (now - endedAt > options.retentionMs) {
      await store.delete(job.id);
      deleted++;
    } else if (now - endedAt > DOWNLOAD_URL_GRACE_MS && store.forgetDownloadUrls(job.id)) {
      forgotten++;
    }
  }
  return { deleted, forgotten };
}

/**
 * The waiting job ended as failed, dated when its wait ran out (the retention period counts from
 * then), or undefined while it may still wait.
 */
function endedWaiting(job: TransferJob, retentionMs: number, now: number): TransferJob | undefined {
  const since = Date.parse(job.updatedAt);
  const maxWaitMs = Math.min(WAITING_SIGN_IN_MAX_MS, retentionMs);
  if (!Number.isFinite(since) || now - since <= maxWaitMs) return undefined;
  const days = Math.max(1, Math.round(maxWaitMs / DAY_MS));
  const message = `The transfer stopped because you did not sign in again within ${days === 1 ? 'a day' : `${days} days`}.`;
  const ended = endRemaining(job, 'failed', { code: 'SIGN_IN_REQUIRED', message });
  return { ...ended, state: 'failed', updatedAt: new Date(since + maxWaitMs).toISOString() };
}

/** Sweeps once (resolving when done), then every hour until stopped (the timer never keeps the process alive). */
export async function startRetention(store: JobStore, options: RetentionOptions, logger: Logger): Promise<{ stop(): void }> {
  const onEnded = (job: TransferJob): void => {
    logger.info({ jobId: job.id }, 'a transfer waiting for sign-in too long was ended (retention)');
    options.onEnded?.(job);
  };
  const run = (): Promise<void> =>
    sweepJobs(store, { ...options, onEnded }).then(
      (r) => {
        if (r.deleted > 0 || r.forgotten > 0) logger.info(r, 'job records swept (retention)');
      },
      (err: unknown) => logger.warn({ err: toAppError(err).toLog() }, 'job record sweep failed'),
    );
  await run();
  return repeat(run, SWEEP_INTERVAL_MS);
}
