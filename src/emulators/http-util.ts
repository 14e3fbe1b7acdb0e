import { setMaxListeners } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { AppError, GraphError, type ErrorCode } from '../errors';
import { adminRefusal } from './admin-guard';
import { describeIssues, faultRuleSchema, type FaultAction, type Faults } from './faults';
import { shapingSettingsSchema, type Shaping } from './shaping';

/**
 * Plumbing shared by the emulators: one Exchange per request (streaming body reads and
 * paced writes, Graph-shaped errors, request ids), fault application and the admin routes.
 */

export interface RequestLogEntry {
  method: string;
  /** Raw request path, without the query string (a download URL's tempauth never lands here). */
  path: string;
  /** Final status; 0 while in flight, or when a reset cut the connection before a status was sent. */
  status: number;
  /** Fault actions applied to this request, by type. */
  faults?: FaultAction['type'][];
}

export const GRAPH_JSON = 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';

/** Graph's `error.code` for a status when the handler does not name one. */
export function defaultGraphCode(status: number): string {
  switch (status) {
    case 400: return 'BadRequest';
    case 401: return 'InvalidAuthenticationToken';
    case 403: return 'Forbidden';
    case 404: return 'ErrorItemNotFound';
    case 405: return 'MethodNotAllowed';
    case 409: return 'Conflict';
    case 411: return 'LengthRequired';
    case 413: return 'RequestEntityTooLarge';
    case 416: return 'InvalidRange';
    case 429: return 'TooManyRequests';
    case 500: return 'InternalServerError';
    case 502: return 'BadGateway';
    case 503: return 'ServiceUnavailable';
    case 504: return 'GatewayTimeout';
    default: return status >= 500 ? 'InternalServerError' : 'BadRequest';
  }
}

function errorCodeFor(status: number): ErrorCode {
  if (status === 401) return 'GRAPH_UNAUTHORIZED';
  if (status === 403) return 'GRAPH_FORBIDDEN';
  if (status === 404) return 'GRAPH_NOT_FOUND';
  if (status === 409) return 'GRAPH_CONFLICT';
  if (status === 413) return 'GRAPH_PAYLOAD_TOO_LARGE';
  if (status === 429) return 'GRAPH_THROTTLED';
  if (status === 503) return 'GRAPH_UNAVAILABLE';
  if (status >= 500) return 'GRAPH_SERVER_ERROR';
  return 'GRAPH_BAD_REQUEST';
}

/** An error the emulator answers with (Graph error JSON), plus optional extra top-level fields. */
export class EmulatorHttpError extends GraphError {
  readonly extraBody: Record<string, unknown> | undefined;
  readonly headers: OutgoingHttpHeaders | undefined;

  constructor(status: number, message: string, options: { graphCode?: string; extraBody?: Record<string, unknown>; headers?: OutgoingHttpHeaders } = {}) {
    super(errorCodeFor(status), message, { status, graphCode: options.graphCode ?? defaultGraphCode(status) });
    this.name = 'EmulatorHttpError';
    this.extraBody = options.extraBody;
    this.headers = options.headers;
  }
}

export function httpError(status: number, message: string, graphCode?: string): EmulatorHttpError {
  return new EmulatorHttpError(status, message, { graphCode });
}

/** The client went away, or a reset fault cut the connection: nothing more to answer. */
export class ConnectionGone extends AppError {
  constructor() {
    super('NETWORK_ERROR', 'The connection closed before the exchange finished.');
    this.name = 'ConnectionGone';
  }
}

export type BodySource = Buffer | Iterable<Buffer> | AsyncIterable<Buffer>;

export interface ExchangeOptions {
  shaping: Shaping | undefined;
  /** Aborted when the emulator closes, so no timer outlives it. */
  signal: AbortSignal;
}

function isAsyncIterable(v: Iterable<Buffer> | AsyncIterable<Buffer>): v is AsyncIterable<Buffer> {
  return Symbol.asyncIterator in v;
}

export class Exchange {
  readonly method: string;
  /** Path as sent (percent-encoded), without the query string. */
  readonly rawPath: string;
  /** Path segments, each percent-decoded (ids are compared decoded). */
  readonly segments: string[] | undefined;
  readonly query: URLSearchParams;
  readonly requestId = randomUUID();
  readonly clientRequestId: string;
  /** Set by a reset fault: see FaultAction 'reset'. */
  resetAfterBytes: number | undefined;
  /** Fault types applied (for the request log). */
  readonly appliedFaults: FaultAction['type'][] = [];
  /** Where the final status is recorded. */
  logEntry: RequestLogEntry | undefined;

