import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { request } from 'undici';
import { startApp, type RunningApp } from '../../src/app';
import { loadConfig, type Env } from '../../src/config';
import { BotConnectorEmulator, type ConnectorMessage } from '../../src/emulators/bot-connector';
import type { HostedFile } from '../../src/emulators/file-host';
import { createLogger } from '../../src/log';
import { FAST_RETRY_POLICY } from '../../src/retry';
import { startEmulators, type Emulators } from './emulators';

/** Ids shaped like Teams': 29: users, 28: bots, a: personal conversations. */
export const BOT = { id: '28:7e3f2d1c-aaaa-4bbb-8ccc-0123456789ab', name: 'To Do Attach' };
export const TENANT = 'c0ffee00-1111-4222-8333-444455556666';
export const MEGAN = { id: '29:1h3Zl8sUQn2Yk0oFq7cW9pXyMeganBowen', name: 'Megan Bowen', aadObjectId: '6b1c9a3e-2f4d-4c7e-9a51-0d7f3e2b8c41' };
export const ADELE = { id: '29:1aB8cD9eF0gH1iJ2kL3mAdeleVance', name: 'Adele Vance', aadObjectId: 'a9f8e7d6-5c4b-4a39-8271-605f4e3d2c1b' };
export type TeamsUser = typeof MEGAN;

export function personalConversationId(user: TeamsUser): string {
  return `a:1Xq3Personal${user.id.slice(3, 15)}ConversationOpaque`;
}

/** The Authorization header value the channel would send with an activity (credentialed bots). */
export type Signer = (activity: Record<string, unknown>) => string | undefined;

export interface InvokeAnswer {
  status: number;
  body: { statusCode?: number; type?: string; value?: unknown } & Record<string, unknown>;
}

/** A card as the tests read it back: the message id and the Adaptive Card JSON. */
export interface SeenCard {
  activityId: string;
  card: Record<string, unknown>;
}

/**
 * The real bot (restify + CloudAdapter) on port 0 with the Graph To Do and file host emulators
 * and the Bot Connector emulator standing in for Teams. Log lines are captured to check
 * that no secret is ever written.
 */
export class BotHarness {
  private constructor(
    readonly app: RunningApp,
    readonly emulators: Emulators,
    readonly connector: BotConnectorEmulator,
    readonly dataDir: string,
    readonly logs: string[],
    private readonly env: Env,
    private readonly sign: Signer | undefined,
    private readonly appDefaultCardInterval: boolean,
  ) {}

