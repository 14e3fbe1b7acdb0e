import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AppError } from '../../errors';
import type { TodoTask, TodoTaskList } from '../../graph/types';
import { Faults } from '../faults';
import { handleTodo, type RequestFaults, type TodoContext } from './routes';
import { handleHostedContent, handleShares, SharesStore, type HostedContentInput, type SharedFile, type SharedFileInput } from './shares';
import { graphTime, TodoStore, type StoredList, type StoredTask } from './store';
import { applyFaults, closeServer, Exchange, handleAdmin, httpError, listen, origin, type RequestLogEntry, unlimitedAbortController } from '../http-util';
import { Shaping } from '../shaping';
import type { AccessTokenVerifier } from '../tokens';

/**
 * Microsoft Graph To Do emulator (lists, tasks, task file attachments, upload sessions),
 * held to the documented contract: every request needs `Authorization: Bearer`, ids need
 * percent-encoding, chunks go to `{uploadUrl}/content` with Content-Range, errors are Graph
 * error JSON with request ids. Faults and bandwidth shaping make it misbehave on purpose.
 */

export interface GraphTodoEmulatorOptions {
  host?: string;
  port?: number;
  /** Accepted bearer tokens (default: one random token per run, see `tokens`). */
  tokens?: string[];
  /** Items per page of lists and tasks (default 5). */
  pageSize?: number;
  /** Upload session lifetime, renewed by each accepted chunk (default 15 min). */
  sessionTtlMs?: number;
  /** Start with sample lists and tasks (default true). */
  seed?: boolean;
}

export interface GraphRequestLogEntry extends RequestLogEntry {
  /** The request carried a bearer token the emulator accepts. */
  authorization: boolean;
  /** Raw query string (without '?'), when there was one. */
  query?: string;
  contentLength?: number;
  contentRange?: string;
}

export interface EmulatorAttachment {
  id: string;
  name: string;
  size: number;
  contentType: string;
  lastModifiedDateTime: string;
  /** SHA-256 (hex) of the stored bytes. */
  sha256: string;
}

export interface EmulatorUploadSession {
  id: string;
  listId: string;
  taskId: string;
  name: string;
  size: number;
  nextExpectedOffset: number;
  expirationDateTime: string;
}

/** The audience of Graph access tokens. */
const GRAPH_AUDIENCE = 'https://graph.microsoft.com';

/**
 * A fresh bearer token for each emulator run: a fixed, well-known one would let any web page
 * that reaches the emulator (DNS rebinding) read the emulated To Do and its attachments.
 */
function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

function notFound(what: string): AppError {
  return new AppError('GRAPH_NOT_FOUND', `The emulator has no such ${what}.`, { status: 404 });
}

export class GraphTodoEmulator {
  /** `http://127.0.0.1:PORT/v1.0` */
  readonly baseUrl: string;
  readonly faults = new Faults();
  readonly shaping = new Shaping();
  /** Every Graph request (not admin routes), in arrival order. */
  readonly requests: GraphRequestLogEntry[] = [];

