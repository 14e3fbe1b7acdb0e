import { AppError } from '../errors';
import type { CloudName } from './clouds';

/**
 * Links that open a task in To Do on the web. Built only here (src/graph/), like Graph URLs.
 * To Do on the web opens a task by its id alone; the US Government clouds have their own host.
 */
const TODO_WEB_ORIGIN: Record<CloudName, string | undefined> = {
  Public: 'https://to-do.office.com',
  USGov: 'https://to-do.office365.us',
  USGovDoD: 'https://to-do.office365.us',
  // No To Do task attachments in 21Vianet (see clouds.ts): nothing to link to.
  China: undefined,
};

/**
 * `https://to-do.office.com/tasks/id/{taskId}/details` for the cloud. `listId` is accepted so
 * callers pass what they have; the web app finds the task's list itself.
 */
export function todoTaskWebUrl(cloud: CloudName, taskId: string, listId?: string): string {
  void listId;
  const origin = TODO_WEB_ORIGIN[cloud];
  if (origin === undefined) {
    throw new AppError('CLOUD_NOT_SUPPORTED', `Microsoft To Do task attachments are not available in the ${cloud} cloud.`);
  }
  return `${origin}/tasks/id/${encodeURIComponent(taskId)}/details`;
}
