import { chmod, mkdir, mkdtemp, open, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileTooLargeError, MAX_ATTACHMENT_BYTES } from '../errors';
import type { RetryPolicy } from '../retry';
import { createFileSource } from '../sources/file-source';
import { RetryBudget } from './retry-budget';
import { toSourceError } from './source-errors';
import type { ByteSource, UploadEvent } from './types';

export interface Spooled {
  source: ByteSource;
  size: number;
  /** Deletes the temporary file; safe to call more than once. */
  remove(): Promise<void>;
}

export interface SpoolOptions {
  dir?: string;
  fileName: string;
  signal: AbortSignal;
  retryPolicy: RetryPolicy;
  onEvent?: (event: UploadEvent) => void;
}

const SPOOL_PREFIX = 'todo-attach-spool-';

/**
 * Creates the spool folder at startup (0700: the copies are users' files) and removes copies a
 * crash left behind (no transfer is running yet). Without it, every download of unknown size
 * would fail.
 */
export async function prepareSpoolDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  for (const name of await readdir(dir)) {
    if (name.startsWith(SPOOL_PREFIX)) await rm(path.join(dir, name), { recursive: true, force: true });
  }
}

/**
 * A source of unknown size (a download without Content-Length) is copied to a temporary file,
 * never to memory, to learn its size before To Do is asked for a session (which needs it). The
 * copy stops as soon as it passes To Do's 25 MB limit.
 */
export async function spoolToTempFile(source: ByteSource, opts: SpoolOptions): Promise<Spooled> {
  const dir = await mkdtemp(path.join(opts.dir ?? os.tmpdir(), SPOOL_PREFIX));
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  const file = path.join(dir, 'content');
  try {
    const size = await copyTo(source, file, opts);
    return { source: createFileSource(file, size), size, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

async function copyTo(source: ByteSource, file: string, opts: SpoolOptions): Promise<number> {
  const handle = await open(file, 'w');
  const budget = new RetryBudget(opts.retryPolicy, opts.signal, opts.onEvent);
  let written = 0;
  try {
    for (;;) {
      try {
        const stream = await source.open(written, opts.signal);
        try {
          for await (const piece of stream as AsyncIterable<Buffer>) {
            if (written + piece.length > MAX_ATTACHMENT_BYTES) {
              throw fileTooLargeError(opts.fileName, written + piece.length, true);
            }
            await handle.write(piece, 0, piece.length, written);
            written += piece.length;
            budget.reset();
          }
        } finally {
          stream.destroy();
        }
        return written;
      } catch (err) {
        const e = toSourceError(err);
        if (e.code === 'FILE_TOO_LARGE' || e.code === 'CANCELLED') throw e;
        // A dropped download resumes at the first byte not yet on disk.
        await budget.wait(e);
      }
    }
  } finally {
    await handle.close();
  }
}
