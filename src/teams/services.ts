import type { Logger } from 'pino';
import type { GraphTodoClient } from '../graph/client';
import type { Admission } from '../jobs/admission';
import type { JobSource } from '../jobs/job';
import type { JobRunner } from '../jobs/runner';
import type { JobStore } from '../jobs/store';
import type { DialogOfferStore } from './dialog-offers';
import type { PickerStore } from './picker-store';
import type { Requester } from './requester';

/**
 * Everything a handler may use, passed in (no globals, no environment variables): the handler-per-
 * concern habit of microsoft/teams.ts.
 */
export interface BotServices {
  logger: Logger;
  store: JobStore;
  runner: JobRunner;
  /** Per-user limits on file messages and transfers waiting or running (src/jobs/admission.ts). */
  admission: Admission;
  pickers: PickerStore;
  /** Message-extension dialogs waiting for a submit (what each may attach, and whose it is). */
  dialogOffers: DialogOfferStore;
  /** The bot's app id ('' in local mode), for conversations the bot starts (proactive 1:1 chat). */
  botAppId: string;
  /** Audience of the bot's token for the connector (ToChannelFromBotOAuthScope; the cloud's). */
  channelAudience?: string;
  /** A To Do client acting for this user (delegated token). */
  graphFor(user: Pick<Requester, 'userId' | 'aadObjectId' | 'tenantId'>): GraphTodoClient;
  /** Learns a file's size without downloading it (undefined when the host does not say). */
  probeSize(source: JobSource, signal: AbortSignal, user?: Pick<Requester, 'userId' | 'aadObjectId' | 'tenantId'>): Promise<number | undefined>;
  /**
   * Whether an address is a durable home of a file (a SharePoint/OneDrive host on the download
   * allow-list): a file there too large to attach can go on the task as a link.
   */
  isDurableLocation(url: string): boolean;
  /** Whether picker cards offer typeahead (`Data.Query`); see Config.cardTypeahead. */
  typeahead: boolean;
  /** A link that opens the task in To Do. */
  taskUrl(listId: string, taskId: string): string;
}
