import { randomUUID } from 'node:crypto';
import type { FileOffer } from './file-offers';

/** One file or pasted image of the message the dialog was opened on. */
export interface DialogFile extends FileOffer {
  /** Toggle id suffix (`file_<id>`): the index in the message, digits only. */
  id: string;
  kind: 'file' | 'image';
}

/** The Teams message the action was used on, as the dialog needs it. */
export interface SourceMessage {
  id: string;
  /** The message's deep link (`linkToMessage`), when Teams gave one. */
  link: string | undefined;
  /** Plain text of the message (HTML removed). */
  text: string;
}

/**
 * What a message-extension dialog may attach, kept server-side like the chat picker: the
 * dialog's Action.Submit carries only `offerId`, so a tampered submission can neither name
 * other files nor use someone else's dialog.
 */
export interface DialogOffer {
  id: string;
  ownerUserId: string;
  ownerName: string;
  files: DialogFile[];
  message: SourceMessage;
  createdAt: number;
  /** Set once Attach started a transfer, so a second submit never starts another. */
  jobId?: string;
  /** Set once a task was created or linked without files (a second submit does nothing). */
  doneText?: string;
}

export class DialogOfferStore {
  private readonly offers = new Map<string, DialogOffer>();

  constructor(
    private readonly ttlMs = 6 * 60 * 60 * 1000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  create(fields: Omit<DialogOffer, 'id' | 'createdAt'>): DialogOffer {
    this.sweep();
    const offer: DialogOffer = { ...fields, id: randomUUID(), createdAt: this.now() };
    this.offers.set(offer.id, offer);
    return offer;
  }

  get(id: string): DialogOffer | undefined {
    const o = this.offers.get(id);
    if (o && this.now() - o.createdAt > this.ttlMs) {
      this.offers.delete(id);
      return undefined;
    }
    return o;
  }

  private sweep(): void {
    const cutoff = this.now() - this.ttlMs;
    for (const [id, o] of this.offers) if (o.createdAt < cutoff) this.offers.delete(id);
    while (this.offers.size >= this.maxEntries) {
      const oldest = this.offers.keys().next().value;
      if (oldest === undefined) break;
      this.offers.delete(oldest);
    }
  }
}
