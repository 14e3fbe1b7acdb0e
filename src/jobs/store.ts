import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors';
import { silentLogger, type Logger } from '../log';
import { TransferJobSchema, type TransferJob } from './job';
import { isEnded, withoutDownloadUrls } from './retention';

/**
 * Durable job records, one JSON file per job in DATA_DIR/jobs. The in-memory map is the read
 * path; disk is for surviving a restart (even kill -9). Records hold download and upload URLs,
 * so files are created with mode 0600 and their content is never logged.
 *
 * A write is atomic: the record goes to `<id>.json.tmp-<random>`, is fsynced, renamed over
 * `<id>.json`, and the directory is fsynced so the rename itself survives a power cut.
 */

export interface CorruptRecord {
  /** The file name in DATA_DIR/jobs, as it was found. */
  file: string;
  /** Why it was set aside (never the content: it may hold URLs). */
  reason: string;
  /** Where it is now, relative to DATA_DIR/jobs. */
  movedTo: string;
}

type Operation = { kind: 'write'; text: string } | { kind: 'delete' };

interface Slot {
  /** The newest operation not yet started; a newer save replaces an older one still waiting. */
  pending: { op: Operation; waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> } | undefined;
  /** The loop writing this id's operations one after another. */
  running: Promise<void> | undefined;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const RECORD_SUFFIX = '.json';
const TMP_MARKER = '.json.tmp-';
const CORRUPT_DIR = 'corrupt';

export class JobStore {
  private readonly jobs = new Map<string, TransferJob>();
  private readonly slots = new Map<string, Slot>();

  private constructor(
    /** DATA_DIR/jobs */
    readonly dir: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Loads every record. Records that are not JSON or fail the schema are moved to
   * DATA_DIR/jobs/corrupt/ and reported (never deleted, never silently dropped); temporary
   * files left by a crash mid-write are removed (the record they were replacing is intact).
   */
  static async open(dataDir: string, logger: Logger = silentLogger()): Promise<{ store: JobStore; corrupt: CorruptRecord[] }> {
    const dir = path.join(dataDir, 'jobs');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const store = new JobStore(dir, logger);
    const corrupt: CorruptRecord[] = [];
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isFile()) continue;
      if (entry.name.includes(TMP_MARKER)) {
        await unlink(path.join(dir, entry.name)).catch(ignoreMissing);
        logger.info({ file: entry.name }, 'removed a temporary job file left by an interrupted write');
        continue;
      }
      if (!entry.name.endsWith(RECORD_SUFFIX)) continue;
      const problem = await store.load(entry.name);
      if (problem === undefined) continue;
      const movedTo = await store.setAside(entry.name);
      corrupt.push({ file: entry.name, reason: problem, movedTo });
      logger.warn({ file: entry.name, reason: problem, movedTo }, 'job record is unreadable; moved aside');
    }
    if (corrupt.length > 0) await syncDirectory(dir);
    return { store, corrupt };
  }

  get(id: string): TransferJob | undefined {
    return this.jobs.get(id);
  }

  list(): TransferJob[] {
    return [...this.jobs.values()];
  }

  listByUser(userId: string): TransferJob[] {
    return this.list().filter((job) => job.userId === userId);
  }

