import type { AppError } from '../errors';
import { retryDelayMs, sleep, type RetryPolicy } from '../retry';
import type { UploadEvent } from './types';

/**
 * The attempts left for one stuck point of a transfer. A transfer of many chunks may meet many
 * unrelated hiccups: the count starts again whenever the server accepts more bytes, so the
 * policy bounds each failure streak rather than the whole file.
 */
export class RetryBudget {
  private attempt = 0;
  private streakStarted = 0;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly signal: AbortSignal,
    private readonly onEvent?: (event: UploadEvent) => void,
  ) {}

  /** Waits as the policy says before trying again; throws `err` when it says stop. */
  async wait(err: AppError): Promise<void> {
    if (this.attempt === 0) this.streakStarted = Date.now();
    this.attempt++;
    const waitMs = retryDelayMs(this.policy, this.attempt, err, Date.now() - this.streakStarted);
    if (waitMs === undefined) throw err;
    this.onEvent?.({ type: 'retry', attempt: this.attempt, waitMs, code: err.code });
    await sleep(waitMs, this.signal);
  }

  /** Progress was made: the next failure starts a new streak. */
  reset(): void {
    this.attempt = 0;
  }
}
