import { setTimeout as sleep } from 'node:timers/promises';
import { ProgressThrottle } from '../../../src/jobs/progress-throttle';

/** A send whose calls are recorded; `behave` decides per call (throw to fail, await to stall). */
function recorder(behave: (value: number, call: number) => Promise<void> | void = () => undefined) {
  const sent: number[] = [];
  const attempts: number[] = [];
  const send = async (value: number) => {
    attempts.push(value);
    await behave(value, attempts.length);
    sent.push(value);
  };
  return { sent, attempts, send };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const throttled = (retryAfterMs: number) => Object.assign(new Error('429 Too Many Requests'), { statusCode: 429, retryAfterMs });

function expectIncreasing(values: number[]): void {
  for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1] as number);
}

describe('ProgressThrottle', () => {
  test('a burst of pushes is coalesced: few sends, latest value wins, the final one last', async () => {
    const r = recorder();
    const throttle = new ProgressThrottle<number>({ minIntervalMs: 20, send: r.send });
    for (let i = 1; i <= 100; i++) throttle.push(i);
    await throttle.final(1000);
    expect(r.sent.length).toBeLessThanOrEqual(3);
    expect(r.sent.at(-1)).toBe(1000);
    expectIncreasing(r.sent);
  });

  test('pushes spread over time send at most one update per interval, in order', async () => {
    const r = recorder(() => sleep(1).then(() => undefined));
    const interval = 20;
    const throttle = new ProgressThrottle<number>({ minIntervalMs: interval, send: r.send });
    const started = Date.now();
    for (let i = 1; i <= 60; i++) {
      throttle.push(i);
      await sleep(2);
    }
    const elapsed = Date.now() - started;
    await throttle.final(1000);
    // Starts are at least `interval` apart, plus the final one which does not wait.
    expect(r.sent.length).toBeLessThanOrEqual(Math.floor(elapsed / interval) + 2);
    expect(r.sent.length).toBeLessThan(60);
    expect(r.sent.length).toBeGreaterThanOrEqual(2);
    expect(r.sent.at(-1)).toBe(1000);
    expectIncreasing(r.sent);
  });

  test('the final update waits for the send in flight, survives a 429 and is never overtaken', async () => {
    const stall = deferred();
    let finalCalls = 0;
    const r = recorder(async (value) => {
      if (value === 1) await stall.promise;
      if (value === 999 && ++finalCalls === 1) throw throttled(30);
    });
    const onError = jest.fn();
    const throttle = new ProgressThrottle<number>({ minIntervalMs: 20, send: r.send, onError });
    throttle.push(1);
    await sleep(5); // value 1 is now in flight, stalled
    throttle.push(2);
    const finalDone = throttle.final(999);
    throttle.push(3); // after final: too late, must not overtake it
    stall.resolve();
    await finalDone;
    expect(r.sent).toEqual([1, 999]);
    expect(r.attempts).toEqual([1, 999, 999]);
    expect(onError).not.toHaveBeenCalled();
    await throttle.idle();
    expect(r.sent).toEqual([1, 999]);
  });

  test('a progress update throttled with Retry-After is retried, or replaced by a newer value', async () => {
    const r = recorder((value, call) => {
      if (call === 1) throw throttled(15);
    });
    const throttle = new ProgressThrottle<number>({ minIntervalMs: 1, send: r.send });
    throttle.push(1);
    await throttle.idle();
    expect(r.sent).toEqual([1]);
    expect(r.attempts).toEqual([1, 1]);

    const r2 = recorder((value, call) => {
      if (call === 1) throw throttled(15);
    });
    const throttle2 = new ProgressThrottle<number>({ minIntervalMs: 1, send: r2.send });
    throttle2.push(1);
    await sleep(5); // 1 failed and waits out Retry-After; meanwhile 2 arrives
    throttle2.push(2);
    await throttle2.idle();
    expect(r2.sent).toEqual([2]);
  });

  test('failures without Retry-After are retried with backoff, then reported; later updates still go out', async () => {
    const boom = new Error('connection reset');
    const r = recorder((value) => {
      if (value === 1) throw boom;
    });
    const onError = jest.fn();
    const throttle = new ProgressThrottle<number>({ minIntervalMs: 1, backoffMs: 1, maxAttempts: 3, send: r.send, onError });
    throttle.push(1);
    await throttle.idle();
    expect(r.attempts).toEqual([1, 1, 1]);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError).toHaveBeenCalledWith(boom, 1);
    await throttle.final(2);
    expect(r.sent).toEqual([2]);
  });

  test('errors the caller marks as permanent are reported at once', async () => {
    const gone = Object.assign(new Error('card deleted'), { statusCode: 404 });
    const r = recorder(() => {
      throw gone;
    });
    const onError = jest.fn();
    const throttle = new ProgressThrottle<number>({
      send: r.send,
      onError,
      shouldRetry: (err) => (err as { statusCode?: number }).statusCode !== 404,
    });
    await throttle.final(7);
    expect(r.attempts).toEqual([7]);
    expect(onError).toHaveBeenCalledWith(gone, 7);
  });

  test('final() resolves (never rejects) even when every attempt fails, and reports the loss', async () => {
    const r = recorder(() => {
      throw throttled(1);
    });
    const onError = jest.fn();
    const throttle = new ProgressThrottle<number>({ minIntervalMs: 1, finalMaxAttempts: 4, send: r.send, onError });
    await expect(throttle.final(5)).resolves.toBeUndefined();
    expect(r.attempts).toEqual([5, 5, 5, 5]);
    expect(onError).toHaveBeenCalledTimes(1);
  });

  test('a final update arriving while progress waits replaces it, and still keeps one interval from the last update', async () => {
    const at: number[] = [];
    const r = recorder(() => {
      at.push(Date.now());
    });
    const throttle = new ProgressThrottle<number>({ minIntervalMs: 150, send: r.send });
    throttle.push(1);
    await sleep(5);
    throttle.push(2); // superseded by the final value
    await throttle.final(3);
    expect(r.sent).toEqual([1, 3]);
    // A card never gets two updates closer than the interval, not even the final one.
    expect((at[1] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(149);
  });
  test('supersede() stops retrying and drops what is not sent; a send in flight completes', async () => {
    const inFlight = deferred();
    const r = recorder(async (value, call) => {
      if (call === 1) await inFlight.promise;
      if (value === 2) throw new Error('503 Service Unavailable');
    });
    const onError = jest.fn();
    const throttle = new ProgressThrottle<number>({ minIntervalMs: 1, backoffMs: 60_000, send: r.send, onError });
    throttle.push(1);
    while (r.attempts.length === 0) await sleep(1);
    const finalDone = throttle.final(2);
    throttle.supersede();
    inFlight.resolve();
    await finalDone;
    await throttle.idle();
    expect(r.sent).toEqual([1]);
    expect(r.attempts).toEqual([1]);

    // Superseded while waiting out a long backoff: the wait ends at once, nothing is reported.
    const retrying = recorder(() => {
      throw new Error('503 Service Unavailable');
    });
    const second = new ProgressThrottle<number>({ minIntervalMs: 1, backoffMs: 60_000, send: retrying.send, onError });
    const waiting = second.final(3);
    while (retrying.attempts.length === 0) await sleep(1);
    second.supersede();
    await waiting;
    await second.idle();
    expect(retrying.attempts).toEqual([3]);
    expect(onError).not.toHaveBeenCalled();
    second.push(4);
    await expect(second.final(5)).resolves.toBeUndefined();
    expect(retrying.attempts).toEqual([3]);
  });
});
