import type { AppError } from '../errors';
import type { OrderedHasher } from './hashing';
import { SourceCursor } from './source-cursor';
import { sizeMismatchError, toSourceError } from './source-errors';
import type { ByteSource } from './types';

export interface ChunkBufferOptions {
  source: ByteSource;
  total: number;
  hasher: OrderedHasher;
  signal: AbortSignal;
  /**
   * When the server asks for bytes beyond what was read: read through them (hashing, not
   * keeping) so the digest stays whole, or reopen the source there (a resumed session, whose
   * prefix an earlier process sent, is not read again just to hash it).
   */
  skipByReading: boolean;
}

/**
 * The window of source bytes the server has not accepted yet. The source is opened once and
 * read sequentially; a chunk's bytes are kept (as the Buffers the source gave, cut at chunk
 * boundaries without copying) until the server accepts them, so a failed PUT is replayed from
 * memory. It holds at most the unaccepted chunk plus the read-ahead the engine asks for
 * (READ_AHEAD_BYTES, 1 MiB: src/upload/chunk-plan.ts).
 */
export class ChunkBuffer {
  private pieces: Buffer[] = [];
  /** Offset of the first byte held. */
  private heldFrom = 0;
  /** Offset after the last byte held: where the open source stream stands. */
  private heldTo = 0;
  private cursor: SourceCursor | undefined;
  /** Bumped whenever the source is dropped, so a read still in flight is ignored. */
  private generation = 0;
  private busy: Promise<void> | undefined;
  private prefetching = false;
  /** A source failure the engine has not dealt with yet. */
  private failure: AppError | undefined;
  private closed = false;
  /** Most bytes held at once: instrumentation for the memory bound. */
  highWater = 0;

  constructor(private readonly opts: ChunkBufferOptions) {}

  get held(): number {
    return this.heldTo - this.heldFrom;
  }

  /** Whether `err` is this buffer's own source failure (not an error thrown into a body from outside). */
  isSourceFailure(err: unknown): boolean {
    return err !== undefined && err === this.failure;
  }

  /** Takes (and clears) a source failure not yet handled. */
  takeFailure(): AppError | undefined {
    const f = this.failure;
    this.failure = undefined;
    return f;
  }

  /**
   * Makes `offset` the next byte to send. Inside the window: drop what came before (the server
   * has it). Behind the window: reopen the source there. Ahead: skip.
   */
  async seek(offset: number): Promise<void> {
    if (offset >= this.heldFrom && offset <= this.heldTo) {
      this.dropBefore(offset);
      return;
    }
    if (offset < this.heldFrom || !this.opts.skipByReading || !this.opts.hasher.intact) {
      this.restartAt(offset);
      return;
    }
    this.dropBefore(this.heldTo);
    while (this.heldTo < offset) {
      await this.pull(offset);
      this.dropBefore(this.heldTo);
    }
  }

  /**
   * The bytes [from, to) for a chunk PUT, as they arrive: from the window first, then from the
   * source. Pulling only when the consumer asks for more is what gives backpressure.
   */
  async *range(from: number, to: number, stop: AbortSignal, onComplete?: () => void): AsyncGenerator<Buffer> {
    if (from < this.heldFrom || from > this.heldTo) throw new RangeError(`chunk start ${from} is not buffered`);
    let pos = from;
    while (pos < to) {
      // `stop` ends a body whose PUT is over: it must not keep reading once the engine moved on.
      if (stop.aborted) return;
      if (pos < this.heldTo) {
        const slices = this.slices(pos, Math.min(to, this.heldTo));
        for (const s of slices) {
          pos += s.length;
          yield s;
          if (stop.aborted) return;
        }
        continue;
      }
      await this.pull(to);
    }
    onComplete?.();
  }

