import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { AppError } from '../errors';

/**
 * Bandwidth shaping for the emulators: a token bucket per connection and per direction
 * (request bodies read, response bodies written). Pacing is computed from a "theoretical
 * arrival time" (GCRA) rather than by sleeping per byte, so timer overshoot is absorbed by
 * the burst allowance and the average rate stays within a few percent of the target.
 */
export interface ShapingSettings {
  /** Bytes per second per connection and direction; undefined = unlimited. */
  bytesPerSecond: number | undefined;
}

export const shapingSettingsSchema = z.strictObject({
  bytesPerSecond: z
    .number({ error: 'must be a number of bytes per second, or null for unlimited' })
    .int('must be a whole number')
    .positive('must be greater than 0')
    .nullable()
    .optional(),
});

/** How far ahead of schedule a connection may run (absorbs timer overshoot). */
const BURST_MS = 50;
/** Smallest burst, so tiny rates still move whole TCP segments. */
const MIN_BURST_BYTES = 16 * 1024;

class Pacer {
  /** performance.now() time at which everything taken so far is "paid for". */
  private tat = 0;

  /**
   * Milliseconds to wait before handling `bytes` more bytes at `rate` bytes/second. `fresh`
   * marks the first block of a body: an idle link earns no credit (the tolerance only
   * absorbs timer lateness inside a body), so a run of sequential chunks keeps the rate too.
   */
  take(bytes: number, rate: number, fresh: boolean): number {
    const now = performance.now();
    const toleranceMs = Math.max(BURST_MS, (MIN_BURST_BYTES / rate) * 1000);
    this.tat = Math.max(this.tat, fresh ? now + toleranceMs : now) + (bytes / rate) * 1000;
    return Math.max(0, this.tat - now - toleranceMs);
  }
}

interface ConnectionPacers {
  generation: number;
  read: Pacer;
  write: Pacer;
}

export class Shaping {
  private rate: number | undefined;
  private generation = 0;
  private readonly pacers = new WeakMap<Socket, ConnectionPacers>();

  set(settings: { bytesPerSecond: number | undefined | null }): void {
    const rate = settings.bytesPerSecond ?? undefined;
    if (rate !== undefined && (!Number.isFinite(rate) || rate <= 0)) {
      throw new AppError('BAD_REQUEST', 'bytesPerSecond must be a positive number, or undefined for unlimited.');
    }
    this.rate = rate;
    // New settings start every connection with a fresh bucket.
    this.generation++;
  }

  get(): ShapingSettings {
    return { bytesPerSecond: this.rate };
  }

  /** Wait (ms) before reading `bytes` more request-body bytes on this connection. */
  readDelay(socket: Socket, bytes: number, fresh = false): number {
    return this.delay(socket, bytes, 'read', fresh);
  }

  /** Wait (ms) before writing `bytes` more response-body bytes on this connection. */
  writeDelay(socket: Socket, bytes: number, fresh = false): number {
    return this.delay(socket, bytes, 'write', fresh);
  }

  /** Largest block worth writing at once (keeps pacing smooth at low rates). */
  writeBlockBytes(): number {
    if (this.rate === undefined) return 64 * 1024;
    return Math.max(1024, Math.min(64 * 1024, Math.floor(this.rate / 100)));
  }

  private delay(socket: Socket, bytes: number, direction: 'read' | 'write', fresh: boolean): number {
    const rate = this.rate;
    if (rate === undefined || bytes <= 0) return 0;
    let p = this.pacers.get(socket);
    if (!p || p.generation !== this.generation) {
      p = { generation: this.generation, read: new Pacer(), write: new Pacer() };
      this.pacers.set(socket, p);
    }
    return p[direction].take(bytes, rate, fresh);
  }
}
