import { request } from 'undici';
import { z } from 'zod';
import { AppError } from '../errors';

/**
 * The Agents Playground's own HTTP API, the same its UI uses: `GET /_internal/v1/config` (ids
 * of the chats, channels and users), `GET /_internal/v1/customActivities/template` and
 * `POST /_internal/v1/customActivities` ("Mock an Activity → Custom activity": forwards any
 * activity to the bot, which is how a file message reaches it, because the Playground's
 * compose box cannot attach files), and its mocked Bot Connector
 * (`POST /_connector/v3/conversations/{id}/activities`), which shows a message in its UI.
 */

const UserSchema = z.object({ id: z.string(), name: z.string().optional(), aadObjectId: z.string().optional() });

const ConfigSchema = z.object({
  config: z.object({
    tenantId: z.string(),
    bot: z.object({ id: z.string(), name: z.string() }),
    currentUser: UserSchema,
    personalChat: z.object({ id: z.string(), name: z.string().optional() }),
    teams: z
      .array(
        z.object({
          id: z.string(),
          name: z.string(),
          channels: z.array(z.object({ id: z.string(), name: z.string() })),
        }),
      )
      .default([]),
  }),
});

export interface PlaygroundIds {
  tenantId: string;
  bot: { id: string; name: string };
  user: { id: string; name?: string; aadObjectId?: string };
  personalChatId: string;
  /** The first team's first channel ("General"), where a file message can be posted. */
  channel: { teamId: string; teamName: string; id: string; name: string } | undefined;
}

const TemplateSchema = z.looseObject({
  id: z.string(),
  channelId: z.string(),
  serviceUrl: z.string(),
  recipient: z.looseObject({ id: z.string() }),
  conversation: z.looseObject({ id: z.string(), tenantId: z.string().optional() }),
  from: z.looseObject({ id: z.string() }),
});

export type ActivityTemplate = z.infer<typeof TemplateSchema>;

async function call(url: string, init: { method: 'GET' | 'POST'; body?: unknown; timeoutMs?: number }, what: string): Promise<unknown> {
  let res;
  try {
    res = await request(url, {
      method: init.method,
      headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      headersTimeout: init.timeoutMs ?? 20_000,
      bodyTimeout: init.timeoutMs ?? 20_000,
    });
  } catch (err) {
    throw new AppError('NETWORK_ERROR', `The Agents Playground did not answer (${what}). Is it running?`, { cause: err, retryable: true });
  }
  const text = await res.body.text();
  if (res.statusCode < 200 || res.statusCode > 299) {
    throw new AppError('BAD_REQUEST', `The Agents Playground refused the request (${what}, status ${res.statusCode}).`, { status: res.statusCode });
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new AppError('BAD_REQUEST', `The Agents Playground answered something that is not JSON (${what}).`, { cause: err });
  }
}

export class PlaygroundApi {
  private ids: PlaygroundIds | undefined;

  /** `baseUrl`: `http://127.0.0.1:PORT` of a running Playground. */
  constructor(readonly baseUrl: string) {}

  /** Ids of the chat, channel, user and bot. The Playground first waits for the bot (up to 15 s). */
  async config(): Promise<PlaygroundIds> {
    if (this.ids) return this.ids;
    const raw = await call(`${this.baseUrl}/_internal/v1/config`, { method: 'GET', timeoutMs: 30_000 }, 'reading its configuration');
    const parsed = ConfigSchema.safeParse(raw);
    if (!parsed.success) throw new AppError('BAD_REQUEST', 'The Agents Playground configuration has an unexpected shape.');
    const c = parsed.data.config;
    const team = c.teams[0];
    const channel = team?.channels[0];
    this.ids = {
      tenantId: c.tenantId,
      bot: c.bot,
      user: c.currentUser,
      personalChatId: c.personalChat.id,
      channel: team && channel ? { teamId: team.id, teamName: team.name, id: channel.id, name: channel.name } : undefined,
    };
    return this.ids;
  }

  /** The activity skeleton the Playground fills for a conversation (serviceUrl, ids, from). */
  async template(conversationId: string): Promise<ActivityTemplate> {
    const raw = await call(
      `${this.baseUrl}/_internal/v1/customActivities/template?conversationId=${encodeURIComponent(conversationId)}`,
      { method: 'GET' },
      'building an activity',
    );
    const parsed = TemplateSchema.safeParse(raw);
    if (!parsed.success) throw new AppError('BAD_REQUEST', 'The Agents Playground activity template has an unexpected shape.');
    return parsed.data;
  }

  /** Forwards an activity to the bot exactly as given (the Playground answers before the bot does). */
  async sendCustomActivity(activity: Record<string, unknown>): Promise<void> {
    await call(`${this.baseUrl}/_internal/v1/customActivities`, { method: 'POST', body: activity }, 'sending an activity to the bot');
  }

  /**
   * Shows a message in a chat or channel through the Playground's mocked Bot Connector, as if
   * the bot had sent it. (Its user-message API stores a message without showing it in an open
   * UI, so this is the only way to put a visible post there from outside.)
   */
  async postToConversation(conversationId: string, activity: Record<string, unknown>): Promise<void> {
    await call(
      `${this.baseUrl}/_connector/v3/conversations/${encodeURIComponent(conversationId)}/activities`,
      { method: 'POST', body: activity },
      'posting a message',
    );
  }
}
