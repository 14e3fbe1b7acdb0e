import { randomUUID } from 'node:crypto';
import { AppError } from '../errors';

/**
 * Server-side state a card or dialog refers to by id only (pickers, dialog offers). Bounded
 * three ways, so no sender can make it grow: entries expire, one user holds at most
 * `maxPerOwner` of them (their oldest goes first), and the whole store stays under `maxBytes`
 * (the oldest entries go first; one entry bigger than the budget is refused).
 */
export interface ExpiringStoreOptions {
  ttlMs?: number;
  maxEntries?: number;
  maxPerOwner?: number;
  maxBytes?: number;
  now?: () => number;
}

interface Sized<T> {
  entry: T;
  bytes: number;
}

const DEFAULTS = { ttlMs: 6 * 60 * 60 * 1000, maxEntries: 10_000, maxPerOwner: 20, maxBytes: 16 * 1024 * 1024 };

export class ExpiringStore<T extends { id: string; createdAt: number; ownerUserId: string }> {
  /** In creation order: the first entries are the oldest. */
  private readonly entries = new Map<string, Sized<T>>();
  private readonly byOwner = new Map<string, string[]>();
  private totalBytes = 0;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly maxPerOwner: number;
  private readonly maxBytes: number;
  private readonly now: () => number;

  constructor(options: ExpiringStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULTS.ttlMs;
    this.maxEntries = options.maxEntries ?? DEFAULTS.maxEntries;
    this.maxPerOwner = options.maxPerOwner ?? DEFAULTS.maxPerOwner;
    this.maxBytes = options.maxBytes ?? DEFAULTS.maxBytes;
    this.now = options.now ?? Date.now;
  }

  /** Approximate memory held by the entries (UTF-8 size of their JSON at creation). */
  get bytes(): number {
    return this.totalBytes;
  }

  get size(): number {
    return this.entries.size;
  }

  create(fields: Omit<T, 'id' | 'createdAt'>): T {
    const entry = { ...fields, id: randomUUID(), createdAt: this.now() } as T;
    const bytes = Buffer.byteLength(JSON.stringify(entry));
    if (bytes > this.maxBytes) throw new AppError('BAD_REQUEST', 'This is too large to keep; send fewer or smaller files.');
    this.sweep();
    for (let mine = this.byOwner.get(entry.ownerUserId) ?? []; mine.length >= this.maxPerOwner; mine = this.byOwner.get(entry.ownerUserId) ?? []) {
      this.delete(mine[0] as string);
    }
    while (this.entries.size >= this.maxEntries || this.totalBytes + bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.delete(oldest);
    }
    this.entries.set(entry.id, { entry, bytes });
    this.totalBytes += bytes;
    this.byOwner.set(entry.ownerUserId, [...(this.byOwner.get(entry.ownerUserId) ?? []), entry.id]);
    return entry;
  }

  get(id: string): T | undefined {
    const e = this.entries.get(id);
    if (e && this.now() - e.entry.createdAt > this.ttlMs) {
      this.delete(id);
      return undefined;
    }
    return e?.entry;
  }

  delete(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    this.totalBytes -= e.bytes;
    const owner = e.entry.ownerUserId;
    const left = (this.byOwner.get(owner) ?? []).filter((x) => x !== id);
    if (left.length > 0) this.byOwner.set(owner, left);
    else this.byOwner.delete(owner);
  }

  private sweep(): void {
    const cutoff = this.now() - this.ttlMs;
    for (const [id, e] of this.entries) if (e.entry.createdAt < cutoff) this.delete(id);
  }
}
