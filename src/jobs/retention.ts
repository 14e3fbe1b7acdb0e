import type { Logger } from 'pino';
import { toAppError } from '../errors';
import type { JobSource, TransferJob } from './job';
import type { JobStore } from './store';

/**
 * Job records must not keep secrets or pile up forever:
 * - a Teams download URL (tempauth, valid for minutes) leaves the record on disk as soon as the
 *   job ends; memory keeps it for DOWNLOAD_URL_GRACE_MS so Retry works right after a failure;
 * - a record is deleted JOB_RETENTION_DAYS after its job ended (`status` shows what is left).
 * Running and waiting jobs keep everything: a restart resumes them from their record.
 */

/** After this, a Teams download link has long expired: Retry asks for the file again anyway. */
export const DOWNLOAD_URL_GRACE_MS = 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

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
}

/** Deletes ended records past the retention and forgets download URLs past the grace period. */
export async function sweepJobs(store: JobStore, options: RetentionOptions): Promise<{ deleted: number; forgotten: number }> {
  const now = (options.now ?? Date.now)();
  let deleted = 0;
  let forgotten = 0;
  for (const job of store.list()) {
    if (!isEnded(job)) continue;
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

/** Sweeps once (resolving when done), then every hour until stopped (the timer never keeps the process alive). */
export async function startRetention(store: JobStore, options: RetentionOptions, logger: Logger): Promise<{ stop(): void }> {
  const run = (): Promise<void> =>
    sweepJobs(store, options).then(
      (r) => {
        if (r.deleted > 0 || r.forgotten > 0) logger.info(r, 'job records swept (retention)');
      },
      (err: unknown) => logger.warn({ err: toAppError(err).toLog() }, 'job record sweep failed'),
    );
  await run();
  const timer = setInterval(() => void run(), SWEEP_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
