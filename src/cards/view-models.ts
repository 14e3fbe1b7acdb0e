/**
 * What each card template in cards/ is filled with. Code builds one of these and calls
 * renderCard(name, viewModel); it never builds card JSON by hand. Strings here are shown to
 * users as they are, so they must be plain, friendly sentences (no codes, no URLs with tokens).
 */

/** A choice in a dropdown: `title` is shown, `value` comes back in the action data. */
export interface ChoiceOption {
  title: string;
  value: string;
}

// ---------- picker: the reply to a message with files in the 1:1 chat ----------

export interface PickerFile {
  /** Becomes the include toggle's id `file_<id>` (digits); defaults to the file's index. */
  id?: string;
  name: string;
  /** '' when the size is unknown. */
  sizeText: string;
  /** Cannot be attached (too large with no home to link to, a host not allowed, gone, unreadable…): `note` says why. */
  refused: boolean;
  /** The reason in a sentence, e.g. '“film.mp4” is 31.4 MB; To Do accepts files up to 25 MB.' */
  note?: string;
  /** An include toggle is shown for this file (several files, or a link instead of the file). */
  toggle?: boolean;
  /** The toggle's text, e.g. 'Attach this file · 2.0 MB' or 'Add a link to the task instead'. */
  toggleTitle?: string;
  /** The toggle starts on (default true). */
  toggleOn?: boolean;
}

export interface PickerCardData {
  /** Sent back as `{ pickerId }` in the data of every Action.Execute. */
  pickerId: string;
  files: PickerFile[];
  /** Typeahead search (`Data.Query`) on the choice sets; default true. Off for clients without it. */
  typeahead?: boolean;
  /** First page of the user's lists (static choices; typeahead fetches the rest). */
  lists: ChoiceOption[];
  /** Preselects this list, e.g. the most recently used one. */
  selectedListId?: string;
  /** First page of tasks of the selected list. */
  tasks: ChoiceOption[];
  selectedTaskId?: string;
  searchText?: string;
  /** False when no file can be attached: then only Cancel is offered. */
  canAttach: boolean;
  /** The main button: 'Attach' (default), or 'Add link' when every file goes on the task as a link. */
  attachTitle?: string;
  /** One line in attention colour, e.g. 'Pick a task or type a title for a new one.' */
  notice?: string;
}

// ---------- transfer: progress, then the final state, on the same message ----------

export type TransferFileState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'refused';
export type TransferState = 'running' | 'waiting-sign-in' | 'done' | 'failed' | 'cancelled';

export interface TransferFile {
  name: string;
  state: TransferFileState;
  /** 'Waiting', 'Uploading', 'Attached', 'Failed'… */
  stateText: string;
  /** 0..100; rounded and clamped when rendered. */
  percent: number;
  /** '4.2 MB of 9.0 MB · 1.3 MB/s · about 4 s left', or a sentence; '' for none. */
  detail: string;
  /** The upload began again at 0 in a new session (the old one expired): the card says why. */
  startedOver?: boolean;
}

export interface TransferCardData {
  /** Sent back as `{ transferId }` by Cancel and Retry. */
  transferId: string;
  state: TransferState;
  /** e.g. 'Attaching 2 files to “Prepare Q3 budget”'. */
  headline: string;
  taskTitle: string;
  listName: string;
  /** Shown as 'Open in To Do' when the transfer is done. */
  taskUrl?: string;
  files: TransferFile[];
  /** A sentence saying what went wrong and what to do. */
  errorText?: string;
  /** Graph's request-id, shown as 'Support code: …'. */
  requestId?: string;
  canCancel: boolean;
  canRetry: boolean;
  /** Paused until the user signs in: why, and a Sign in button. */
  waitingText?: string;
  canSignIn?: boolean;
  /** Several files: e.g. '3 of 4 attached, 1 too large (linked)'; '' for one file. */
  summary?: string;
}

// ---------- help, status, notice ----------

export interface HelpCommand {
  name: string;
  description: string;
}

export interface HelpCardData {
  title: string;
  intro: string;
  steps: string[];
  commands: HelpCommand[];
}

export interface StatusTransfer {
  /** e.g. 'budget.xlsx and 2 more'. */
  files: string;
  taskTitle: string;
  stateText: string;
  detail: string;
}

export interface StatusCardData {
  title: string;
  empty: boolean;
  emptyText: string;
  transfers: StatusTransfer[];
}

export type NoticeTone = 'default' | 'attention' | 'good';

export interface NoticeCardData {
  title: string;
  text: string;
  tone: NoticeTone;
}

// ---------- attach-dialog: the message extension's dialog ("…" → Attach to To Do) ----------

export interface DialogFile {
  /** Becomes the toggle id `file_<id>`: keep it to letters, digits, '-' and '_'. */
  id: string;
  name: string;
  sizeText: string;
  kind: 'file' | 'image';
  refused: boolean;
  note?: string;
  /** The toggle's text, e.g. 'Attach this file · 2.0 MB', 'Add a link to the task instead'. */
  toggleTitle?: string;
  /** The toggle starts on (default: unless too large). */
  toggleOn?: boolean;
}

export interface AttachDialogCardData {
  /** The server-side offer this dialog shows; every Action.Submit sends it back as `offerId`. */
  offerId: string;
  files: DialogFile[];
  /** As in PickerCardData; default true. */
  typeahead?: boolean;
  lists: ChoiceOption[];
  selectedListId?: string;
  tasks: ChoiceOption[];
  /** Preselected only when one suggested task clearly wins. */
  selectedTaskId?: string;
  defaultNewTaskTitle: string;
  /** The start of the message the action was used on, as plain text. */
  messagePreview: string;
  /** The message has a link (Teams gives one; the Agents Playground does not): offer to link the task to it. */
  canLinkBack: boolean;
  linkBackDefault: boolean;
  /** 'Attach' (default), or 'Add link' when every file that can go goes on the task as a link. */
  attachTitle?: string;
  notice?: string;
}

// ---------- already-attached: the file is on the task already (chat card or dialog) ----------

export interface AlreadyAttachedFile {
  name: string;
  /** e.g. 'already on this task (attached 12 Mar 2026, 14:05)'. */
  detail: string;
}

export interface AlreadyAttachedCardData {
  /** The message-extension dialog (Action.Submit) rather than the chat card (Action.Execute). */
  dialog: boolean;
  /** The picker id (chat) or offer id (dialog) the buttons send back. */
  id: string;
  headline: string;
  taskTitle: string;
  listName: string;
  files: AlreadyAttachedFile[];
  /** Files of the choice that are not there yet: 'Attach the other N' is offered when > 0. */
  others: number;
}

// ---------- the map renderCard is typed by ----------

export interface CardDataMap {
  picker: PickerCardData;
  transfer: TransferCardData;
  help: HelpCardData;
  status: StatusCardData;
  notice: NoticeCardData;
  'attach-dialog': AttachDialogCardData;
  'already-attached': AlreadyAttachedCardData;
}

export type CardName = keyof CardDataMap;

export const CARD_NAMES: readonly CardName[] = ['picker', 'transfer', 'help', 'status', 'notice', 'attach-dialog', 'already-attached'];

/** An expanded card, ready to send as `application/vnd.microsoft.card.adaptive` content. */
export interface AdaptiveCardJson extends Record<string, unknown> {
  type: 'AdaptiveCard';
  version: string;
}
