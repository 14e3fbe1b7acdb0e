import { setTimeout as delay } from 'node:timers/promises';
import { AppError, cancelledError, toAppError } from './errors';

/**
 * A retry schedule as a value (tus-js-client habit): the caller decides how patient to be.
 * 429/503 wait what `Retry-After` says; 500/502/504 and dropped connections back off
 * exponentially with full jitter; attempts and total time are bounded.
 */
export interface RetryPolicy {
  /** Total attempts including the first. */
  maxAttempts: number;
  /** Give up once this much time has passed since the first attempt (ms). */
  maxTotalMs: number;
  /** First backoff step (ms) when the server does not say how long to wait. */
  baseDelayMs: number;
  /** Cap on one backoff step, and on a Retry-After we are willing to honour (ms). */
  maxDelayMs: number;
  /** Random source in [0, 1), replaceable so schedules are testable. */
  random?: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  maxTotalMs: 5 * 60_000,
  baseDelayMs: 500,
  maxDelayMs: 60_000,
};

/** For tests and emulator runs: same logic, short waits. */
export const FAST_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  maxTotalMs: 30_000,
  baseDelayMs: 5,
  maxDelayMs: 2_000,
};

/**
 * How long to wait before attempt number `attempt + 1` (attempt counts from 1), or undefined
 * when the error is not retryable or the policy is exhausted.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, err: AppError, elapsedMs: number): number | undefined {
  if (!err.retryable) return undefined;
  if (attempt >= policy.maxAttempts) return undefined;
  let wait: number;
  if (err.retryAfterMs !== undefined) {
    // The server said how long: honour it exactly (capped by our own patience).
    wait = Math.min(err.retryAfterMs, policy.maxDelayMs);
  } else {
    const random = policy.random ?? Math.random;
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    // "Full jitter": spreads retries of many clients hit by the same outage.
    wait = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }
  if (elapsedMs + wait > policy.maxTotalMs) return undefined;
  return wait;
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | string[] | undefined | null, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === null || v.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v.trim()) * 1000);
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    throw cancelledError(err);
  }
}

export interface RetryHooks {
  signal?: AbortSignal;
  onRetry?: (info: { attempt: number; waitMs: number; error: AppError }) => void;
}

/**
 * Runs `fn` until it succeeds, the error is not retryable, or the policy is exhausted.
 * The last error is rethrown as it is (its code says what went wrong).
 */
export async function withRetry<T>(policy: RetryPolicy, fn: (attempt: number) => Promise<T>, hooks: RetryHooks = {}): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    if (hooks.signal?.aborted) throw cancelledError(hooks.signal.reason);
    try {
      return await fn(attempt);
    } catch (raw) {
      const err = toAppError(raw);
      if (err.code === 'CANCELLED' || hooks.signal?.aborted) throw hooks.signal?.aborted ? cancelledError(hooks.signal.reason) : err;
      const wait = retryDelayMs(policy, attempt, err, Date.now() - started);
      if (wait === undefined) throw err;
      hooks.onRetry?.({ attempt, waitMs: wait, error: err });
      await sleep(wait, hooks.signal);
    }
  }
}
