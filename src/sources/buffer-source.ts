import { Readable } from 'node:stream';
import type { ByteSource } from '../upload/types';

export interface BufferSourceOptions {
  /** Whether `size` is announced (false: the engine must probe or spool). Default true. */
  announceSize?: boolean;
  /** Size of the pieces the stream produces. Default 64 KiB, like a file or socket. */
  pieceBytes?: number;
}

/** Bytes already in memory as a byte source: small payloads (hosted images) and tests. */
export function createBufferSource(bytes: Buffer, options: BufferSourceOptions = {}): ByteSource {
  const pieceBytes = options.pieceBytes ?? 65_536;
  return {
    size: options.announceSize === false ? undefined : bytes.length,
    open(offset: number, signal: AbortSignal): Promise<Readable> {
      async function* pieces(): AsyncGenerator<Buffer> {
        for (let at = offset; at < bytes.length; at += pieceBytes) yield bytes.subarray(at, Math.min(bytes.length, at + pieceBytes));
      }
      const stream = Readable.from(pieces(), { objectMode: false });
      if (signal.aborted) stream.destroy(signal.reason instanceof Error ? signal.reason : undefined);
      else {
        const onAbort = (): void => void stream.destroy();
        signal.addEventListener('abort', onAbort, { once: true });
        stream.once('close', () => signal.removeEventListener('abort', onAbort));
      }
      return Promise.resolve(stream);
    },
  };
}
