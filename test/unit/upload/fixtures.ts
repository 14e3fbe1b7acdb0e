import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { AppError } from '../../../src/errors';
import type { ByteSource, UploadTarget } from '../../../src/upload/types';

export const TARGET: UploadTarget = { listId: 'list-1', taskId: 'task=1/+x', fileName: 'report.pdf', contentType: 'application/pdf' };

export function bytesOf(size: number): Buffer {
  return randomBytes(size);
}

export interface TestSourceOptions {
  /** Announce `size` (default true). */
  announceSize?: boolean;
  /** Offer probeSize (default false). */
  probe?: boolean;
  /** The stream dies (retryable DOWNLOAD_FAILED) when it reaches each of these offsets, once each. */
  failAt?: number[];
  /** Bytes of each piece the stream produces (default 64 KiB). */
  pieceBytes?: number;
  /** Announce this size instead of the real one (to test size mismatches). */
  claimedSize?: number;
  /** Wait this long before each piece after the first (a slow download). */
  pieceDelayMs?: number;
}

/** A source over a Buffer that can drop mid-stream and counts what it produced. */
export class TestSource implements ByteSource {
  readonly opens: number[] = [];
  /** Bytes handed out by all streams together. */
  produced = 0;
  /** Furthest offset any stream reached. */
  furthest = 0;
  readonly size: number | undefined;
  readonly probeSize: ((signal: AbortSignal) => Promise<number | undefined>) | undefined;
  private readonly failAt: number[];

  constructor(
    readonly bytes: Buffer,
    private readonly options: TestSourceOptions = {},
  ) {
    const claimed = options.claimedSize ?? bytes.length;
    this.size = options.announceSize === false ? undefined : claimed;
    this.probeSize = options.probe ? () => Promise.resolve(claimed) : undefined;
    this.failAt = [...(options.failAt ?? [])].sort((a, b) => a - b);
  }

  open(offset: number, signal: AbortSignal): Promise<Readable> {
    this.opens.push(offset);
    const pieceBytes = this.options.pieceBytes ?? 65_536;
    const failAt = this.failAt;
    const delayMs = this.options.pieceDelayMs ?? 0;
    const self = this;
    async function* pieces(): AsyncGenerator<Buffer> {
      let at = offset;
      while (at < self.bytes.length) {
        if (delayMs > 0 && at > offset) await new Promise((r) => setTimeout(r, delayMs));
        if (signal.aborted) return;
        const i = failAt.findIndex((f) => f > at);
        const fail = i >= 0 ? failAt[i] : undefined;
        const end = Math.min(self.bytes.length, at + pieceBytes, fail ?? Number.MAX_SAFE_INTEGER);
        const piece = self.bytes.subarray(at, end);
        self.produced += piece.length;
        at = end;
        self.furthest = Math.max(self.furthest, at);
        yield piece;
        if (fail !== undefined && at === fail) {
          failAt.splice(i, 1);
          throw new AppError('DOWNLOAD_FAILED', 'The download was interrupted.', { retryable: true });
        }
      }
    }
    return Promise.resolve(Readable.from(pieces(), { objectMode: false }));
  }
}
