/**
 * Coalesces progress updates of one card. Teams throttles a bot at about 7 messages/updates
 * per second per conversation and answers 429 with Retry-After, so progress goes out at most
 * once per `minIntervalMs` (the latest value wins), while the final state is always delivered,
 * after any send in flight, and is never overtaken by an older value.
 */

export interface ProgressThrottleOptions<T> {
  /** Minimum time between the starts of two progress sends. Default 1000 ms. */
  minIntervalMs?: number;
  /** Delivers one update (e.g. updates the card). Throw with `retryAfterMs` (number) on 429. */
  send: (update: T) => Promise<void>;
  /** Told about an update that could not be delivered after its retries. */
  onError?: (err: unknown, update: T) => void;
  /** Attempts per progress update, first included. Default 5. */
  maxAttempts?: number;
  /** Attempts for the final update, first included: it matters more. Default 10. */
  finalMaxAttempts?: number;
  /** First backoff step for failures that do not say how long to wait. Default 500 ms, doubling. */
  backoffMs?: number;
  /** Cap on one wait, whether from Retry-After or backoff. Default 60 s. */
  maxDelayMs?: number;
  /** Whether a failure without `retryAfterMs` is worth retrying. Default: always. */
  shouldRetry?: (err: unknown) => boolean;
}

interface Item<T> {
  value: T;
  final: boolean;
}

export class ProgressThrottle<T> {
  private readonly minIntervalMs: number;
  private readonly maxAttempts: number;
  private readonly finalMaxAttempts: number;
  private readonly backoffMs: number;
  private readonly maxDelayMs: number;
  private pending: Item<T> | undefined;
  private loop: Promise<void> | undefined;
  private lastSendAt = Number.NEGATIVE_INFINITY;
  private finalized = false;
  /** Set by supersede(): nothing more is sent, not even a retry. */
  private superseded = false;
  private finalWaiters: Array<() => void> = [];
  /** Cuts the wait between two progress sends short when the final update arrives. */
  private wake: (() => void) | undefined;
  /** Ends whatever wait is running (interval or retry), for supersede(). */
  private endWait: (() => void) | undefined;

  constructor(private readonly options: ProgressThrottleOptions<T>) {
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.finalMaxAttempts = options.finalMaxAttempts ?? 10;
    this.backoffMs = options.backoffMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
  }

  /** Offers a progress value; it replaces any value not yet sent. Ignored once final() was called. */
  push(update: T): void {
    if (this.finalized) return;
    this.pending = { value: update, final: false };
    this.start();
  }

  /**
   * Delivers the final value: after the send in flight (if any) and at least one interval
   * after it, retried patiently. Resolves once it is delivered or given up (then onError was
   * called); never rejects, so a caller finishing a job cannot be derailed by the card.
   */
  final(update: T): Promise<void> {
    if (this.superseded) return Promise.resolve();
    this.finalized = true;
    this.pending = { value: update, final: true };
    const done = new Promise<void>((resolve) => this.finalWaiters.push(resolve));
    this.wake?.();
    this.start();
    return done;
  }

  /**
   * Drops every update not yet sent and stops retrying: the card now belongs to a newer run
   * of the job, whose own updates must not be overtaken by this one's. A send in flight
   * completes (wait for it with idle()); final() callers are released.
   */
  supersede(): void {
    this.superseded = true;
    this.finalized = true;
    this.pending = undefined;
    this.endWait?.();
    this.releaseFinalWaiters();
  }

  /** Resolves when nothing is waiting or being sent. */
  async idle(): Promise<void> {
    while (this.loop !== undefined) await this.loop;
  }

  private start(): void {
    if (this.loop !== undefined) return;
    this.loop = this.run().finally(() => {
      this.loop = undefined;
      if (this.pending !== undefined) this.start();
    });
  }

  private async run(): Promise<void> {
    while (this.pending !== undefined) {
      // Progress waits for the interval, cut short when the final value arrives; the final
      // one waits too (never skipped), so even the last two updates of a card stay an
      // interval apart: Teams throttles bots that update one message too often.
      if (!this.pending.final) await this.waitUntil(this.lastSendAt + this.minIntervalMs, true);
      if (this.pending?.final) await this.waitUntil(this.lastSendAt + this.minIntervalMs, false);
      const item = this.pending;
      if (item === undefined) break;
      this.pending = undefined;
      await this.deliver(item);
      if (item.final && this.pending === undefined) this.releaseFinalWaiters();
    }
  }

  private releaseFinalWaiters(): void {
    const waiters = this.finalWaiters;
    this.finalWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async deliver(item: Item<T>): Promise<void> {
    const maxAttempts = item.final ? this.finalMaxAttempts : this.maxAttempts;
    for (let attempt = 1; ; attempt++) {
      if (this.superseded) return;
      let failure: { err: unknown } | undefined;
      try {
        await this.options.send(item.value);
      } catch (err) {
        failure = { err };
      } finally {
        // Spaced from when the previous update was answered, i.e. as the connector sees them.
        this.lastSendAt = Date.now();
      }
      if (!failure || this.superseded) return;
      const retryAfterMs = retryAfterOf(failure.err);
      const retryable = retryAfterMs !== undefined || (this.options.shouldRetry?.(failure.err) ?? true);
      if (!retryable || attempt >= maxAttempts) {
        this.report(failure.err, item.value);
        return;
      }
      // The server said how long (Teams' 429 Retry-After); otherwise back off exponentially.
      const wait = Math.min(this.maxDelayMs, retryAfterMs ?? this.backoffMs * 2 ** (attempt - 1));
      await this.waitUntil(Math.max(Date.now() + wait, this.lastSendAt + this.minIntervalMs), false);
      // A newer value arrived while waiting: resending this stale one would only cost quota.
      if (this.pending !== undefined && (this.pending.final || !item.final)) return;
    }
  }

  private report(err: unknown, value: T): void {
    try {
      this.options.onError?.(err, value);
    } catch {
      // A failing error reporter must not stop later updates.
    }
  }

  private waitUntil(deadline: number, interruptible: boolean): Promise<void> {
    const ms = deadline - Date.now();
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        if (this.endWait === done) this.endWait = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (interruptible) this.wake = done;
      this.endWait = done;
    });
  }
}

function retryAfterOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const value = (err as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
