import { randomUUID } from 'node:crypto';
import type { FileOffer } from './file-offers';

/**
 * Pickers waiting for the user to choose a task. Kept in memory: the download URLs they hold
 * are short-lived anyway, so after a restart the card asks for the file again. The card only
 * carries the picker id: everything it refers to is looked up here, so tampered card data
 * cannot point the bot at another file or another user's picker.
 */
export interface Picker {
  id: string;
  ownerUserId: string;
  ownerName: string;
  files: FileOffer[];
  /** Raw botbuilder ConversationReference, opaque here. */
  reference: Record<string, unknown>;
  serviceUrl: string;
  conversationId: string;
  createdAt: number;
  /** Set once Attach was pressed, so a double press never starts two transfers. */
  jobId?: string;
}

export class PickerStore {
  private readonly pickers = new Map<string, Picker>();

  constructor(
    private readonly ttlMs = 6 * 60 * 60 * 1000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  create(fields: Omit<Picker, 'id' | 'createdAt'>): Picker {
    this.sweep();
    const picker: Picker = { ...fields, id: randomUUID(), createdAt: this.now() };
    this.pickers.set(picker.id, picker);
    return picker;
  }

  get(id: string): Picker | undefined {
    const p = this.pickers.get(id);
    if (p && this.now() - p.createdAt > this.ttlMs) {
      this.pickers.delete(id);
      return undefined;
    }
    return p;
  }

  markUsed(id: string, jobId: string): void {
    const p = this.pickers.get(id);
    if (p) p.jobId = jobId;
  }

  delete(id: string): void {
    this.pickers.delete(id);
  }

  private sweep(): void {
    const cutoff = this.now() - this.ttlMs;
    for (const [id, p] of this.pickers) if (p.createdAt < cutoff) this.pickers.delete(id);
    while (this.pickers.size >= this.maxEntries) {
      const oldest = this.pickers.keys().next().value;
      if (oldest === undefined) break;
      this.pickers.delete(oldest);
    }
  }
}
