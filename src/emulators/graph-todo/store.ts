import { createHash, randomBytes } from 'node:crypto';
import { SEED_LISTS } from './seed';

/**
 * The Graph emulator's in-memory data: lists, tasks, attachments (bytes kept as the chunks
 * they arrived in) and upload sessions.
 */

export const TASK_FILE_ATTACHMENT_TYPE = '#microsoft.graph.taskFileAttachment';

export interface StoredAttachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  parts: Buffer[];
  sha256: string;
  lastModifiedDateTime: string;
}

export interface StoredLinkedResource {
  id: string;
  webUrl?: string;
  applicationName?: string;
  displayName?: string;
  externalId?: string;
}

export interface StoredTask {
  id: string;
  title: string;
  status: string;
  importance: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  /** The note as To Do returns it (text; HTML written to it is kept as its text). */
  body: string;
  /** ISO date-time in UTC, when the task has a due date. */
  dueDateTime?: string;
  attachments: Map<string, StoredAttachment>;
  /** Links back to where the task came from (Graph `linkedResources`). */
  linkedResources: StoredLinkedResource[];
}

export interface StoredList {
  id: string;
  displayName: string;
  isOwner: boolean;
  isShared: boolean;
  wellknownListName: string;
  tasks: Map<string, StoredTask>;
}

export interface StoredSession {
  id: string;
  listId: string;
  taskId: string;
  name: string;
  size: number;
  contentType: string;
  parts: Buffer[];
  /** Bytes accepted so far = the next expected offset (chunks are sequential). */
  received: number;
  expiresAt: number;
}

function b64url(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Ids shaped like To Do's long base64 ids, always containing `=`, `-`, `_` and `/`: a client
 * that does not percent-encode each path segment gets 404 (Graph ids "can contain = - _ and
 * sometimes + /").
 */
export function newGraphId(): string {
  return `AAMkAD-${b64url(12)}/${b64url(9)}_A==`;
}

export function graphTime(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function sha256Of(parts: readonly Buffer[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

export class TodoStore {
  readonly lists = new Map<string, StoredList>();
  readonly sessions = new Map<string, StoredSession>();

  constructor(seed: boolean) {
    if (seed) this.seed();
  }

  addList(displayName: string, wellknownListName = 'none'): StoredList {
    const list: StoredList = { id: newGraphId(), displayName, isOwner: true, isShared: false, wellknownListName, tasks: new Map() };
    this.lists.set(list.id, list);
    return list;
  }

  addTask(list: StoredList, title: string, opts: { status?: string; importance?: string; createdMs?: number; body?: string; dueDateTime?: string } = {}): StoredTask {
    const created = graphTime(opts.createdMs);
    const task: StoredTask = {
      id: newGraphId(),
      title,
      status: opts.status ?? 'notStarted',
      importance: opts.importance ?? 'normal',
      createdDateTime: created,
      lastModifiedDateTime: created,
      body: opts.body ?? '',
      ...(opts.dueDateTime !== undefined ? { dueDateTime: opts.dueDateTime } : {}),
      attachments: new Map(),
      linkedResources: [],
    };
    list.tasks.set(task.id, task);
    return task;
  }

  task(listId: string, taskId: string): StoredTask | undefined {
    return this.lists.get(listId)?.tasks.get(taskId);
  }

  /** Deletes the task, its attachments and its upload sessions. */
  deleteTask(listId: string, taskId: string): boolean {
    const list = this.lists.get(listId);
    if (!list?.tasks.delete(taskId)) return false;
    for (const [id, s] of this.sessions) if (s.listId === listId && s.taskId === taskId) this.sessions.delete(id);
    return true;
  }

  addAttachment(task: StoredTask, input: { name: string; contentType: string; parts: Buffer[] }): StoredAttachment {
    const size = input.parts.reduce((n, p) => n + p.length, 0);
    const now = graphTime();
    const att: StoredAttachment = {
      id: newGraphId(),
      name: input.name,
      contentType: input.contentType,
      size,
      parts: input.parts,
      sha256: sha256Of(input.parts),
      lastModifiedDateTime: now,
    };
    task.attachments.set(att.id, att);
    task.lastModifiedDateTime = now;
    return att;
  }

  /** A live session, or undefined when unknown, expired (then forgotten) or its task is gone. */
  session(id: string): StoredSession | undefined {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (Date.now() >= s.expiresAt || !this.task(s.listId, s.taskId)) {
      this.sessions.delete(id);
      return undefined;
    }
    return s;
  }

  liveSessionCount(): number {
    let n = 0;
    for (const id of [...this.sessions.keys()]) if (this.session(id)) n++;
    return n;
  }

  expireAllSessions(): number {
    const n = this.liveSessionCount();
    this.sessions.clear();
    return n;
  }

  counts(): { lists: number; tasks: number; attachments: number; sessions: number } {
    let tasks = 0;
    let attachments = 0;
    for (const l of this.lists.values()) {
      tasks += l.tasks.size;
      for (const t of l.tasks.values()) attachments += t.attachments.size;
    }
    return { lists: this.lists.size, tasks, attachments, sessions: this.liveSessionCount() };
  }

  private seed(): void {
    // Creation times spread over the last weeks, oldest first, like a real account.
    let minutesAgo = 60 * 24 * 30;
    for (const s of SEED_LISTS) {
      const list = this.addList(s.displayName, s.wellknownListName);
      for (const t of s.tasks) {
        this.addTask(list, t.title, { status: t.status, importance: t.importance, createdMs: Date.now() - minutesAgo * 60_000 });
        minutesAgo -= 37;
      }
    }
  }
}
