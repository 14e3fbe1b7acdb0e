import type { PendingAttach } from './attach-plan';
import { ExpiringStore } from './expiring-store';
import type { FileOffer } from './file-offers';
import type { Suggestion } from './suggestions';

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
  /** True while a submit is being handled (before jobId exists): a second one is refused. */
  busy?: boolean;
  /** Set once a task was created or linked without files (a second submit does nothing). */
  doneText?: string;
  /** The likely tasks, best first (shown first in the dialog; chosen as `suggested:<i>`). */
  suggestions?: Suggestion[];
  /** Set while the dialog says some files are already on the task: what Attach was pressed for. */
  pending?: PendingAttach;
}

/** Dialog offers by id; the dialog's submit data carries only the id. */
export class DialogOfferStore extends ExpiringStore<DialogOffer> {}
