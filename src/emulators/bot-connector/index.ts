import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { adminRefusal } from '../admin-guard';
import {
  HttpProblem,
  isRecord,
  methodNotAllowed,
  parseOrProblem,
  pathSegments,
  readActivity,
  readJson,
  sendError,
  sendJson,
} from './http';

/**
 * A stand-in for the Bot Framework Connector service (Bot Framework REST API v3) that a
 * Teams bot calls to send, reply to, update and delete messages. botbuilder's CloudAdapter
 * in local mode (no app id) calls the activity's `serviceUrl` without an Authorization
 * header, so pointing `serviceUrl` here is all a test needs.
 *
 * Routes are matched on the path after any prefix: Teams' serviceUrls carry a region
 * prefix (`https://smba.trafficmanager.net/emea/`) and botframework-connector appends
 * `v3/conversations/{encodeURIComponent(conversationId)}/…` to it.
 */

export type ConnectorActivityKind = 'send' | 'reply' | 'update' | 'delete' | 'create-conversation';
/** The writes Teams throttles (messages and their updates). */
export type ThrottledKind = 'send' | 'reply' | 'update';

export interface RecordedActivity {
  kind: ConnectorActivityKind;
  conversationId: string;
  /** The activity the request created or addressed ('' for a conversation created without one). */
  activityId: string;
  replyToId?: string;
  /** The JSON the bot sent (the activity, or the conversation parameters). */
  body: unknown;
  at: number;
}

export interface RejectedRequest {
  kind: ThrottledKind;
  conversationId: string;
  activityId?: string;
  status: number;
  retryAfterSeconds: number;
  reason: 'throttle' | 'rate-limit';
  at: number;
}

/** One message as it stands now: the latest body after every update. */
export interface ConnectorMessage {
  conversationId: string;
  activityId: string;
  replyToId?: string;
  body: unknown;
  updateCount: number;
  createdAt: number;
  updatedAt: number;
}

const throttleSchema = z.strictObject({
  kind: z.enum(['update', 'send', 'reply']).optional(),
  nth: z.number().int().min(1).optional(),
  times: z.number().int().min(1).optional(),
  status: z.number().int().min(400).max(599).optional(),
  retryAfterSeconds: z.number().min(0).max(3600).optional(),
});
/**
 * Answer matching requests with an error instead of handling them. `kind` absent: every send,
 * reply or update. `nth` (default 1) counts matching requests from when the rule is added,
 * including retries and requests other rules rejected; `times` (default 1) consecutive
 * matching requests are rejected from the nth on. Defaults: 429 with `Retry-After: 1`.
 */
export type ThrottleOptions = z.infer<typeof throttleSchema>;

const rateLimitSchema = z.strictObject({
  perSecondPerConversation: z.number().int().min(1).nullable(),
});

export interface BotConnectorEmulatorOptions {
  host?: string;
  port?: number;
  /** Path before `v3/…`, like Teams' regional prefix. Default '/emea/'. */
  pathPrefix?: string;
}

interface ThrottleRule {
  kind: ThrottledKind | undefined;
  skip: number;
  remaining: number;
  status: number;
  retryAfterSeconds: number;
}

interface StoredMessage extends ConnectorMessage {
  deleted: boolean;
}

const WINDOW_MS = 1000;
const POLL_MS = 50;

export class BotConnectorEmulator {
  /** Every accepted request, in arrival order. */
  readonly activities: RecordedActivity[] = [];
  /** Requests answered with a throttling status instead of being handled. */
  readonly rejections: RejectedRequest[] = [];

  private readonly byKey = new Map<string, StoredMessage>();
  private readonly conversationsByMember = new Map<string, string>();
  private readonly membersByConversation = new Map<string, unknown[]>();
  private readonly recentWrites = new Map<string, number[]>();
  private readonly listeners = new Set<() => void>();
  private readonly closers = new Set<(err: Error) => void>();
  private throttles: ThrottleRule[] = [];
  private perSecondPerConversation: number | undefined;
  private lastActivityId = 0;

  private constructor(
    private readonly server: http.Server,
    /** Base URL to use as an activity's serviceUrl: includes the prefix and a trailing slash. */
    readonly serviceUrl: string,
  ) {}

