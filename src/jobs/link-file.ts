import { createHash } from 'node:crypto';
import { formatBytes } from '../cards/format';
import { withRetry, type RetryPolicy } from '../retry';
import type { LinkedResource, LinkedResourceInput } from '../graph/types';

/**
 * A file too large for To Do (over 25 MB) that lives in SharePoint or OneDrive goes on the task
 * as a link instead (issue 14 §3): a `linkedResource` with the file's address and name, and a
 * line in the task's note saying where the file is. Both steps look before they write, so a
 * retry (lost answer, restart, Retry button) never links the file twice.
 */

/** What linking needs of To Do (GraphTodoClient implements it; URLs are built in src/graph/). */
export interface TaskLinkApi {
  listLinkedResources(listId: string, taskId: string, signal?: AbortSignal): Promise<LinkedResource[]>;
  addLinkedResource(listId: string, taskId: string, resource: LinkedResourceInput, signal?: AbortSignal): Promise<{ id: string }>;
  appendToTaskNote(listId: string, taskId: string, line: string, unlessMentions: string, signal?: AbortSignal): Promise<'added' | 'present'>;
}

/** The application name To Do shows on the link ("Open in To Do Attach" is not offered: it opens webUrl). */
export const LINK_APPLICATION_NAME = 'To Do Attach';

export interface FileToLink {
  name: string;
  webUrl: string;
  size: number | undefined;
}

/** The line added to the task's note. */
export function noteLine(file: FileToLink): string {
  const size = file.size === undefined ? '' : `, ${formatBytes(file.size)}`;
  return `Linked file “${file.name}” (too large to attach${size}): ${file.webUrl}`;
}

export async function linkFile(
  api: TaskLinkApi,
  target: { listId: string; taskId: string },
  file: FileToLink,
  options: { retryPolicy: RetryPolicy; signal: AbortSignal },
): Promise<{ linkedResourceId: string }> {
  const { listId, taskId } = target;
  const { signal } = options;
  // Each attempt looks first: a POST whose answer was lost may have made the link already.
  const linkedResourceId = await withRetry(
    options.retryPolicy,
    async () => {
      const existing = (await api.listLinkedResources(listId, taskId, signal)).find((r) => r.webUrl === file.webUrl);
      if (existing) return existing.id;
      const made = await api.addLinkedResource(
        listId,
        taskId,
        {
          webUrl: file.webUrl,
          applicationName: LINK_APPLICATION_NAME,
          displayName: file.name,
          // Documented as part of the create contract; a stable id of the file's address.
          externalId: createHash('sha256').update(file.webUrl).digest('hex').slice(0, 32),
        },
        signal,
      );
      return made.id;
    },
    { signal },
  );
  await withRetry(options.retryPolicy, () => api.appendToTaskNote(listId, taskId, noteLine(file), file.webUrl, signal), { signal });
  return { linkedResourceId };
}
