import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { ByteSource } from '../upload/types';

/**
 * A local file as a byte source (spooled downloads, benchmarks, the playground). The file is
 * opened first so a missing file fails open() itself rather than the first read.
 */
export function createFileSource(path: string, size?: number): ByteSource {
  return {
    size,
    async probeSize(): Promise<number> {
      return (await stat(path)).size;
    },
    async open(offset: number, signal: AbortSignal): Promise<Readable> {
      const handle = await open(path, 'r');
      return handle.createReadStream({ start: offset, signal, autoClose: true });
    },
  };
}