  private tokenSet: Set<string>;
  private readonly shares = new SharesStore();
  /** Identity emulators whose access tokens this Graph accepts (see trust()). */
  private readonly issuers: AccessTokenVerifier[] = [];
  /**
   * Aborted on close; every paced or delayed request waits on it, so many concurrent transfers
   * put many listeners on it at once (expected, not a leak): no listener limit on this signal.
   */
  private readonly closing = unlimitedAbortController();
  private readonly ctx: TodoContext;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    host: string,
    options: GraphTodoEmulatorOptions,
  ) {
    this.baseUrl = `${origin(host, port)}/v1.0`;
    this.tokenSet = new Set(options.tokens ?? [randomToken()]);
    this.ctx = {
      store: new TodoStore(options.seed ?? true),
      baseUrl: this.baseUrl,
      pageSize: options.pageSize ?? 5,
      sessionTtlMs: options.sessionTtlMs ?? 15 * 60_000,
    };
  }

  static async start(options: GraphTodoEmulatorOptions = {}): Promise<GraphTodoEmulator> {
    const host = options.host ?? '127.0.0.1';
    if (options.pageSize !== undefined && (!Number.isInteger(options.pageSize) || options.pageSize < 1)) throw new AppError('BAD_REQUEST', 'pageSize must be a whole number of at least 1.');
    let emulator: GraphTodoEmulator | undefined;
    const server = createServer((req, res) => {
      if (emulator) void emulator.handle(req, res);
      else res.destroy();
    });
    server.keepAliveTimeout = 30_000;
    const port = await listen(server, host, options.port ?? 0);
    emulator = new GraphTodoEmulator(server, port, host, options);
    return emulator;
  }

  /** Stops listening and closes every connection, including idle keep-alive ones. */
  async close(): Promise<void> {
    this.closing.abort();
    await closeServer(this.server);
  }

  /** Replaces the accepted bearer tokens (e.g. to make the current one "expire"). */
  setTokens(tokens: string[]): void {
    this.tokenSet = new Set(tokens);
  }

  get tokens(): string[] {
    return [...this.tokenSet];
  }

  /**
   * Accepts the access tokens an identity emulator issues (Entra, hence the token service):
   * valid ones for the Graph audience pass, expired ones get 401 as Graph answers them.
   */
  trust(issuer: AccessTokenVerifier): void {
    this.issuers.push(issuer);
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  lists(): TodoTaskList[] {
    return [...this.ctx.store.lists.values()].map(toList);
  }

  tasks(listId: string): TodoTask[] {
    const list = this.ctx.store.lists.get(listId);
    if (!list) throw notFound('list');
    return [...list.tasks.values()].map(toTask);
  }

  attachments(listId: string, taskId: string): EmulatorAttachment[] {
    const task = this.ctx.store.task(listId, taskId);
    if (!task) throw notFound('task');
    return [...task.attachments.values()].map((a) => ({
      id: a.id,
      name: a.name,
      size: a.size,
      contentType: a.contentType,
      lastModifiedDateTime: a.lastModifiedDateTime,
      sha256: a.sha256,
    }));
  }

  attachmentBytes(listId: string, taskId: string, attachmentId: string): Buffer {
    const att = this.ctx.store.task(listId, taskId)?.attachments.get(attachmentId);
    if (!att) throw notFound('attachment');
    return Buffer.concat(att.parts, att.size);
  }

  addList(displayName: string): TodoTaskList {
    return toList(this.ctx.store.addList(displayName));
  }

  /** `createdMs`: when it was created (and last changed), e.g. weeks ago for a realistic account. */
  addTask(listId: string, title: string, opts: { status?: string; importance?: string; body?: string; dueDateTime?: string; createdMs?: number } = {}): TodoTask {
    const list = this.ctx.store.lists.get(listId);
    if (!list) throw notFound('list');
    return toTask(this.ctx.store.addTask(list, title, opts));
  }

  /** Puts an attachment on a task directly (e.g. to test "already attached" detection). */
  addAttachment(listId: string, taskId: string, input: { name: string; content: Buffer; contentType?: string }): EmulatorAttachment {
    const task = this.ctx.store.task(listId, taskId);
    if (!task) throw notFound('task');
    const a = this.ctx.store.addAttachment(task, { name: input.name, contentType: input.contentType ?? 'application/octet-stream', parts: [Buffer.from(input.content)] });
    return { id: a.id, name: a.name, size: a.size, contentType: a.contentType, lastModifiedDateTime: a.lastModifiedDateTime, sha256: a.sha256 };
  }

  /** Deletes a task with its attachments and upload sessions; false when it did not exist. */
  deleteTask(listId: string, taskId: string): boolean {
    return this.ctx.store.deleteTask(listId, taskId);
  }

  /**
   * Registers a SharePoint/OneDrive file reachable through `/shares/{u!…}/driveItem`; its
   * content request redirects (302) to `downloadUrl` (e.g. a FileHostEmulator URL).
   */
  addSharedFile(input: SharedFileInput): SharedFile {
    return this.shares.addSharedFile(input);
  }

  /** Deletes a shared file: /shares answers 404 itemNotFound for it from now on. */
  removeSharedFile(webUrl: string): boolean {
    return this.shares.removeSharedFile(webUrl);
  }

  /** Registers an image pasted into a message; returns the absolute `…/hostedContents/{id}/$value` URL. */
  addHostedContent(input: HostedContentInput): { id: string; url: string } {
    const { id, path } = this.shares.addHostedContent(input);
    return { id, url: `${this.baseUrl}${path}` };
  }

  /** The task's note, as a GET returns it (text). */
  taskNote(listId: string, taskId: string): string {
    const task = this.ctx.store.task(listId, taskId);
    if (!task) throw notFound('task');
    return task.body;
  }

  /** The task's linked resources, as Graph would list them. */
  linkedResources(listId: string, taskId: string): Array<{ id: string; webUrl?: string; applicationName?: string; displayName?: string; externalId?: string }> {
    const task = this.ctx.store.task(listId, taskId);
    if (!task) throw notFound('task');
    return task.linkedResources.map((r) => ({ ...r }));
  }

  /** Expires every upload session (they answer 404 from now on); returns how many were live. */
  expireAllSessions(): number {
    return this.ctx.store.expireAllSessions();
  }

  sessionCount(): number {
    return this.ctx.store.liveSessionCount();
  }

  sessions(): EmulatorUploadSession[] {
    const out: EmulatorUploadSession[] = [];
    for (const id of [...this.ctx.store.sessions.keys()]) {
      const s = this.ctx.store.session(id);
      if (s) out.push({ id: s.id, listId: s.listId, taskId: s.taskId, name: s.name, size: s.size, nextExpectedOffset: s.received, expirationDateTime: graphTime(s.expiresAt) });
    }
    return out;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const admin = (req.url ?? '').startsWith('/_emulator/');
    const ex = new Exchange(req, res, { shaping: admin ? undefined : this.shaping, signal: this.closing.signal });
    try {
      if (admin) {
        await handleAdmin(ex, {
          faults: this.faults,
          shaping: this.shaping,
          state: () => ({ ...this.ctx.store.counts(), requests: this.requests.length, tokens: this.tokenSet.size }),
          extra: async (x, route) => {
            if (route !== 'POST /_emulator/expire-sessions') return false;
            await x.sendJson(200, { expired: this.expireAllSessions() });
            return true;
          },
        });
        return;
      }
      await this.handleGraph(ex);
    } catch (err) {
      await ex.fail(err);
    }
  }

  private async handleGraph(ex: Exchange): Promise<void> {
    const auth = this.authorize(ex.req);
    const authorized = auth.ok;
    const entry: GraphRequestLogEntry = { method: ex.method, path: ex.rawPath, status: 0, authorization: authorized };
    const q = (ex.req.url ?? '').indexOf('?');
    if (q >= 0) entry.query = (ex.req.url ?? '').slice(q + 1);
    if (ex.contentLength !== undefined) entry.contentLength = ex.contentLength;
    const range = ex.req.headers['content-range'];
    if (range !== undefined) entry.contentRange = range;
    this.requests.push(entry);
    ex.logEntry = entry;

    const { handled, actions } = await applyFaults(ex, this.faults, this.closing.signal);
    if (handled) return;
    const faults: RequestFaults = {};
    for (const a of actions) {
      if (a.type === 'partial') faults.partialAcceptBytes = a.acceptBytes;
      if (a.type === 'expire-session') faults.expireSession = true;
    }

    // To Do's upload URL is not pre-authenticated: every request, chunk PUTs included, needs the bearer.
    if (!authorized) {
      const hasHeader = ex.req.headers.authorization !== undefined;
      const why = auth.expired ? 'Lifetime validation failed, the token is expired.' : 'Access token validation failure. Invalid audience or expired token.';
      throw httpError(401, hasHeader ? why : 'Access token is empty.', 'InvalidAuthenticationToken');
    }

    const segs = ex.segments;
    if (!segs || segs[0] !== 'v1.0') throw httpError(404, 'Resource not found for the segment in the request path.', 'ResourceNotFound');
    // Graph: "/me request is only valid with delegated authentication flow."
    if (segs[1] === 'me' && auth.appOnly) throw httpError(400, '/me request is only valid with delegated authentication flow.', 'BadRequest');
    if (segs[1] === 'users' && auth.appOnly && !(Array.isArray(auth.roles) && auth.roles.includes('Tasks.ReadWrite.All'))) {
      throw httpError(403, 'Either scp or roles claim need to be present in the token.', 'Forbidden');
    }
    if (segs[1] === 'shares') return handleShares(ex, this.shares, segs.slice(2));
    if (segs[1] === 'chats' || segs[1] === 'teams') return handleHostedContent(ex, this.shares, segs.slice(1));
    // `/me/todo/...` and `/users/{id}/todo/...` are the same resource for the signed-in user.
    let rest: string[] | undefined;
    if (segs[1] === 'me' && segs[2] === 'todo') rest = segs.slice(3);
    else if (segs[1] === 'users' && segs[2] !== undefined && segs[2] !== '' && segs[3] === 'todo') rest = segs.slice(4);
    if (!rest) throw httpError(404, 'Resource not found for the segment in the request path.', 'ResourceNotFound');
    await handleTodo(ex, this.ctx, rest, faults);
  }

  private authorize(req: IncomingMessage): { ok: boolean; expired?: boolean; appOnly?: boolean; roles?: unknown } {
    const h = req.headers.authorization;
    if (h === undefined) return { ok: false };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    const token = m?.[1];
    if (token === undefined) return { ok: false };
    if (this.tokenSet.has(token)) return { ok: true };
    let expired = false;
    for (const issuer of this.issuers) {
      const verdict = issuer.verifyAccessToken(token, GRAPH_AUDIENCE);
      if (verdict.ok) return { ok: true, appOnly: verdict.claims['idtyp'] === 'app', roles: verdict.claims['roles'] };
      if (verdict.reason === 'expired') expired = true;
    }
    return { ok: false, expired };
  }
}

function toList(l: StoredList): TodoTaskList {
  return { id: l.id, displayName: l.displayName, isOwner: l.isOwner, isShared: l.isShared, wellknownListName: l.wellknownListName };
}

function toTask(t: StoredTask): TodoTask {
  return {
    id: t.id,
    title: t.title,
    status: t.status,
    importance: t.importance,
    hasAttachments: t.attachments.size > 0,
    createdDateTime: t.createdDateTime,
    lastModifiedDateTime: t.lastModifiedDateTime,
    ...(t.dueDateTime !== undefined ? { dueDateTime: t.dueDateTime } : {}),
  };
}