  /** Reads ahead (while the server considers a chunk) up to `limit`, in the background. */
  prefetch(limit: number): void {
    if (this.prefetching || this.closed) return;
    this.prefetching = true;
    const generation = this.generation;
    void (async () => {
      try {
        while (!this.closed && generation === this.generation && this.heldTo < limit && !this.opts.signal.aborted) {
          await this.pull(limit);
        }
      } catch {
        // Kept in `failure` by pullPiece; the engine deals with it before the next PUT.
      } finally {
        this.prefetching = false;
      }
    })();
  }

  close(): void {
    this.closed = true;
    this.generation++;
    this.cursor?.destroy();
    this.cursor = undefined;
    this.pieces = [];
    this.heldFrom = this.heldTo;
  }

  private restartAt(offset: number): void {
    this.generation++;
    this.cursor?.destroy();
    this.cursor = undefined;
    this.pieces = [];
    this.heldFrom = this.heldTo = offset;
  }

  private dropBefore(offset: number): void {
    while (this.heldFrom < offset) {
      const first = this.pieces[0];
      if (first === undefined) break;
      const cut = offset - this.heldFrom;
      if (first.length <= cut) {
        this.pieces.shift();
        this.heldFrom += first.length;
      } else {
        this.pieces[0] = first.subarray(cut);
        this.heldFrom = offset;
      }
    }
  }

  private slices(from: number, to: number): Buffer[] {
    const out: Buffer[] = [];
    let pieceStart = this.heldFrom;
    for (const piece of this.pieces) {
      const pieceEnd = pieceStart + piece.length;
      if (pieceEnd > from && pieceStart < to) {
        out.push(piece.subarray(Math.max(0, from - pieceStart), Math.min(piece.length, to - pieceStart)));
      }
      if (pieceEnd >= to) break;
      pieceStart = pieceEnd;
    }
    return out;
  }

  /**
   * Appends at least one byte (up to `limit`), one reader at a time. Callers loop until they
   * have what they need, so while another read is in flight this only waits for it: waiting
   * for the reader to be free instead would starve a chunk body behind the read-ahead, which
   * takes the next read at once (measured: a 3.75 MiB chunk stalled ~0.4 s, bench/pipeline.ts).
   */
  private async pull(limit: number): Promise<void> {
    if (this.busy) {
      await this.busy.catch(() => undefined);
      // The read we waited for failed (e.g. the read-ahead found the source longer than
      // announced): a chunk body must fail too, never send what it already has as complete.
      if (this.failure) throw this.failure;
      return;
    }
    if (this.heldTo >= limit) return;
    if (this.failure) throw this.failure;
    const p = this.pullPiece(limit);
    this.busy = p;
    try {
      await p;
    } finally {
      if (this.busy === p) this.busy = undefined;
    }
  }

  private async pullPiece(limit: number): Promise<void> {
    const generation = this.generation;
    const { source, signal, total, hasher } = this.opts;
    try {
      if (this.cursor === undefined) {
        const stream = await source.open(this.heldTo, signal);
        if (generation !== this.generation) {
          stream.destroy();
          return;
        }
        this.cursor = new SourceCursor(stream);
      }
      const cursor = this.cursor;
      const piece = await cursor.read(limit - this.heldTo, signal);
      if (generation !== this.generation) return;
      if (piece === null) throw sizeMismatchError(total, 'short', this.heldTo);
      // The last byte must be the source's last: check before the piece is held, so no chunk
      // body can ever send it and a source longer than announced never becomes an attachment.
      if (this.heldTo + piece.length === total) {
        const extra = await cursor.read(1, signal);
        if (generation !== this.generation) return;
        if (extra !== null) throw sizeMismatchError(total, 'long');
      }
      hasher.update(this.heldTo, piece);
      this.pieces.push(piece);
      this.heldTo += piece.length;
      this.highWater = Math.max(this.highWater, this.heldTo - this.heldFrom);
    } catch (err) {
      if (generation !== this.generation) return;
      const e = toSourceError(err);
      // The next read reopens the source at the first byte not yet buffered.
      this.cursor?.destroy();
      this.cursor = undefined;
      this.failure = e;
      throw e;
    }
  }
}