  /**
   * Stores the record (validated) and resolves once it, or a newer save of the same id, is on
   * disk. Saves of one id are written in the order they were issued: an earlier save never
   * overwrites a later one, and a save still waiting is skipped when a newer one arrives.
   */
  async save(job: TransferJob): Promise<void> {
    const id = checkId(job.id);
    const parsed = TransferJobSchema.safeParse(job);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; ');
      throw new AppError('INTERNAL', `Refusing to save an invalid job record: ${problems}`);
    }
    // The parsed copy is ours: later changes to the caller's object do not leak into the store.
    // (An async function runs up to its first await at once, so issue order is kept.)
    this.jobs.set(id, parsed.data);
    // An ended job's download URLs (secrets) never reach the disk; memory keeps them a while for Retry.
    const onDisk = isEnded(parsed.data) ? withoutDownloadUrls(parsed.data) : parsed.data;
    return this.enqueue(id, { kind: 'write', text: `${JSON.stringify(onDisk, null, 2)}\n` });
  }

  /** Drops an ended job's download URLs from memory too (already absent on disk); true when there were some. */
  forgetDownloadUrls(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job || !isEnded(job)) return false;
    const stripped = withoutDownloadUrls(job);
    if (stripped === job) return false;
    this.jobs.set(id, stripped);
    return true;
  }

  /** Forgets the record and removes its file (after any write of it still in flight). */
  async delete(id: string): Promise<void> {
    checkId(id);
    this.jobs.delete(id);
    return this.enqueue(id, { kind: 'delete' });
  }

  /** Resolves when every save and delete issued so far is on disk (graceful shutdown). */
  async flush(): Promise<void> {
    for (;;) {
      const running = [...this.slots.values()].map((s) => s.running).filter((p): p is Promise<void> => p !== undefined);
      if (running.length === 0) return;
      await Promise.allSettled(running);
    }
  }

  private enqueue(id: string, op: Operation): Promise<void> {
    const slot = this.slots.get(id) ?? { pending: undefined, running: undefined };
    this.slots.set(id, slot);
    const done = new Promise<void>((resolve, reject) => {
      const waiters = slot.pending?.waiters ?? [];
      waiters.push({ resolve, reject });
      slot.pending = { op, waiters };
    });
    this.kick(id, slot);
    return done;
  }

  private kick(id: string, slot: Slot): void {
    if (slot.running !== undefined) return;
    slot.running = this.drain(id, slot).finally(() => {
      slot.running = undefined;
      // A waiter's continuation may have saved again before this ran: keep draining.
      if (slot.pending !== undefined) this.kick(id, slot);
      else this.slots.delete(id);
    });
  }

  private async drain(id: string, slot: Slot): Promise<void> {
    for (let next = slot.pending; next !== undefined; next = slot.pending) {
      slot.pending = undefined;
      try {
        if (next.op.kind === 'write') await this.writeAtomically(id, next.op.text);
        else await this.remove(id);
        for (const w of next.waiters) w.resolve();
      } catch (err) {
        this.logger.error({ jobId: id, err }, 'could not write job record');
        for (const w of next.waiters) w.reject(err);
      }
    }
  }

  private async writeAtomically(id: string, text: string): Promise<void> {
    const target = path.join(this.dir, `${id}${RECORD_SUFFIX}`);
    const tmp = `${target}.tmp-${randomBytes(6).toString('hex')}`;
    // 0600: the record holds pre-authorized download and upload URLs.
    const handle = await open(tmp, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o600);
    try {
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, target);
    } catch (err) {
      await unlink(tmp).catch(ignoreMissing);
      throw err;
    }
    await syncDirectory(this.dir);
  }

  private async remove(id: string): Promise<void> {
    await unlink(path.join(this.dir, `${id}${RECORD_SUFFIX}`)).catch(ignoreMissing);
    await syncDirectory(this.dir);
  }

  /** Loads one record into the map; returns why it cannot be used, or undefined when it loaded. */
  private async load(file: string): Promise<string | undefined> {
    const id = file.slice(0, -RECORD_SUFFIX.length);
    if (!ID_PATTERN.test(id)) return 'the file name is not a valid job id';
    const text = await readFile(path.join(this.dir, file), 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // JSON.parse's message quotes the content, which may hold URLs: say only what failed.
      return 'not valid JSON';
    }
    const parsed = TransferJobSchema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`);
      return `does not match the job schema (${issues.join('; ')})`.slice(0, 500);
    }
    if (parsed.data.id !== id) return 'the id inside the record does not match the file name';
    this.jobs.set(id, parsed.data);
    return undefined;
  }

  private async setAside(file: string): Promise<string> {
    const corruptDir = path.join(this.dir, CORRUPT_DIR);
    await mkdir(corruptDir, { recursive: true, mode: 0o700 });
    const existing = new Set(await readdir(corruptDir));
    // Never overwrite an earlier casualty: it may be the only copy someone wants to inspect.
    const name = existing.has(file) ? `${file}.${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}` : file;
    await rename(path.join(this.dir, file), path.join(corruptDir, name));
    await syncDirectory(corruptDir);
    return `${CORRUPT_DIR}/${name}`;
  }
}

function checkId(id: string): string {
  // Ids become file names: nothing that could climb out of the directory or need escaping.
  if (!ID_PATTERN.test(id)) throw new AppError('INTERNAL', 'A job id may only contain letters, digits, "_" and "-" (1 to 128 characters).');
  return id;
}

/** Makes a rename or unlink in `dir` durable. Some platforms cannot open a directory: skip there. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch (err) {
    if (isCode(err, 'EISDIR') || isCode(err, 'EPERM') || isCode(err, 'EACCES')) return;
    throw err;
  }
  try {
    await handle.sync().catch((err: unknown) => {
      if (!isCode(err, 'EINVAL') && !isCode(err, 'EPERM')) throw err;
    });
  } finally {
    await handle.close();
  }
}

function ignoreMissing(err: unknown): void {
  if (!isCode(err, 'ENOENT')) throw err;
}

function isCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
