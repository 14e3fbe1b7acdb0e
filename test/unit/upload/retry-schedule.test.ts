import { AppError } from '../../../src/errors';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelayMs, withRetry, type RetryPolicy } from '../../../src/retry';

const retryable = new AppError('GRAPH_SERVER_ERROR', 'x', { status: 500, retryable: true });
const fixed = (r: number): RetryPolicy => ({ ...DEFAULT_RETRY_POLICY, random: () => r });

describe('retryDelayMs', () => {
  it('backs off exponentially with full jitter between half and all of each step', () => {
    expect([1, 2, 3, 4, 5].map((a) => retryDelayMs(fixed(0), a, retryable, 0))).toEqual([250, 500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4, 5].map((a) => retryDelayMs(fixed(0.999999), a, retryable, 0))).toEqual([500, 1000, 2000, 4000, 8000]);
    expect(retryDelayMs(fixed(0.5), 1, retryable, 0)).toBe(375);
  });

  it('caps each step at maxDelayMs', () => {
    expect(retryDelayMs({ ...fixed(0.999999), maxAttempts: 100 }, 20, retryable, 0)).toBe(60_000);
  });

  it('honours Retry-After exactly, capped by the policy', () => {
    const throttled = new AppError('GRAPH_THROTTLED', 'x', { status: 429, retryable: true, retryAfterMs: 7000 });
    expect(retryDelayMs(fixed(0), 1, throttled, 0)).toBe(7000);
    const longWait = new AppError('GRAPH_THROTTLED', 'x', { status: 429, retryable: true, retryAfterMs: 3_600_000 });
    expect(retryDelayMs(fixed(0), 1, longWait, 0)).toBe(60_000);
  });

  it('stops for errors that are not retryable, after maxAttempts, and past maxTotalMs', () => {
    expect(retryDelayMs(fixed(0), 1, new AppError('GRAPH_FORBIDDEN', 'x', { status: 403 }), 0)).toBeUndefined();
    expect(retryDelayMs(fixed(0), DEFAULT_RETRY_POLICY.maxAttempts, retryable, 0)).toBeUndefined();
    expect(retryDelayMs(fixed(0), 2, retryable, DEFAULT_RETRY_POLICY.maxTotalMs - 100)).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('7')).toBe(7000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter(['3', '9'])).toBe(3000);
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Sun, 31 Dec 2023 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('withRetry', () => {
  it('retries until success and reports each wait', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetry({ ...fixed(0), baseDelayMs: 2 }, async () => {
      calls++;
      if (calls < 3) throw retryable;
      return 'ok';
    }, { onRetry: ({ waitMs }) => waits.push(waitMs) });
    expect(result).toBe('ok');
    expect(waits).toEqual([1, 2]);
  });

  it('rethrows the last error as it is when the policy is exhausted', async () => {
    const policy = { ...fixed(0), maxAttempts: 3, baseDelayMs: 1 };
    let calls = 0;
    await expect(withRetry(policy, async () => {
      calls++;
      throw retryable;
    })).rejects.toBe(retryable);
    expect(calls).toBe(3);
  });
});
