import { performance, type IntervalHistogram } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Readable } from 'node:stream';

/** 25 MB as To Do counts it: the largest attachment a session accepts. */
export const FILE_BYTES = 26_214_400;
export const MiB = 1_048_576;

/** Progress and explanations: stderr only, so stdout ends with the one JSON line. */
export function say(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Seconds taken by `fn`, and its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const started = performance.now();
  const result = await fn();
  return { seconds: (performance.now() - started) / 1000, result };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Nearest-rank percentile (p in 0..100): the value at least p% of samples are at or below. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Reads a stream to its end, keeping nothing. */
export async function discard(stream: Readable | AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const piece of stream as AsyncIterable<Uint8Array>) n += piece.length;
  return n;
}

/** Reads a stream to its end into one Buffer. */
export async function collect(stream: Readable | AsyncIterable<Uint8Array>): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of stream as AsyncIterable<Uint8Array>) pieces.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
  return Buffer.concat(pieces);
}

/** Runs a full garbage collection when node was started with --expose-gc (run.ts makes sure it is). */
export async function settleMemory(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await delay(50);
  }
}

export interface RssPeak {
  peakRss: number;
  /** The other memoryUsage() figures at the moment of the peak. */
  atPeak: NodeJS.MemoryUsage;
  samples: number;
}

/** Samples process RSS every `everyMs` until stopped; reports the peak. */
export function sampleRss(everyMs = 20): { stop(): RssPeak } {
  let peak = process.memoryUsage();
  let samples = 1;
  const timer = setInterval(() => {
    const now = process.memoryUsage();
    samples++;
    if (now.rss > peak.rss) peak = now;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const last = process.memoryUsage();
      if (last.rss > peak.rss) peak = last;
      return { peakRss: peak.rss, atPeak: peak, samples: samples + 1 };
    },
  };
}

/**
 * Yields exactly `n` bytes taken from a shared iterator of pieces; a piece that runs past `n`
 * is cut and its rest kept in `carry` for the next call (no copies).
 */
export async function* take(
  source: AsyncIterator<Uint8Array>,
  n: number,
  carry: { rest: Buffer | undefined },
): AsyncGenerator<Buffer> {
  let left = n;
  while (left > 0) {
    let piece = carry.rest;
    carry.rest = undefined;
    if (piece === undefined) {
      const next = await source.next();
      if (next.done) throw new Error(`the download ended ${left} bytes early`);
      piece = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    }
    if (piece.length > left) {
      carry.rest = piece.subarray(left);
      piece = piece.subarray(0, left);
    }
    left -= piece.length;
    yield piece;
  }
}

/** Resolution of the event-loop delay histograms (ms). */
export const LOOP_RESOLUTION_MS = 10;

/**
 * An event-loop delay histogram as milliseconds of lateness: node records the whole interval,
 * so the sampling resolution is taken off.
 */
export function loopDelayOf(h: IntervalHistogram): { p50Ms: number; p99Ms: number; maxMs: number } {
  const ms = (ns: number): number => round(Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS), 1);
  return { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) };
}

/** A figure from several runs: the median, with the smallest and largest next to it. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[], digits = 3): Spread {
  return { median: round(median(values), digits), min: round(Math.min(...values), digits), max: round(Math.max(...values), digits) };
}