  static async start(options: BotConnectorEmulatorOptions = {}): Promise<BotConnectorEmulator> {
    const host = options.host ?? '127.0.0.1';
    const prefix = normalizePrefix(options.pathPrefix ?? '/emea/');
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const hostPart = host.includes(':') ? `[${host}]` : host;
    const emulator = new BotConnectorEmulator(server, `http://${hostPart}:${port}${prefix}`);
    server.on('request', (req, res) => {
      emulator.handle(req, res).catch((err: unknown) => {
        const problem = err instanceof HttpProblem ? err : new HttpProblem(500, 'InternalServerError', 'The emulator failed.');
        sendError(res, problem);
      });
    });
    return emulator;
  }

  async close(): Promise<void> {
    for (const reject of this.closers) reject(new Error('The Bot Connector emulator was closed while waiting.'));
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Keep-alive sockets of botbuilder's HTTP client would otherwise hold the server open.
    this.server.closeAllConnections();
    await closed;
  }

  // ---- Test helpers -------------------------------------------------------------------

  /** Messages as they stand now (latest body after updates), oldest first; deleted ones left out. */
  messages(conversationId?: string): ConnectorMessage[] {
    const base = conversationId === undefined ? undefined : baseConversationId(conversationId);
    const out: ConnectorMessage[] = [];
    for (const m of this.byKey.values()) {
      if (m.deleted) continue;
      if (base !== undefined && baseConversationId(m.conversationId) !== base) continue;
      const { deleted: _deleted, ...message } = m;
      out.push(message);
    }
    return out;
  }

  /** Every accepted update of one activity, oldest first. */
  updatesOf(activityId: string): RecordedActivity[] {
    return this.activities.filter((a) => a.kind === 'update' && a.activityId === activityId);
  }