  static async start(
    options: {
      env?: Env;
      dataDir?: string;
      emulators?: Emulators;
      connector?: BotConnectorEmulator;
      logs?: string[];
      /** Start the app as production does, without a card-update interval of its own (tests use 100 ms). */
      appDefaultCardInterval?: boolean;
      sign?: Signer;
    } = {},
  ): Promise<BotHarness> {
    const emulators = options.emulators ?? (await startEmulators());
    const connector = options.connector ?? (await BotConnectorEmulator.start());
    const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'todo-attach-bot-')));
    const logs = options.logs ?? [];
    const env: Env = {
      PORT: '0',
      GRAPH_BASE_URL: emulators.graph.baseUrl,
      LOCAL_GRAPH_TOKEN: emulators.token,
      ALLOWED_DOWNLOAD_HOSTS: new URL(emulators.files.baseUrl).host,
      DATA_DIR: dataDir,
      UPLOAD_CHUNK_BYTES: String(3 * 327_680),
      LOG_LEVEL: 'debug',
      ...options.env,
    };
    const config = loadConfig(env);
    const logger = createLogger({
      level: config.logLevel,
      destination: new Writable({
        write(chunk: Buffer, _enc, done) {
          logs.push(chunk.toString('utf8'));
          done();
        },
      }),
    });
    const appDefaultCardInterval = options.appDefaultCardInterval ?? false;
    const app = await startApp(config, { logger, retryPolicy: FAST_RETRY_POLICY, ...(appDefaultCardInterval ? {} : { cardUpdateIntervalMs: 100 }) });
    return new BotHarness(app, emulators, connector, dataDir, logs, env, options.sign, appDefaultCardInterval);
  }

  /**
   * Stops the bot only (emulators keep their state) and starts a new one on the same data.
   * `whileStopped` runs in between (e.g. To Do's upload sessions expire while the bot is down).
   */
  async restart(options: { whileStopped?: () => void | Promise<void> } = {}): Promise<BotHarness> {
    await this.app.stop();
    await options.whileStopped?.();
    return BotHarness.start({
      env: this.env,
      dataDir: this.dataDir,
      emulators: this.emulators,
      connector: this.connector,
      logs: this.logs,
      appDefaultCardInterval: this.appDefaultCardInterval,
      sign: this.sign,
    });
  }

  async close(): Promise<void> {
    await this.app.stop();
    await Promise.all([this.emulators.close(), this.connector.close()]);
    await rm(this.dataDir, { recursive: true, force: true });
  }

  private base(user: TeamsUser): Record<string, unknown> {
    return {
      channelId: 'msteams',
      serviceUrl: this.connector.serviceUrl,
      from: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
      conversation: { conversationType: 'personal', tenantId: TENANT, id: personalConversationId(user) },
      recipient: BOT,
      channelData: { tenant: { id: TENANT } },
      locale: 'en-US',
      timestamp: new Date().toISOString(),
    };
  }

  async post(activity: Record<string, unknown>, authorization?: string | null): Promise<{ status: number; body: unknown }> {
    // As the channel does: a token for each activity when the bot authenticates (null: none at all).
    const token = authorization === undefined ? this.sign?.(activity) : (authorization ?? undefined);
    const res = await request(`${this.app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token !== undefined ? { authorization: token } : {}) },
      body: JSON.stringify(activity),
    });
    const text = await res.body.text();
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.statusCode, body };
  }

  /** A 1:1 message carrying files as Teams sends them (file.download.info, no size). */
  async sendFiles(files: Array<Pick<HostedFile, 'name' | 'url'>>, user: TeamsUser = MEGAN, text = ''): Promise<number> {
    const res = await this.post({
      ...this.base(user),
      type: 'message',
      id: String(Date.now()),
      textFormat: 'plain',
      text,
      attachments: files.map((f) => ({
        contentType: 'application/vnd.microsoft.teams.file.download.info',
        contentUrl: `https://contoso-my.sharepoint.com/personal/files/${encodeURIComponent(f.name)}`,
        name: f.name,
        // Teams gives every file its own unique id (the drive item's); the same file keeps it.
        content: { downloadUrl: f.url, uniqueId: uniqueIdOf(f.url), fileType: f.name.split('.').pop() },
      })),
    });
    return res.status;
  }

  async sendText(text: string, user: TeamsUser = MEGAN): Promise<number> {
    const res = await this.post({ ...this.base(user), type: 'message', id: String(Date.now()), textFormat: 'plain', text });
    return res.status;
  }

  async invoke(name: string, value: unknown, options: { user?: TeamsUser; replyToId?: string } = {}): Promise<InvokeAnswer> {
    const res = await this.post({
      ...this.base(options.user ?? MEGAN),
      type: 'invoke',
      name,
      id: `f:${Date.now()}`,
      replyToId: options.replyToId,
      value,
    });
    return { status: res.status, body: (res.body ?? {}) as InvokeAnswer['body'] };
  }

  /** Presses an Action.Execute button on the card with this message id. */
  async press(cardMessageId: string, verb: string, data: Record<string, unknown>, user: TeamsUser = MEGAN): Promise<InvokeAnswer> {
    return this.invoke('adaptiveCard/action', { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' }, { user, replyToId: cardMessageId });
  }

  /** The current content of every card the bot posted in the user's chat. */
  cards(user: TeamsUser = MEGAN): SeenCard[] {
    return this.connector
      .messages(personalConversationId(user))
      .map((m: ConnectorMessage) => ({ activityId: m.activityId, card: cardOf(m.body) }))
      .filter((c): c is SeenCard => c.card !== undefined);
  }

  /** Waits for the n-th card (1-based) the bot posted in the user's chat. */
  async waitForCard(n = 1, user: TeamsUser = MEGAN): Promise<SeenCard> {
    return this.connector.waitFor(() => this.cards(user)[n - 1]);
  }

  /** Waits until the card with that id shows text matching `pattern`. */
  async waitForCardText(activityId: string, pattern: RegExp, user: TeamsUser = MEGAN): Promise<SeenCard> {
    return this.connector.waitFor(() => {
      const c = this.cards(user).find((x) => x.activityId === activityId);
      return c && pattern.test(cardText(c.card)) ? c : undefined;
    }, 30_000);
  }
}

// ---- Group chats, channels and the message extension (additive helpers) ----------------

/** A channel thread as Teams names it: the channel id plus `;messageid=` of the root post. */
export const CHANNEL = {
  teamId: '1d2c3b4a-0000-4000-8000-aaaaaaaaaaaa',
  teamThreadId: '19:teamgeneral0000@thread.tacv2',
  channelId: '19:b2f0c9e1d8a74b0f9e2c3d4a5b6c7d8e@thread.tacv2',
};

export interface TeamsConversation {
  id: string;
  conversationType: 'personal' | 'groupChat' | 'channel';
  /** Extra channelData (team, channel) sent with activities in this conversation. */
  channelData?: Record<string, unknown>;
}

export function channelThread(rootMessageId: string): TeamsConversation {
  return {
    id: `${CHANNEL.channelId};messageid=${rootMessageId}`,
    conversationType: 'channel',
    channelData: { team: { id: CHANNEL.teamThreadId }, channel: { id: CHANNEL.channelId } },
  };
}

/** A SharePoint-like URL for a file in the channel's document library (what `reference` attachments name). */
export function sharePointUrl(name: string): string {
  return `https://contoso.sharepoint.com/sites/Sales/Shared%20Documents/General/${encodeURIComponent(name)}`;
}

/**
 * A file in the channel's SharePoint library: the bytes on the file host, the address known to
 * the Graph emulator's /shares (which redirects to the file host).
 */
export function addSharePointFile(emulators: Pick<Emulators, 'graph' | 'files'>, name: string, size: number): { webUrl: string; sha256: string; id: string } {
  const hosted = emulators.files.addFile({ name, size });
  const webUrl = sharePointUrl(name);
  emulators.graph.addSharedFile({ webUrl, name, size: hosted.size, downloadUrl: hosted.url });
  return { webUrl, sha256: hosted.sha256, id: hosted.id };
}

/** A `reference` attachment to a SharePoint file, as Teams puts it on a channel or group chat message. */
export function referenceAttachment(name: string, webUrl: string): Record<string, unknown> {
  return { id: randomBytes(8).toString('hex'), contentType: 'reference', contentUrl: webUrl, name, content: null, thumbnailUrl: null };
}

/** The bot with SharePoint hosts allowed (channel files), and helpers for shared conversations. */
export async function startWithSharePoint(): Promise<{ h: BotHarness; teams: ConversationHelpers }> {
  const emulators = await startEmulators();
  const h = await BotHarness.start({ emulators, env: { ALLOWED_DOWNLOAD_HOSTS: `${new URL(emulators.files.baseUrl).host},*.sharepoint.com` } });
  return { h, teams: new ConversationHelpers(h) };
}

/** A message-extension invoke value shaped as Teams sends it (reference/activities/message-action-fetchtask.json). */
export function messageActionValue(payload: { id: string; html: string; attachments?: unknown[]; linkToMessage?: string }): Record<string, unknown> {
  return {
    commandId: 'attachToTodo',
    commandContext: 'message',
    context: { theme: 'default' },
    messagePayload: {
      id: payload.id,
      replyToId: null,
      createdDateTime: new Date().toISOString(),
      importance: 'normal',
      messageType: 'message',
      linkToMessage: payload.linkToMessage ?? `https://teams.microsoft.com/l/message/${CHANNEL.channelId}/${payload.id}`,
      from: { user: { id: ADELE.aadObjectId, displayName: ADELE.name, userIdentityType: 'aadUser' } },
      body: { contentType: 'html', content: payload.html },
      attachments: payload.attachments ?? [],
      mentions: [],
      reactions: [],
    },
  };
}

export class ConversationHelpers {
  constructor(private readonly h: BotHarness) {}

  private base(user: TeamsUser, conversation: TeamsConversation): Record<string, unknown> {
    return {
      channelId: 'msteams',
      serviceUrl: this.h.connector.serviceUrl,
      from: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
      conversation: { conversationType: conversation.conversationType, tenantId: TENANT, id: conversation.id, isGroup: conversation.conversationType !== 'personal' },
      recipient: BOT,
      channelData: { tenant: { id: TENANT }, ...conversation.channelData },
      locale: 'en-US',
      timestamp: new Date().toISOString(),
    };
  }

  /** A message that @mentions the bot (or not) in a group chat or channel, with attachments. */
  async sendMessage(conversation: TeamsConversation, options: { user?: TeamsUser; text?: string; mention?: boolean; attachments?: unknown[] } = {}): Promise<number> {
    const mention = options.mention ?? true;
    const at = `<at>${BOT.name}</at>`;
    const text = mention ? `${at} ${options.text ?? ''}` : (options.text ?? '');
    const res = await this.h.post({
      ...this.base(options.user ?? MEGAN, conversation),
      type: 'message',
      id: String(Date.now()),
      textFormat: 'plain',
      text,
      attachments: options.attachments ?? [],
      entities: mention ? [{ type: 'mention', text: at, mentioned: { id: BOT.id, name: BOT.name } }] : [],
    });
    return res.status;
  }

  async invoke(conversation: TeamsConversation, name: string, value: unknown, options: { user?: TeamsUser; replyToId?: string } = {}): Promise<InvokeAnswer> {
    const res = await this.h.post({ ...this.base(options.user ?? MEGAN, conversation), type: 'invoke', name, id: `f:${Date.now()}`, replyToId: options.replyToId, value });
    return { status: res.status, body: (res.body ?? {}) as InvokeAnswer['body'] };
  }

  /** Presses an Action.Execute button on a card in this conversation. */
  async press(conversation: TeamsConversation, cardMessageId: string, verb: string, data: Record<string, unknown>, user: TeamsUser = MEGAN): Promise<InvokeAnswer> {
    return this.invoke(conversation, 'adaptiveCard/action', { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' }, { user, replyToId: cardMessageId });
  }

  /** Cards the bot posted in this conversation (a channel's threads included), oldest first. */
  cards(conversationId: string): SeenCard[] {
    return this.h.connector
      .messages(conversationId)
      .map((m: ConnectorMessage) => ({ activityId: m.activityId, card: cardOf(m.body) }))
      .filter((c): c is SeenCard => c.card !== undefined);
  }

  /** The 1:1 chat the bot created for this user through the connector (POST v3/conversations). */
  personalChatId(user: TeamsUser = MEGAN): string | undefined {
    const created = this.h.connector.activities.find((a) => {
      if (a.kind !== 'create-conversation') return false;
      const members = (a.body as { members?: Array<{ id?: string }> } | undefined)?.members ?? [];
      return members.some((m) => m.id === user.id);
    });
    return created?.conversationId;
  }

  /** Cards in the 1:1 chat the bot created for the user (empty before it exists). */
  personalCards(user: TeamsUser = MEGAN): SeenCard[] {
    const id = this.personalChatId(user);
    return id === undefined ? [] : this.cards(id);
  }

  async waitForCardText(conversationId: () => string | undefined, pattern: RegExp, timeoutMs = 30_000): Promise<SeenCard> {
    return this.h.connector.waitFor(() => {
      const id = conversationId();
      if (id === undefined) return undefined;
      return this.cards(id).find((c) => pattern.test(cardText(c.card)));
    }, timeoutMs);
  }
}

/** A GUID-shaped id that stays the same for the same file (its download URL). */
export function uniqueIdOf(url: string): string {
  const h = createHash('sha256').update(url).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The card of a message-extension answer that (re)shows the dialog (`task.type: continue`). */
export function dialogCardOf(answer: InvokeAnswer): Record<string, unknown> {
  const task = answer.body['task'] as { type?: string; value?: { card?: { content?: Record<string, unknown> } } } | undefined;
  if (task?.type !== 'continue') throw new Error(`the dialog answer is not a card: ${JSON.stringify(answer.body).slice(0, 300)}`);
  return task.value?.card?.content ?? {};
}

/** The offer id a dialog's buttons send back. */
export function offerIdOf(card: unknown): string {
  const m = /"offerId":"([0-9a-f-]{36})"/.exec(JSON.stringify(card));
  if (!m?.[1]) throw new Error('the dialog has no offerId');
  return m[1];
}

export function cardOf(activity: unknown): Record<string, unknown> | undefined {
  const attachments = (activity as { attachments?: Array<{ contentType?: string; content?: unknown }> } | undefined)?.attachments;
  const a = attachments?.find((x) => x.contentType === 'application/vnd.microsoft.card.adaptive');
  return a?.content as Record<string, unknown> | undefined;
}

/** All visible text of a card (TextBlocks, facts, choice titles, button titles), one string. */
export function cardText(card: unknown): string {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    for (const key of ['text', 'title', 'value', 'label', 'placeholder']) if (typeof o[key] === 'string') out.push(o[key] as string);
    for (const v of Object.values(o)) if (typeof v === 'object') walk(v);
  };
  walk(card);
  return out.join('\n');
}

/** Every Action.Execute on a card with its verb and data. */
export function cardActions(card: unknown): Array<{ verb: string; title: string; data: Record<string, unknown> }> {
  const out: Array<{ verb: string; title: string; data: Record<string, unknown> }> = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (o['type'] === 'Action.Execute' && typeof o['verb'] === 'string') {
      out.push({ verb: o['verb'], title: String(o['title'] ?? ''), data: (o['data'] ?? {}) as Record<string, unknown> });
    }
    for (const v of Object.values(o)) if (typeof v === 'object') walk(v);
  };
  walk(card);
  return out;
}

/** The picker id a picker card's buttons send back (Attach, or Cancel when nothing can be attached). */
export function pickerIdOf(card: unknown): string {
  const id = cardActions(card).find((a) => a.verb === 'attach' || a.verb === 'dismiss')?.data['pickerId'];
  if (typeof id !== 'string') throw new Error('the picker card has no button with a pickerId');
  return id;
}

/** The Input element with this id, wherever it sits in the card. */
export function cardInput(card: unknown, id: string): Record<string, unknown> | undefined {
  let found: Record<string, unknown> | undefined;
  const walk = (node: unknown): void => {
    if (found) return;
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (o['id'] === id && typeof o['type'] === 'string' && (o['type'] as string).startsWith('Input.')) found = o;
    for (const v of Object.values(o)) if (typeof v === 'object') walk(v);
  };
  walk(card);
  return found;
}
