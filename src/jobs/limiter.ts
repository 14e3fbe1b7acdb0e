/**
 * Bounded concurrency for transfers, so 20 simultaneous uploads cannot starve the event loop
 * that answers card invokes, and fair between users: one user's transfers run at most
 * `maxPerKey` at a time, and freed slots go round-robin between the users waiting (a user with
 * 50 queued transfers gets one turn, then the next user does). Within one user, FIFO.
 *
 * Built to be extended: the per-key limit is a function (per-user or per-tenant policies can
 * vary it), and `pickNext` is the one place that decides whose turn it is.
 */
export interface FairLimiterOptions {
  /** Tasks running at once, all keys together. */
  max: number;
  /** Tasks of one key (user) running at once. */
  maxPerKey: number | ((key: string) => number);
}

interface Waiter {
  grant: () => void;
}

export class FairLimiter {
  private active = 0;
  private readonly activeByKey = new Map<string, number>();
  /** Waiting tasks of each key, oldest first. */
  private readonly queues = new Map<string, Waiter[]>();
  /** Keys with waiting tasks, in the order they started waiting. */
  private turns: string[] = [];
  /** When each key last got a slot (a counter): the least recently served key goes next. */
  private readonly lastServed = new Map<string, number>();
  private served = 0;
  private readonly max: number;
  private readonly limitFor: (key: string) => number;

  constructor(options: FairLimiterOptions) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new RangeError('max must be a positive integer');
    const perKey = options.maxPerKey;
    if (typeof perKey === 'number' && (!Number.isInteger(perKey) || perKey < 1)) throw new RangeError('maxPerKey must be a positive integer');
    this.max = options.max;
    this.limitFor = typeof perKey === 'number' ? () => perKey : perKey;
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  runningFor(key: string): number {
    return this.activeByKey.get(key) ?? 0;
  }

  queuedFor(key: string): number {
    return this.queues.get(key)?.length ?? 0;
  }

  async run<T>(key: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(key, signal);
    try {
      return await task();
    } finally {
      this.release(key);
    }
  }

  private acquire(key: string, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(reasonOf(signal));
    if (this.turns.length === 0 && this.canStart(key)) {
      this.start(key);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.remove(key, waiter);
        reject(reasonOf(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const queue = this.queues.get(key) ?? [];
      queue.push(waiter);
      this.queues.set(key, queue);
      if (!this.turns.includes(key)) this.turns.push(key);
      // A slot may be free for this key even though others wait (they are at their own cap).
      this.grantWhilePossible();
    });
  }

  private release(key: string): void {
    this.active--;
    const n = (this.activeByKey.get(key) ?? 1) - 1;
    if (n > 0) this.activeByKey.set(key, n);
    else this.activeByKey.delete(key);
    this.grantWhilePossible();
    // Bounded memory: a key with nothing running or waiting is forgotten.
    if (this.runningFor(key) === 0 && !this.queues.has(key)) this.lastServed.delete(key);
  }

  private grantWhilePossible(): void {
    for (let key = this.pickNext(); key !== undefined; key = this.pickNext()) {
      const queue = this.queues.get(key) ?? [];
      const waiter = queue.shift();
      if (queue.length === 0) {
        this.queues.delete(key);
        this.turns = this.turns.filter((k) => k !== key);
      }
      if (!waiter) continue;
      this.start(key);
      waiter.grant();
    }
  }

  /**
   * Whose turn it is, if a slot is free: among keys waiting and under their own cap, the one
   * served least recently (round-robin), then the one waiting longest.
   */
  private pickNext(): string | undefined {
    if (this.active >= this.max) return undefined;
    let best: string | undefined;
    for (const k of this.turns) {
      if (!this.canStart(k)) continue;
      if (best === undefined || (this.lastServed.get(k) ?? -1) < (this.lastServed.get(best) ?? -1)) best = k;
    }
    return best;
  }

  private canStart(key: string): boolean {
    return this.active < this.max && this.runningFor(key) < Math.max(1, this.limitFor(key));
  }

  private start(key: string): void {
    this.active++;
    this.activeByKey.set(key, this.runningFor(key) + 1);
    this.lastServed.set(key, this.served++);
  }

  private remove(key: string, waiter: Waiter): void {
    const queue = this.queues.get(key);
    if (!queue) return;
    const i = queue.indexOf(waiter);
    if (i >= 0) queue.splice(i, 1);
    if (queue.length === 0) {
      this.queues.delete(key);
      this.turns = this.turns.filter((k) => k !== key);
    }
  }
}

function reasonOf(signal: AbortSignal | undefined): Error {
  return signal?.reason instanceof Error ? signal.reason : new Error('aborted');
}
