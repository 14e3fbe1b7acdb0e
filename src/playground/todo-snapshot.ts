import { createHash } from 'node:crypto';
import type { GraphTodoEmulator } from '../emulators/graph-todo';

/**
 * What the companion page's To Do panel shows: every list of the Graph emulator with its tasks
 * and their attachments (name, size, SHA-256 so a person can compare bytes). `version` changes
 * only when something changed, so the page re-renders (and loses focus) only then.
 */

export interface SnapshotAttachment {
  id: string;
  name: string;
  size: number;
  contentType: string;
  sha256: string;
  lastModifiedDateTime: string;
}

export interface SnapshotTask {
  id: string;
  title: string;
  status: string;
  importance: string;
  attachments: SnapshotAttachment[];
}

export interface SnapshotList {
  id: string;
  displayName: string;
  wellknownListName: string;
  tasks: SnapshotTask[];
}

export interface TodoSnapshot {
  version: string;
  lists: SnapshotList[];
  /** Upload sessions in progress: how far each got. */
  uploads: Array<{ name: string; size: number; received: number }>;
}

export function todoSnapshot(graph: GraphTodoEmulator): TodoSnapshot {
  const lists: SnapshotList[] = graph.lists().map((l) => ({
    id: l.id,
    displayName: l.displayName,
    wellknownListName: l.wellknownListName ?? 'none',
    tasks: graph.tasks(l.id).map((t) => ({
      id: t.id,
      title: t.title,
      status: t.status ?? 'notStarted',
      importance: t.importance ?? 'normal',
      attachments: t.hasAttachments ? graph.attachments(l.id, t.id) : [],
    })),
  }));
  const uploads = graph
    .sessions()
    .filter((s) => s.nextExpectedOffset < s.size)
    .map((s) => ({ name: s.name, size: s.size, received: s.nextExpectedOffset }));
  const version = createHash('sha256').update(JSON.stringify({ lists, uploads })).digest('hex').slice(0, 16);
  return { version, lists, uploads };
}
