import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { request } from 'undici';
import WebSocket from 'ws';
import { loadConfig, type Env } from '../../src/config';
import { createLogger } from '../../src/log';
import { startLocalStack, type LocalStack } from '../../src/playground/local-stack';
import { freePort } from '../../src/playground/ports';
import { cardOf } from './bot-harness';

/**
 * Everything `npm start` runs (bot, emulators, companion page, Agents Playground child
 * process), on free ports, with logs and Playground output captured. The Playground needs an
 * explicit port, so a free one is picked first.
 */
export interface TestStack {
  stack: LocalStack;
  companionUrl: string;
  playgroundUrl: string;
  logs: string[];
  playgroundOutput: string[];
  close(): Promise<void>;
}

export async function startTestStack(env: Env = {}): Promise<TestStack> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'todo-attach-playground-'));
  const logs: string[] = [];
  const playgroundOutput: string[] = [];
  const config = loadConfig({
    PORT: '0',
    COMPANION_PORT: '0',
    PLAYGROUND_PORT: String(await freePort()),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    ...env,
  });
  const logger = createLogger({
    level: config.logLevel,
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString('utf8'));
        done();
      },
    }),
  });
  const stack = await startLocalStack(config, { logger, onPlaygroundOutput: (line) => playgroundOutput.push(line) });
  const status = stack.playground.status();
  if (status.state !== 'running' || !status.url) {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw new Error(`the Agents Playground did not start: ${status.reason ?? status.state}`);
  }
  return {
    stack,
    companionUrl: stack.companion.url,
    playgroundUrl: status.url,
    logs,
    playgroundOutput,
    async close() {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** True while a process with this id exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface HttpAnswer<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

async function answer<T>(res: Awaited<ReturnType<typeof request>>): Promise<HttpAnswer<T>> {
  const text = await res.body.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.statusCode, body: body as T, headers: res.headers };
}

/** Calls the companion page's API the way the page does (with its X-Companion header). */
export async function companionApi<T = Record<string, unknown>>(baseUrl: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', pathAndQuery: string, body?: unknown): Promise<HttpAnswer<T>> {
  const isBytes = Buffer.isBuffer(body);
  const res = await request(`${baseUrl}${pathAndQuery}`, {
    method,
    headers: {
      'x-companion': '1',
      ...(body === undefined ? {} : { 'content-type': isBytes ? 'application/octet-stream' : 'application/json' }),
    },
    body: body === undefined ? undefined : isBytes ? body : JSON.stringify(body),
  });
  return answer<T>(res);
}

export async function getBytes(url: string): Promise<{ status: number; bytes: Buffer; headers: Record<string, string | string[] | undefined> }> {
  const res = await request(url);
  const bytes = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, bytes, headers: res.headers };
}

/** One message as the Playground's WebSocket reports it. */
export interface ChatEvent {
  action: string;
  conversationId: string;
  messageId: string;
  text: string | undefined;
  card: Record<string, unknown> | undefined;
  attachments: Array<{ contentType?: string; content?: unknown }>;
  /** Who posted it (the bot's or a user's id). */
  fromId: string | undefined;
  timestamp: string | number | undefined;
}

/**
 * Listens on the Playground's conversation stream (`/_ws_conversation/v1/conversations/stream`)
 * and keeps every createMessage / updateMessage event, in order.
 */