  /** Kept: Node detaches req.socket once the response finishes. */
  private readonly socket: Socket;
  private bodyConsumed = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly options: ExchangeOptions,
  ) {
    this.socket = req.socket;
    this.method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    this.rawPath = q < 0 ? url : url.slice(0, q);
    this.query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    this.segments = decodeSegments(this.rawPath);
    const sent = header(req, 'client-request-id');
    this.clientRequestId = sent ?? this.requestId;
    res.setHeader('request-id', this.requestId);
    res.setHeader('client-request-id', this.clientRequestId);
  }

  get decodedPath(): string {
    return this.segments ? `/${this.segments.join('/')}` : this.rawPath;
  }

  get hasBody(): boolean {
    const len = this.req.headers['content-length'];
    if (len !== undefined) return Number(len) > 0;
    return this.req.headers['transfer-encoding'] !== undefined;
  }

  get contentLength(): number | undefined {
    const len = this.req.headers['content-length'];
    if (len === undefined || !/^\d+$/.test(len)) return undefined;
    return Number(len);
  }

  get gone(): boolean {
    return this.socket.destroyed;
  }

  /**
   * The request body, one socket chunk at a time (never buffered here), paced by the
   * shaping settings. Throws ConnectionGone when the body does not arrive whole.
   */
  async *body(): AsyncGenerator<Buffer, void, undefined> {
    if (this.bodyConsumed) throw new AppError('INTERNAL', 'The request body was already read.');
    this.bodyConsumed = true;
    if (!this.hasBody) return;
    const limit = this.resetAfterBytes;
    let received = 0;
    try {
      if (limit === 0) this.cut();
      for await (const raw of this.req) {
        const chunk = raw as Buffer;
        if (limit !== undefined && received + chunk.length > limit) {
          // The fault cuts the connection after exactly `limit` bytes of the body.
          this.cut();
        }
        await this.pace(this.options.shaping?.readDelay(this.socket, chunk.length, received === 0) ?? 0);
        received += chunk.length;
        yield chunk;
      }
    } catch (err) {
      if (err instanceof ConnectionGone) throw err;
      throw new ConnectionGone();
    }
    if (!this.req.complete) throw new ConnectionGone();
  }

  /** Reads and discards the body (so an early answer never races the client's upload). */
  async drain(): Promise<void> {
    if (this.bodyConsumed) return;
    for await (const chunk of this.body()) void chunk;
  }

  /** Reads a JSON body of at most `limit` bytes; 413 beyond it, 400 when it is not JSON. */
  async readJson(limit: number): Promise<unknown> {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.body()) {
      size += chunk.length;
      if (size <= limit) parts.push(chunk);
    }
    if (size > limit) throw httpError(413, `The request body is larger than ${limit} bytes.`, 'RequestEntityTooLarge');
    const text = Buffer.concat(parts, size).toString('utf8');
    if (text.trim() === '') throw httpError(400, 'The request body must be JSON.', 'BadRequest');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw httpError(400, 'The request body is not valid JSON.', 'BadRequest');
    }
  }

  sendJson(status: number, value: unknown, headers: OutgoingHttpHeaders = {}): Promise<void> {
    const body = Buffer.from(JSON.stringify(value), 'utf8');
    return this.send(status, { 'content-type': GRAPH_JSON, 'content-length': body.length, ...headers }, body);
  }

  sendEmpty(status: number, headers: OutgoingHttpHeaders = {}): Promise<void> {
    return this.send(status, headers, undefined);
  }

  /** Graph's error shape: `{ error: { code, message, innerError: { request-id, client-request-id, date } } }`. */
  sendError(status: number, graphCode: string, message: string, extra: Record<string, unknown> = {}, headers: OutgoingHttpHeaders = {}): Promise<void> {
    return this.sendJson(
      status,
      {
        error: {
          code: graphCode,
          message,
          innerError: { 'request-id': this.requestId, 'client-request-id': this.clientRequestId, date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') },
        },
        ...extra,
      },
      headers,
    );
  }

  /**
   * Answers: drains an unread request body first, then writes the head and the body in
   * paced blocks with backpressure. A reset fault cuts the connection at the right byte.
   */
  async send(status: number, headers: OutgoingHttpHeaders, body: BodySource | undefined): Promise<void> {
    if (!this.bodyConsumed) await this.drain();
    if (this.gone) throw new ConnectionGone();
    // A reset fault on a request whose whole body arrived: handled, but the answer is lost.
    const limit = this.resetAfterBytes === undefined ? undefined : this.hasBody ? 0 : this.resetAfterBytes;
    if (limit === 0) this.cut();
    if (this.logEntry) this.logEntry.status = status;
    this.res.writeHead(status, headers);
    if (body === undefined || this.method === 'HEAD') {
      if (limit !== undefined) this.cut();
      await this.finish();
      return;
    }
    const block = this.options.shaping?.writeBlockBytes() ?? 64 * 1024;
    const shaped = this.options.shaping?.get().bytesPerSecond !== undefined;
    let written = 0;
    const iterate = async (chunk: Buffer): Promise<void> => {
      for (let off = 0; off < chunk.length; ) {
        const size = shaped ? Math.min(block, chunk.length - off) : chunk.length - off;
        let piece = chunk.subarray(off, off + size);
        off += size;
        if (limit !== undefined && written + piece.length >= limit) {
          piece = piece.subarray(0, limit - written);
          await this.write(piece);
          this.cut();
        }
        await this.pace(this.options.shaping?.writeDelay(this.socket, piece.length, written === 0) ?? 0);
        await this.write(piece);
        written += piece.length;
      }
    };
    if (Buffer.isBuffer(body)) await iterate(body);
    else if (isAsyncIterable(body)) for await (const chunk of body) await iterate(chunk);
    else for (const chunk of body) await iterate(chunk);
    if (limit !== undefined) this.cut();
    await this.finish();
  }

  /** Applies whatever send() failed with: Graph error JSON when still possible. */
  async fail(err: unknown): Promise<void> {
    if (err instanceof ConnectionGone || this.gone) {
      this.destroySocket();
      return;
    }
    if (this.res.headersSent) {
      this.destroySocket();
      return;
    }
    const e = err instanceof EmulatorHttpError ? err : httpError(500, 'The emulator failed to handle the request.', 'InternalServerError');
    try {
      await this.sendError(e.status ?? 500, e.graphCode ?? defaultGraphCode(e.status ?? 500), e.message, e.extraBody ?? {}, e.headers ?? {});
    } catch {
      this.destroySocket();
    }
  }

  /** Destroys the connection (reset fault) and stops the handler. */
  cut(): never {
    if (this.logEntry && !this.res.headersSent) this.logEntry.status = 0;
    this.destroySocket();
    throw new ConnectionGone();
  }

  destroySocket(): void {
    this.socket.destroy();
  }

  private async pace(ms: number): Promise<void> {
    if (ms <= 0) return;
    try {
      await delay(ms, undefined, { signal: this.options.signal });
    } catch {
      throw new ConnectionGone();
    }
    if (this.gone) throw new ConnectionGone();
  }

  private write(piece: Buffer): Promise<void> {
    if (this.gone) return Promise.reject(new ConnectionGone());
    if (this.res.write(piece)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        if (this.gone) reject(new ConnectionGone());
        else resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  private finish(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.res.end(() => resolve());
      // end's callback does not fire when the socket is destroyed first.
      this.res.once('close', () => resolve());
    });
  }
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  if (Array.isArray(v)) return v[0];
  return v;
}

