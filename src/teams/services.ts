import type { Logger } from 'pino';
import type { GraphTodoClient } from '../graph/client';
import type { JobSource } from '../jobs/job';
import type { JobRunner } from '../jobs/runner';
import type { JobStore } from '../jobs/store';
import type { PickerStore } from './picker-store';
import type { Requester } from './requester';

/**
 * Everything a handler may use, passed in (no globals, no process.env): the handler-per-
 * concern habit of microsoft/teams.ts.
 */
export interface BotServices {
  logger: Logger;
  store: JobStore;
  runner: JobRunner;
  pickers: PickerStore;
  /** A To Do client acting for this user (delegated token). */
  graphFor(user: Pick<Requester, 'userId' | 'aadObjectId' | 'tenantId'>): GraphTodoClient;
  /** Learns a file's size without downloading it (undefined when the host does not say). */
  probeSize(source: JobSource, signal: AbortSignal): Promise<number | undefined>;
  /** A link that opens the task in To Do. */
  taskUrl(listId: string, taskId: string): string;
}
