import { randomUUID } from 'node:crypto';

/**
 * Server-side state a card or dialog refers to by id only (pickers, dialog offers). Entries
 * expire after a while and the oldest go first when full, so memory stays bounded.
 */
export class ExpiringStore<T extends { id: string; createdAt: number }> {
  private readonly entries = new Map<string, T>();

  constructor(
    private readonly ttlMs = 6 * 60 * 60 * 1000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  create(fields: Omit<T, 'id' | 'createdAt'>): T {
    this.sweep();
    const entry = { ...fields, id: randomUUID(), createdAt: this.now() } as T;
    this.entries.set(entry.id, entry);
    return entry;
  }

  get(id: string): T | undefined {
    const e = this.entries.get(id);
    if (e && this.now() - e.createdAt > this.ttlMs) {
      this.entries.delete(id);
      return undefined;
    }
    return e;
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  private sweep(): void {
    const cutoff = this.now() - this.ttlMs;
    for (const [id, e] of this.entries) if (e.createdAt < cutoff) this.entries.delete(id);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}