/** Splits a raw path and percent-decodes each segment; undefined when a segment is not valid. */
export function decodeSegments(rawPath: string): string[] | undefined {
  const parts = rawPath.split('/').filter((p, i) => !(i === 0 && p === ''));
  try {
    return parts.map((p) => decodeURIComponent(p));
  } catch {
    return undefined;
  }
}

/** Sleeps for fault latency; rejects with ConnectionGone when the emulator closes. */
export async function waitMs(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return;
  try {
    await delay(ms, undefined, { signal });
  } catch {
    throw new ConnectionGone();
  }
}

/**
 * Counts the request against the fault rules and applies what fires: latency first, then a
 * 'status' answer (returns true: handled), else records reset/partial/expire-session for
 * the handler. Returns the actions that fired.
 */
export async function applyFaults(ex: Exchange, faults: Faults, signal: AbortSignal): Promise<{ handled: boolean; actions: FaultAction[] }> {
  const actions = faults.take(ex.method, ex.rawPath, ex.decodedPath);
  for (const a of actions) ex.appliedFaults.push(a.type);
  if (ex.logEntry && actions.length > 0) ex.logEntry.faults = [...ex.appliedFaults];
  for (const a of actions) if (a.type === 'latency') await waitMs(a.ms, signal);
  for (const a of actions) if (a.type === 'reset') ex.resetAfterBytes = a.afterBodyBytes ?? 0;
  const status = actions.find((a): a is Extract<FaultAction, { type: 'status' }> => a.type === 'status');
  if (status) {
    const headers: OutgoingHttpHeaders = {};
    if (status.retryAfterSeconds !== undefined) headers['retry-after'] = String(status.retryAfterSeconds);
    const message = status.status === 429 ? 'Too many requests; retry after the time given.' : `The service answered ${status.status} (injected fault).`;
    await ex.sendError(status.status, status.graphCode ?? defaultGraphCode(status.status), message, {}, headers);
    return { handled: true, actions };
  }
  return { handled: false, actions };
}

