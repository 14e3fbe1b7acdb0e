/** Shapes of the To Do resources we read (subset of Graph's todoTaskList / todoTask). */
export interface TodoTaskList {
  id: string;
  displayName: string;
  isOwner?: boolean;
  isShared?: boolean;
  wellknownListName?: string;
}

export interface TodoTask {
  id: string;
  title: string;
  status?: string;
  importance?: string;
  hasAttachments?: boolean;
  createdDateTime?: string;
  lastModifiedDateTime?: string;
  /** When the task is due: Graph's `dueDateTime.dateTime` (ISO 8601, in `dueDateTime.timeZone`). */
  dueDateTime?: string;
}

/** The task's note as Graph returns it (To Do answers `text` even for notes written as HTML). */
export interface TaskNote {
  content: string;
  contentType: 'text' | 'html';
}

/** A link on a task back to something elsewhere (Graph `linkedResource`). */
export interface LinkedResource {
  id: string;
  webUrl?: string;
  applicationName?: string;
  displayName?: string;
  externalId?: string;
}

export interface TaskFileAttachment {
  id: string;
  name: string;
  size: number;
  contentType?: string;
  lastModifiedDateTime?: string;
}

export interface LinkedResourceInput {
  webUrl: string;
  applicationName: string;
  displayName: string;
  externalId?: string;
}

export interface ListTasksOptions {
  /** Leave out completed tasks ($filter=status ne 'completed'). */
  excludeCompleted?: boolean;
  /** Case-insensitive title search (contains). */
  search?: string;
  /** Page size hint ($top). */
  top?: number;
  /** Stop after this many results (follows @odata.nextLink until reached). */
  limit?: number;
  /** `$orderby`, e.g. `lastModifiedDateTime desc`. */
  orderBy?: string;
}

/** Supplies a bearer token; asked on every request. `forceRefresh` after a 401. */
export type TokenProvider = (options?: { forceRefresh?: boolean }) => Promise<string>;