  /**
   * Resolves with the predicate's first value other than undefined, null or false. Checked
   * after every request the emulator handles and every 50 ms (for predicates over other state).
   */
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(poller);
        this.listeners.delete(check);
        this.closers.delete(onClose);
        outcome();
      };
      const check = () => {
        try {
          const value = predicate();
          if (value !== undefined && value !== null && value !== false) finish(() => resolve(value));
        } catch (err) {
          finish(() => reject(err instanceof Error ? err : new Error(String(err))));
        }
      };
      const onClose = (err: Error) => finish(() => reject(err));
      const timer = setTimeout(
        () => finish(() => reject(new Error(`waitFor: condition not met within ${timeoutMs} ms. ${this.describe()}`))),
        timeoutMs,
      );
      const poller = setInterval(check, POLL_MS);
      this.listeners.add(check);
      this.closers.add(onClose);
      check();
    });
  }

  /**
   * The highest number of accepted updates one activity got within any 1-second window
   * (for `activityId`, or the worst activity). Teams allows about 7 per second per conversation.
   */
  maxUpdatesPerSecond(activityId?: string): number {
    const times = new Map<string, number[]>();
    for (const a of this.activities) {
      if (a.kind !== 'update' || (activityId !== undefined && a.activityId !== activityId)) continue;
      const key = `${baseConversationId(a.conversationId)}\n${a.activityId}`;
      const list = times.get(key) ?? [];
      list.push(a.at);
      times.set(key, list);
    }
    let max = 0;
    for (const list of times.values()) max = Math.max(max, maxInWindow(list, WINDOW_MS));
    return max;
  }

  /** Rejects matching requests (see ThrottleOptions); rules queue up in the order added. */
  throttle(options: ThrottleOptions = {}): void {
    const o = throttleSchema.parse(options);
    this.throttles.push({
      kind: o.kind,
      skip: (o.nth ?? 1) - 1,
      remaining: o.times ?? 1,
      status: o.status ?? 429,
      retryAfterSeconds: o.retryAfterSeconds ?? 1,
    });
  }

  /**
   * Enforces Teams' per-conversation rate (about 7 messages/updates per second) with 429s;
   * undefined turns it off. Retry-After says when a slot frees up, to the millisecond
   * (Teams sends whole seconds; botbuilder's pipeline and src/retry.ts read fractions too).
   */
  rateLimit(options: { perSecondPerConversation: number } | undefined): void {
    const parsed = rateLimitSchema.parse({ perSecondPerConversation: options?.perSecondPerConversation ?? null });
    this.perSecondPerConversation = parsed.perSecondPerConversation ?? undefined;
    this.recentWrites.clear();
  }

  /** Forgets every recorded request, message, throttle rule and the rate limit. */
  clear(): void {
    this.activities.length = 0;
    this.rejections.length = 0;
    this.byKey.clear();
    this.conversationsByMember.clear();
    this.membersByConversation.clear();
    this.recentWrites.clear();
    this.throttles = [];
    this.perSecondPerConversation = undefined;
  }

  /** Everything a test or the playground may want to look at (also GET /_emulator/state). */
  state(): {
    serviceUrl: string;
    activities: RecordedActivity[];
    messages: ConnectorMessage[];
    rejections: RejectedRequest[];
    pendingThrottles: number;
    rateLimit: { perSecondPerConversation: number } | null;
  } {
    return {
      serviceUrl: this.serviceUrl,
      activities: [...this.activities],
      messages: this.messages(),
      rejections: [...this.rejections],
      pendingThrottles: this.throttles.length,
      rateLimit: this.perSecondPerConversation === undefined ? null : { perSecondPerConversation: this.perSecondPerConversation },
    };
  }

  // ---- HTTP ---------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const segments = pathSegments(req.url ?? '/');
    const adminAt = segments.indexOf('_emulator');
    if (adminAt >= 0) return this.handleAdmin(method, segments.slice(adminAt + 1), req, res);
    const v3At = segments.findIndex((s, i) => s === 'v3' && segments[i + 1] === 'conversations');
    if (v3At < 0) throw new HttpProblem(404, 'NotFound', 'No such Bot Connector route.');
    const rest = segments.slice(v3At + 2);
    const [conversationId, collection, itemId, sub] = rest;

    if (conversationId === undefined) {
      if (method === 'POST') return sendJson(res, 201, this.createConversation(await readJson(req)));
      if (method === 'GET') return sendJson(res, 200, { conversations: this.listConversations() });
      throw methodNotAllowed();
    }
    if (collection === 'activities' && rest.length === 2) {
      if (method !== 'POST') throw methodNotAllowed();
      const body = await readActivity(req);
      if (this.reject(res, 'send', conversationId, undefined)) return;
      return sendJson(res, 201, { id: this.addMessage('send', conversationId, body, undefined) });
    }
    if (collection === 'activities' && itemId === 'history' && rest.length === 3) {
      throw new HttpProblem(501, 'NotImplemented', 'Conversation history is not emulated.');
    }
    if (collection === 'activities' && itemId !== undefined && rest.length === 3) {
      if (method === 'POST') {
        const body = await readActivity(req);
        if (this.reject(res, 'reply', conversationId, itemId)) return;
        return sendJson(res, 201, { id: this.addMessage('reply', conversationId, body, itemId) });
      }
      if (method === 'PUT') {
        const body = await readActivity(req);
        if (this.reject(res, 'update', conversationId, itemId)) return;
        this.updateMessage(conversationId, itemId, body);
        return sendJson(res, 200, { id: itemId });
      }
      if (method === 'DELETE') {
        this.deleteMessage(conversationId, itemId);
        return sendJson(res, 200, {});
      }
      throw methodNotAllowed();
    }
    if (method !== 'GET') throw methodNotAllowed();
    if (collection === 'activities' && itemId !== undefined && sub === 'members' && rest.length === 4) {
      return sendJson(res, 200, this.membersOf(conversationId));
    }
    if (collection === 'members' && rest.length === 2) return sendJson(res, 200, this.membersOf(conversationId));
    if (collection === 'members' && itemId !== undefined && rest.length === 3) return sendJson(res, 200, plausibleMember(itemId));
    if (collection === 'pagedmembers' && rest.length === 2) return sendJson(res, 200, { members: this.membersOf(conversationId) });
    throw new HttpProblem(404, 'NotFound', 'No such Bot Connector route.');
  }

  private async handleAdmin(method: string, rest: string[], req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const refused = adminRefusal(req);
    if (refused) throw new HttpProblem(refused.status, refused.status === 421 ? 'MisdirectedRequest' : 'Forbidden', refused.message);
    const route = `${method} ${rest.join('/')}`;
    if (route === 'GET state') return sendJson(res, 200, this.state());
    if (route === 'POST throttle') {
      this.throttle(parseOrProblem(throttleSchema, await readJson(req)));
      return sendJson(res, 200, { pendingThrottles: this.throttles.length });
    }
    if (route === 'POST rate-limit') {
      const { perSecondPerConversation } = parseOrProblem(rateLimitSchema, await readJson(req));
      this.rateLimit(perSecondPerConversation === null ? undefined : { perSecondPerConversation });
      return sendJson(res, 200, this.state().rateLimit);
    }
    if (route === 'POST clear') {
      this.clear();
      return sendJson(res, 200, {});
    }
    throw new HttpProblem(404, 'NotFound', 'No such emulator admin route.');
  }

  // ---- Behaviour ----------------------------------------------------------------------

  /** True when the request was answered with a throttling error (and must not be handled). */
  private reject(res: http.ServerResponse, kind: ThrottledKind, conversationId: string, activityId: string | undefined): boolean {
    const now = Date.now();
    let verdict: { status: number; retryAfterSeconds: number; reason: 'throttle' | 'rate-limit' } | undefined;
    for (const rule of this.throttles) {
      if (rule.kind !== undefined && rule.kind !== kind) continue;
      if (rule.skip > 0) {
        rule.skip--;
      } else if (verdict === undefined && rule.remaining > 0) {
        rule.remaining--;
        verdict = { status: rule.status, retryAfterSeconds: rule.retryAfterSeconds, reason: 'throttle' };
      }
    }
    this.throttles = this.throttles.filter((r) => r.remaining > 0);
    if (verdict === undefined && this.perSecondPerConversation !== undefined) {
      const key = baseConversationId(conversationId);
      const recent = (this.recentWrites.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
      this.recentWrites.set(key, recent);
      const oldest = recent[0];
      if (oldest !== undefined && recent.length >= this.perSecondPerConversation) {
        const waitMs = Math.max(1, oldest + WINDOW_MS - now);
        verdict = { status: 429, retryAfterSeconds: waitMs / 1000, reason: 'rate-limit' };
      } else {
        recent.push(now);
      }
    }
    if (verdict === undefined) return false;
    this.rejections.push({ kind, conversationId, ...(activityId === undefined ? {} : { activityId }), ...verdict, at: now });
    res.setHeader('Retry-After', String(verdict.retryAfterSeconds));
    sendJson(res, verdict.status, {
      error: {
        code: verdict.status === 429 ? 'Throttled' : 'ServiceError',
        message: verdict.status === 429 ? 'Too many requests for this conversation; retry later.' : 'The service is unavailable; retry later.',
      },
    });
    this.notify();
    return true;
  }

  private addMessage(kind: 'send' | 'reply', conversationId: string, body: Record<string, unknown>, replyToId: string | undefined): string {
    const activityId = this.nextActivityId();
    const at = Date.now();
    this.activities.push({ kind, conversationId, activityId, ...(replyToId === undefined ? {} : { replyToId }), body, at });
    this.byKey.set(messageKey(conversationId, activityId), {
      conversationId,
      activityId,
      ...(replyToId === undefined ? {} : { replyToId }),
      body,
      updateCount: 0,
      createdAt: at,
      updatedAt: at,
      deleted: false,
    });
    this.notify();
    return activityId;
  }

  private updateMessage(conversationId: string, activityId: string, body: Record<string, unknown>): void {
    const message = this.byKey.get(messageKey(conversationId, activityId));
    // Teams answers 404 for an activity id it never issued in that conversation.
    if (!message || message.deleted) throw new HttpProblem(404, 'ActivityNotFound', 'The activity was not found in this conversation.');
    const at = Date.now();
    this.activities.push({ kind: 'update', conversationId, activityId, body, at });
    message.body = body;
    message.updateCount++;
    message.updatedAt = at;
    this.notify();
  }

  private deleteMessage(conversationId: string, activityId: string): void {
    const message = this.byKey.get(messageKey(conversationId, activityId));
    if (!message || message.deleted) throw new HttpProblem(404, 'ActivityNotFound', 'The activity was not found in this conversation.');
    message.deleted = true;
    this.activities.push({ kind: 'delete', conversationId, activityId, body: null, at: Date.now() });
    this.notify();
  }

  private createConversation(params: unknown): { id: string; activityId?: string } {
    if (!isRecord(params)) throw new HttpProblem(400, 'BadArgument', 'Conversation parameters must be a JSON object.');
    const members = Array.isArray(params.members) ? params.members : [];
    const firstMemberId = members.map((m) => (isRecord(m) && typeof m.id === 'string' ? m.id : undefined)).find((id) => id !== undefined);
    const channelData = isRecord(params.channelData) ? params.channelData : undefined;
    const channelId = channelData && isRecord(channelData.channel) && typeof channelData.channel.id === 'string' ? channelData.channel.id : undefined;
    const activity = isRecord(params.activity) ? params.activity : undefined;
    if (channelId === undefined && firstMemberId === undefined) {
      throw new HttpProblem(400, 'BadArgument', 'Conversation parameters need members (1:1 chat) or channelData.channel (channel post).');
    }
    const activityId = activity ? this.nextActivityId() : undefined;
    let conversationId: string;
    if (channelId !== undefined) {
      // A new channel post: Teams names the thread after its first message.
      conversationId = activityId === undefined ? channelId : `${channelId};messageid=${activityId}`;
    } else {
      // Teams hands back the same 1:1 conversation every time for the same user.
      const memberId = firstMemberId as string;
      conversationId = this.conversationsByMember.get(memberId) ?? `a:1${randomBytes(48).toString('base64url')}`;
      this.conversationsByMember.set(memberId, conversationId);
    }
    if (members.length > 0) this.membersByConversation.set(baseConversationId(conversationId), members);
    const at = Date.now();
    this.activities.push({ kind: 'create-conversation', conversationId, activityId: activityId ?? '', body: params, at });
    if (activity && activityId !== undefined) {
      this.byKey.set(messageKey(conversationId, activityId), {
        conversationId,
        activityId,
        body: activity,
        updateCount: 0,
        createdAt: at,
        updatedAt: at,
        deleted: false,
      });
    }
    this.notify();
    return activityId === undefined ? { id: conversationId } : { id: conversationId, activityId };
  }

  private listConversations(): Array<{ id: string; members: unknown[] }> {
    const ids = new Set<string>();
    for (const a of this.activities) ids.add(a.conversationId);
    return [...ids].map((id) => ({ id, members: this.membersOf(id) }));
  }

  private membersOf(conversationId: string): unknown[] {
    const known = this.membersByConversation.get(baseConversationId(conversationId));
    if (known) return known.map((m) => (isRecord(m) && typeof m.id === 'string' ? { ...plausibleMember(m.id), ...m } : m));
    return [plausibleMember('29:1emulated-user')];
  }

  /** Teams message ids are epoch-millisecond numbers (13 digits); kept strictly increasing. */
  private nextActivityId(): string {
    this.lastActivityId = Math.max(Date.now(), this.lastActivityId + 1);
    return String(this.lastActivityId);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private describe(): string {
    const last = this.activities.slice(-3).map((a) => `${a.kind} ${a.activityId || '-'}`);
    return `Recorded ${this.activities.length} request(s)${last.length ? ` (last: ${last.join(', ')})` : ''} and ${this.rejections.length} rejection(s).`;
  }
}

// ---- Helpers ------------------------------------------------------------------------------

function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '/' : `/${trimmed}/`;
}

/** A channel thread ("19:…@thread.tacv2;messageid=123") belongs to its channel's conversation. */
function baseConversationId(conversationId: string): string {
  return conversationId.replace(/;messageid=\d+$/i, '');
}

function messageKey(conversationId: string, activityId: string): string {
  return `${baseConversationId(conversationId)}\n${activityId}`;
}

/** The most timestamps (sorted ascending) that fall within any window of `windowMs`. */
export function maxInWindow(sortedTimes: readonly number[], windowMs: number): number {
  let max = 0;
  let start = 0;
  for (let end = 0; end < sortedTimes.length; end++) {
    while ((sortedTimes[end] as number) - (sortedTimes[start] as number) >= windowMs) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

function plausibleMember(id: string): Record<string, unknown> {
  const hex = createHash('sha256').update(id).digest('hex');
  const aadObjectId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return {
    id,
    name: 'Emulated User',
    aadObjectId,
    givenName: 'Emulated',
    surname: 'User',
    email: 'emulated.user@contoso.example',
    userPrincipalName: 'emulated.user@contoso.example',
    tenantId: '00000000-0000-4000-8000-000000000001',
    userRole: 'user',
  };
}