export interface AdminHooks {
  faults: Faults;
  shaping: Shaping;
  state: () => Record<string, unknown>;
  /** Emulator-specific admin routes; return false when the route is not one of them. */
  extra?: (ex: Exchange, route: string) => Promise<boolean>;
}

const ADMIN_JSON_LIMIT = 64 * 1024;

/**
 * `/_emulator/...` routes: loopback tooling for the playground and manual tests, guarded by
 * src/emulators/admin-guard.ts (loopback Host, custom header for changes, JSON bodies); no
 * faults, no shaping, not logged. Bad input → 400 with a sentence.
 */
export async function handleAdmin(ex: Exchange, hooks: AdminHooks): Promise<void> {
  const refused = adminRefusal(ex.req);
  if (refused) throw httpError(refused.status, refused.message);
  const route = `${ex.method} ${ex.rawPath.replace(/\/+$/, '')}`;
  if (route === 'GET /_emulator/state') {
    await ex.sendJson(200, { ...hooks.state(), faults: hooks.faults.list(), shaping: hooks.shaping.get() });
    return;
  }
  if (route === 'GET /_emulator/faults') {
    await ex.sendJson(200, { value: hooks.faults.list() });
    return;
  }
  if (route === 'POST /_emulator/faults') {
    const parsed = faultRuleSchema.safeParse(await readAdminJson(ex));
    if (!parsed.success) throw httpError(400, describeIssues(parsed.error), 'BadRequest');
    await ex.sendJson(201, { id: hooks.faults.add(parsed.data) });
    return;
  }
  if (route === 'DELETE /_emulator/faults') {
    hooks.faults.clear();
    await ex.sendEmpty(204);
    return;
  }
  const one = /^DELETE \/_emulator\/faults\/([^/]+)$/.exec(route);
  if (one?.[1] !== undefined) {
    if (!hooks.faults.remove(decodeURIComponent(one[1]))) throw httpError(404, 'There is no fault rule with that id.');
    await ex.sendEmpty(204);
    return;
  }
  if (route === 'PUT /_emulator/shaping') {
    const parsed = shapingSettingsSchema.safeParse(await readAdminJson(ex));
    if (!parsed.success) throw httpError(400, describeIssues(parsed.error), 'BadRequest');
    hooks.shaping.set({ bytesPerSecond: parsed.data.bytesPerSecond ?? undefined });
    await ex.sendJson(200, hooks.shaping.get());
    return;
  }
  if (route === 'GET /_emulator/shaping') {
    await ex.sendJson(200, hooks.shaping.get());
    return;
  }
  if (hooks.extra && (await hooks.extra(ex, route))) return;
  throw httpError(404, 'There is no such emulator admin route.');
}

async function readAdminJson(ex: Exchange): Promise<unknown> {
  try {
    return await ex.readJson(ADMIN_JSON_LIMIT);
  } catch (err) {
    if (err instanceof EmulatorHttpError && err.status === 400) throw httpError(400, 'The body must be a JSON object.', 'BadRequest');
    throw err;
  }
}

/** Listens and resolves the bound port (port 0 picks a free one). */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes the server and every keep-alive connection. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** `http://host:port`, bracketing IPv6 literals. */
export function origin(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** An AbortController whose signal may have any number of listeners (see the emulators' `closing`). */
export function unlimitedAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
