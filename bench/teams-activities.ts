import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { request, type Agent } from 'undici';

/**
 * Activities shaped as Teams sends them to a bot (the few lines of test/support/bot-harness.ts
 * the bench needs: bench/ is compiled without test/), posted over HTTP to the real bot.
 */

export const BOT = { id: '28:7e3f2d1c-aaaa-4bbb-8ccc-0123456789ab', name: 'To Do Attach' };
export const TENANT = 'c0ffee00-1111-4222-8333-444455556666';

export interface BenchUser {
  id: string;
  name: string;
  aadObjectId: string;
  conversationId: string;
}

/** The n-th bench user, with ids shaped like Teams' (29: users, a: personal conversations). */
export function benchUser(n: number): BenchUser {
  const tag = String(n).padStart(4, '0');
  return {
    id: `29:1h3Zl8sUQn2Yk0oFq7cW9pXyBenchUser${tag}`,
    name: `Bench User ${n}`,
    aadObjectId: `6b1c9a3e-2f4d-4c7e-9a51-0d7f3e2b${tag}`,
    conversationId: `a:1Xq3PersonalBench${tag}ConversationOpaque`,
  };
}

export interface InvokeAnswer {
  status: number;
  ms: number;
  body: { statusCode?: number; type?: string; value?: unknown };
}

export class TeamsClient {
  private seq = 0;

  constructor(
    private readonly botUrl: string,
    private readonly serviceUrl: string,
    private readonly dispatcher: Agent,
    /** A credentialed bot: the `Authorization` header the channel would send (a channel token). */
    private readonly authorization?: () => string,
  ) {}

  /** The fields every activity from this user in their 1:1 chat carries. */
  base(user: BenchUser): Record<string, unknown> {
    return {
      channelId: 'msteams',
      serviceUrl: this.serviceUrl,
      from: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
      conversation: { conversationType: 'personal', tenantId: TENANT, id: user.conversationId },
      recipient: BOT,
      channelData: { tenant: { id: TENANT } },
      locale: 'en-US',
      timestamp: new Date().toISOString(),
    };
  }

  /** POSTs one activity to /api/messages; the time covers the whole answer. */
  async post(activity: Record<string, unknown>): Promise<{ status: number; ms: number; body: unknown }> {
    const started = performance.now();
    const res = await request(`${this.botUrl}/api/messages`, {
      method: 'POST',
      dispatcher: this.dispatcher,
      headers: { 'content-type': 'application/json', ...(this.authorization ? { authorization: this.authorization() } : {}) },
      body: JSON.stringify(activity),
    });
    const text = await res.body.text();
    const ms = performance.now() - started;
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.statusCode, ms, body };
  }

  /** A 1:1 message carrying one file as Teams sends it (file.download.info, no size); the answer's status and time. */
  async sendFile(user: BenchUser, file: { name: string; url: string }, text = ''): Promise<{ status: number; ms: number }> {
    const res = await this.post({
      ...this.base(user),
      type: 'message',
      id: `${Date.now()}${this.seq++}`,
      textFormat: 'plain',
      text,
      attachments: [
        {
          contentType: 'application/vnd.microsoft.teams.file.download.info',
          contentUrl: `https://contoso-my.sharepoint.com/personal/files/${encodeURIComponent(file.name)}`,
          name: file.name,
          // Teams gives each file its own unique id.
          content: { downloadUrl: file.url, uniqueId: uniqueIdOf(file.url), fileType: file.name.split('.').pop() },
        },
      ],
    });
    return { status: res.status, ms: res.ms };
  }

  /** Presses an Action.Execute button on the card with this message id. */
  async press(user: BenchUser, cardMessageId: string, verb: string, data: Record<string, unknown>): Promise<InvokeAnswer> {
    const res = await this.post({
      ...this.base(user),
      type: 'invoke',
      name: 'adaptiveCard/action',
      id: `f:${Date.now()}${this.seq++}`,
      replyToId: cardMessageId,
      value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
    });
    return { status: res.status, ms: res.ms, body: (res.body ?? {}) as InvokeAnswer['body'] };
  }
}

export function cardOf(activity: unknown): Record<string, unknown> | undefined {
  const attachments = (activity as { attachments?: Array<{ contentType?: string; content?: unknown }> } | undefined)?.attachments;
  const a = attachments?.find((x) => x.contentType === 'application/vnd.microsoft.card.adaptive');
  return a?.content as Record<string, unknown> | undefined;
}

/** Every Action.Execute on a card with its verb and data. */
export function cardActions(card: unknown): Array<{ verb: string; data: Record<string, unknown> }> {
  const out: Array<{ verb: string; data: Record<string, unknown> }> = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (o['type'] === 'Action.Execute' && typeof o['verb'] === 'string') out.push({ verb: o['verb'], data: (o['data'] ?? {}) as Record<string, unknown> });
    for (const v of Object.values(o)) if (typeof v === 'object') walk(v);
  };
  walk(card);
  return out;
}

/** A GUID-shaped id that stays the same for the same file (its download URL). */
function uniqueIdOf(url: string): string {
  const h = createHash('sha256').update(url).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
