import type { Readable } from 'node:stream';
import { cancelledError } from '../errors';

/**
 * Reads an open source stream piece by piece, never taking more than asked: a piece that runs
 * past the limit is cut (without copying) and the rest is handed back to the stream with
 * unshift(), so it stays in the stream's own buffer and keeps exerting backpressure on the
 * source instead of growing ours.
 */
export class SourceCursor {
  private error: unknown;
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(private readonly stream: Readable) {
    // A stream may have failed before it was handed over (e.g. a response kept for later).
    if (stream.errored) this.error = stream.errored;
    const notify = (): void => {
      const w = this.wake;
      this.wake = undefined;
      w?.();
    };
    stream.on('readable', notify);
    stream.on('end', () => {
      this.ended = true;
      notify();
    });
    stream.on('error', (err: unknown) => {
      this.error ??= err;
      notify();
    });
    stream.on('close', notify);
  }

  /** The next piece of at most `max` bytes (max ≥ 1), or null at the end of the stream. */
  async read(max: number, signal: AbortSignal): Promise<Buffer | null> {
    for (;;) {
      if (signal.aborted) throw cancelledError(signal.reason);
      if (this.error !== undefined) throw this.error;
      const raw: unknown = this.stream.read();
      if (raw !== null && raw !== undefined) {
        const piece = toBuffer(raw);
        if (piece.length > max) {
          this.stream.unshift(piece.subarray(max));
          return piece.subarray(0, max);
        }
        if (piece.length > 0) return piece;
        continue;
      }
      if (this.ended || this.stream.readableEnded) return null;
      if (this.stream.destroyed) {
        // Destroyed without 'end' or an error: the connection went away mid-body.
        throw Object.assign(new Error('source stream closed before its end'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
      }
      await this.changed(signal);
    }
  }

  private changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const onAbort = (): void => done();
      const done = (): void => {
        signal.removeEventListener('abort', onAbort);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  destroy(): void {
    this.stream.destroy();
  }
}

function toBuffer(raw: unknown): Buffer {
  if (Buffer.isBuffer(raw)) return raw;
  if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (typeof raw === 'string') return Buffer.from(raw);
  throw new TypeError('a byte source must produce bytes');
}
