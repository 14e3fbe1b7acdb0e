import type { PendingAttach } from './attach-plan';
import { ExpiringStore } from './expiring-store';
import type { FileOffer } from './file-offers';
import type { Suggestion } from './suggestions';

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
  /** True while an Attach press is being handled (before jobId exists): a second press waits its turn. */
  busy?: boolean;
  /** The likely tasks, best first (shown first on the card; chosen as `suggested:<i>`). */
  suggestions?: Suggestion[];
  /** Set while the card says some files are already on the task: what Attach was pressed for. */
  pending?: PendingAttach;
}

export class PickerStore extends ExpiringStore<Picker> {
  markUsed(id: string, jobId: string): void {
    const p = this.get(id);
    if (p) p.jobId = jobId;
  }
}
