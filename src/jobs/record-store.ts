import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { ConditionalRecordStore } from '../identity/exchange-dedup';
import { repeat } from './repeat';

/**
 * Small records with ETags next to the job records (DATA_DIR/records), for claims that must be
 * made exactly once (the SSO exchange de-duplication). Creation is atomic across processes
 * (link() refuses an existing name); a conditional replace is atomic within this process, which is the job store's own
 * rule: one instance per DATA_DIR. A store shared by several instances (Azure Storage)
 * implements the same interface with If-None-Match / If-Match.
 */
export interface RecordStoreOptions {
  /** Records older than this are removed (they only guard minutes). Default a day. */
  maxAgeMs?: number;
  /** How often that is done after the sweep at opening. Default an hour. */
  sweepIntervalMs?: number;
  /** Told when a periodic sweep fails (the next one tries again). */
  onSweepError?: (err: unknown) => void;
}

export class FileRecordStore implements ConditionalRecordStore {
  private readonly locks = new Map<string, Promise<unknown>>();
  private sweeper: { stop(): void } | undefined;

  private constructor(readonly dir: string) {}

  /**
   * Opens DATA_DIR/records and removes old records, then again every hour until close(): one
   * claim per sign-in must not pile up on a server that runs for months.
   */
  static async open(dataDir: string, options: RecordStoreOptions = {}): Promise<FileRecordStore> {
    const maxAgeMs = options.maxAgeMs ?? 24 * 60 * 60_000;
    const dir = path.join(dataDir, 'records');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const store = new FileRecordStore(dir);
    await store.sweep(maxAgeMs);
    store.sweeper = repeat(
      () => store.sweep(maxAgeMs).then(
        () => undefined,
        (err: unknown) => options.onSweepError?.(err),
      ),
      options.sweepIntervalMs ?? 60 * 60_000,
    );
    return store;
  }

  /** Stops the periodic sweep. */
  close(): void {
    this.sweeper?.stop();
  }

  async createIfAbsent(key: string, value: string): Promise<string | undefined> {
    // Written aside, then hard-linked into place: link() fails if the name exists, so the
    // record appears atomically and whole (a reader never sees it half written).
    const tmp = await this.writeAside(key, value);
    try {
      await link(tmp, this.file(key));
      return etagOf(value);
    } catch (err) {
      if (isCode(err, 'EEXIST')) return undefined;
      throw err;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  async read(key: string): Promise<{ value: string; etag: string } | undefined> {
    try {
      const value = await readFile(this.file(key), 'utf8');
      return { value, etag: etagOf(value) };
    } catch (err) {
      if (isCode(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  async replaceIf(key: string, value: string, etag: string): Promise<string | undefined> {
    return this.exclusive(key, async () => {
      const current = await this.read(key);
      if (!current || current.etag !== etag) return undefined;
      const target = this.file(key);
      const tmp = await this.writeAside(key, value);
      await rename(tmp, target);
      return etagOf(value);
    });
  }

  /** Removes records (and leftovers of interrupted writes) older than `maxAgeMs`. */
  async sweep(maxAgeMs: number): Promise<number> {
    let removed = 0;
    const cutoff = Date.now() - maxAgeMs;
    for (const name of await readdir(this.dir)) {
      const file = path.join(this.dir, name);
      const info = await stat(file).catch(() => undefined);
      if (info && (info.mtimeMs < cutoff || (name.includes('.tmp-') && info.mtimeMs < Date.now() - 60_000))) {
        await unlink(file).catch(() => undefined);
        removed++;
      }
    }
    return removed;
  }

  private async writeAside(key: string, value: string): Promise<string> {
    const tmp = `${this.file(key)}.tmp-${randomBytes(6).toString('hex')}`;
    const handle = await open(tmp, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o600);
    try {
      await handle.writeFile(value, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    return tmp;
  }

  /** Keys become hashed file names: any text is safe, none can leave the directory. */
  private file(key: string): string {
    return path.join(this.dir, `${createHash('sha256').update(key).digest('hex')}.json`);
  }

  private async exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }
}

function etagOf(value: string): string {
  return `"${createHash('sha256').update(value).digest('base64url').slice(0, 27)}"`;
}

function isCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