export class PlaygroundChat {
  readonly events: ChatEvent[] = [];
  private waiters: Array<() => void> = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(data));
      } catch {
        return;
      }
      const e = parsed as {
        action?: string;
        actionConversationId?: string;
        message?: { messageId?: string; text?: string; attachments?: Array<{ contentType?: string; content?: unknown }>; from?: { id?: string }; timestamp?: string | number };
      };
      if (e.action !== 'createMessage' && e.action !== 'updateMessage') return;
      this.events.push({
        action: e.action,
        conversationId: e.actionConversationId ?? '',
        messageId: e.message?.messageId ?? '',
        text: e.message?.text,
        card: cardOf(e.message),
        attachments: e.message?.attachments ?? [],
        fromId: e.message?.from?.id,
        timestamp: e.message?.timestamp,
      });
      for (const w of this.waiters) w();
    });
  }

  static async connect(playgroundUrl: string): Promise<PlaygroundChat> {
    const ws = new WebSocket(`${playgroundUrl.replace(/^http/, 'ws')}/_ws_conversation/v1/conversations/stream`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new PlaygroundChat(ws);
  }

  /** Waits until `pick` finds something in the events so far (checked on every new event). */
  async waitFor<T>(pick: (events: ChatEvent[]) => T | undefined, timeoutMs = 30_000, what = 'a Playground event'): Promise<T> {
    const found = pick(this.events);
    if (found !== undefined) return found;
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const v = pick(this.events);
        if (v === undefined) return;
        cleanup();
        resolve(v);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; saw: ${this.events.map((e) => `${e.action} ${e.messageId}`).join(', ') || 'nothing'}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
      };
      this.waiters.push(check);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/** Presses an Action.Execute button through the Playground's invoke API, as its UI does. */
export async function pressInPlayground(
  playgroundUrl: string,
  ids: { userId: string; conversationId: string },
  messageId: string,
  verb: string,
  data: Record<string, unknown>,
): Promise<HttpAnswer<{ statusCode?: number; type?: string; value?: unknown } & Record<string, unknown>>> {
  const res = await request(`${playgroundUrl}/_conversation/v1/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'adaptiveCard/action',
      value: { action: { type: 'Action.Execute', verb, data } },
      from: { id: ids.userId },
      conversation: { id: ids.conversationId },
      replyToId: messageId,
    }),
  });
  return answer(res);
}

/**
 * `value.messagePayload` exactly as the Playground's UI builds it when "…" → a message action
 * is chosen on a message (its client's message-payload selector, @microsoft/m365agentsplayground
 * 0.2.28): the message's id, its text as the HTML body, no deep link, and each attachment as
 * `{ id: index, contentType, content: JSON text of content }` — no `contentUrl`, no `name`.
 */
export function playgroundMessagePayload(event: ChatEvent, ids: { botId: string; botName: string; channel: boolean }): Record<string, unknown> {
  const fromBot = event.fromId === ids.botId;
  return {
    id: event.messageId,
    replyToId: ids.channel ? event.messageId : undefined,
    createdDateTime: new Date(event.timestamp ?? Date.now()).toISOString(),
    deleted: false,
    importance: 'normal',
    locale: 'en-us',
    from: fromBot ? { application: { applicationIdentityType: 'bot', id: ids.botId, displayName: ids.botName } } : { user: { userIdentityType: 'aadUser', id: event.fromId } },
    body: { contentType: 'html', content: event.text ?? '' },
    attachments: event.attachments.map((a, i) => ({ id: i.toString(), contentType: a.contentType, content: JSON.stringify(a.content) })),
    mentions: [],
    reactions: [],
    linkToMessage: '',
  };
}

/**
 * A message-extension invoke through the Playground's invoke API, as its UI sends it
 * (`POST /_conversation/v1/invoke` with `name`, `from`, `conversation`, `value`). The
 * Playground answers with the bot's `{ task, composeExtension }`.
 */
export async function invokeMessageExtension(
  playgroundUrl: string,
  ids: { userId: string; conversationId: string },
  name: 'composeExtension/fetchTask' | 'composeExtension/submitAction',
  value: Record<string, unknown>,
): Promise<HttpAnswer<{ task?: { type?: string; value?: unknown }; composeExtension?: unknown } & Record<string, unknown>>> {
  const res = await request(`${playgroundUrl}/_conversation/v1/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, from: { id: ids.userId }, conversation: { id: ids.conversationId }, value }),
  });
  return answer(res);
}
