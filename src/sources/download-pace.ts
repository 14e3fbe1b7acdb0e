import type { Readable } from 'node:stream';
import { AppError } from '../errors';

/**
 * A download must keep moving: at least `minBytesPerSecond` over every `rateWindowMs` in which the
 * transfer is waiting for bytes, and done within `deadlineMs` of its first request. A host that
 * drips (1 byte/s from a file announced as 1 MB) would otherwise hold a transfer slot forever.
 *
 * Time during which the reader applies backpressure (the upload is behind, e.g. To Do asked to
 * wait) does not count against the rate: only time the download itself is holding things up.
 */
export interface PaceLimits {
  minBytesPerSecond: number;
  rateWindowMs: number;
  deadlineMs: number;
}

export function tooSlowError(detail: string): AppError {
  return new AppError('DOWNLOAD_TOO_SLOW', detail);
}

/** One per file being transferred (shared by every request for it: reopens, redirects, fresh links). */
export class DownloadPace {
  private deadlineAt: number | undefined;

  constructor(
    private readonly limits: PaceLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Before each request: starts the deadline on the first, refuses once it has passed. */
  check(): void {
    this.deadlineAt ??= this.now() + this.limits.deadlineMs;
    if (this.now() >= this.deadlineAt) throw this.pastDeadline();
  }

  /**
   * Watches `body` (the response as it arrives) and destroys `out` (what the reader reads) with
   * DOWNLOAD_TOO_SLOW when the rate or the deadline is missed. Stops when `out` closes.
   */
  watch(body: Readable, out: Readable): void {
    this.check();
    const { minBytesPerSecond, rateWindowMs: windowMs } = this.limits;
    const tickMs = Math.max(50, Math.min(1000, Math.floor(windowMs / 4)));
    let waitedMs = 0;
    let bytes = 0;
    let last = this.now();
    const onData = (chunk: Buffer): void => {
      bytes += chunk.length;
    };
    body.on('data', onData);
    const timer = setInterval(() => {
      const now = this.now();
      const elapsed = now - last;
      last = now;
      if (this.deadlineAt !== undefined && now >= this.deadlineAt) return stop(this.pastDeadline());
      // Paused by the reader (backpressure): the host is not the one holding things up.
      if (body.isPaused() || body.readableEnded) {
        waitedMs = 0;
        bytes = 0;
        return;
      }
      waitedMs += elapsed;
      if (waitedMs < windowMs) return;
      const rate = (bytes * 1000) / waitedMs;
      if (rate < minBytesPerSecond) {
        return stop(tooSlowError(`The download ran at ${Math.round(rate)} bytes/s over ${Math.round(waitedMs / 1000)} s; the minimum is ${minBytesPerSecond} bytes/s.`));
      }
      waitedMs = 0;
      bytes = 0;
    }, tickMs);
    timer.unref();
    const stop = (err?: AppError): void => {
      clearInterval(timer);
      body.off('data', onData);
      if (err && !out.destroyed) out.destroy(err);
    };
    out.once('close', () => stop());
  }

  private pastDeadline(): AppError {
    return tooSlowError(`The download did not finish within ${this.limits.deadlineMs / 1000} s.`);
  }
}
