import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { AppError, cancelledError, type ErrorCode } from '../errors';
import type { Logger } from '../log';
import { inSpan, setSafeAttributes, SpanKind, SpanStatusCode } from '../observability/tracing';
import { DEFAULT_RETRY_POLICY, retryDelayMs, sleep, type RetryPolicy } from '../retry';
import { badResponseError, errorFromResponse, errorFromThrown, type ResponseHeaders } from './errors';
import type { TokenProvider } from './types';

/**
 * The one door to Microsoft Graph: a bearer token on every request (asked of the provider
 * each time), a fresh `client-request-id`, typed errors, Retry-After, and the rule that the
 * token is only ever sent to the origin of the configured Graph root.
 */

export interface GraphRequestInfo {
  operation: string;
  method: string;
  /** Attempt number within the client's retry loop (1 for the first). */
  attempt: number;
  status?: number;
  /** Set when the exchange failed. */
  code?: ErrorCode;
  clientRequestId: string;
  requestId?: string;
  /** Whether the token came from a forced refresh (after a 401). */
  forcedRefresh: boolean;
  durationMs: number;
}

export interface GraphHttpOptions {
  /** Graph root, e.g. https://graph.microsoft.com/v1.0. */
  baseUrl: string;
  tokenProvider: TokenProvider;
  retryPolicy?: RetryPolicy;
  /** Defaults to a keep-alive Agent owned (and closed) by this object. */
  dispatcher?: Dispatcher;
  logger?: Logger;
  onRequest?: (info: GraphRequestInfo) => void;
  /** A JSON request failed and will be sent again after `waitMs` (metrics: retries and waits by code). */
  onRetry?: (info: { operation: string; attempt: number; waitMs: number; code: ErrorCode }) => void;
}

export interface GraphResponse {
  status: number;
  headers: ResponseHeaders;
  /** Parsed JSON body, or undefined when empty or not JSON. */
  body: unknown;
  clientRequestId: string;
  requestId: string | undefined;
}

/**
 * How a request may be replayed. `idempotent`: every retryable error. `refused-only`: only when
 * Graph said it did not act (429, 503) — a POST that creates something must not run twice
 * because a 504 or a dropped connection left us unsure.
 */
export type ReplayMode = 'idempotent' | 'refused-only';

export type Target = { path: string } | { url: string };

export interface JsonCall {
  operation: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** A path under the Graph root (already encoded) or an absolute URL Graph handed us. */
  target: Target;
  json?: unknown;
  signal?: AbortSignal | undefined;
  /** Code for a 404 (default GRAPH_NOT_FOUND). */
  notFoundCode?: ErrorCode;
  /** Non-2xx statuses handed back instead of thrown (e.g. 404 on a DELETE that is fine). */
  alsoAccept?: readonly number[];
  replay: ReplayMode;
}

export interface StreamCall {
  operation: string;
  method: 'PUT';
  url: string;
  headers: Record<string, string>;
  body: Readable;
  signal: AbortSignal;
  notFoundCode?: ErrorCode;
  alsoAccept?: readonly number[];
}

const REFUSED_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['GRAPH_THROTTLED', 'GRAPH_UNAVAILABLE']);

function firstHeader(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Origin and request target of an absolute URL, keeping the target's text exactly as Graph
 * wrote it (`@odata.nextLink` is followed verbatim; WHATWG parsing would re-encode quotes).
 */
export function splitUrl(url: string): { origin: string; path: string } {
  const parsed = new URL(url);
  const withoutFragment = url.split('#')[0] ?? url;
  const rest = withoutFragment.startsWith(parsed.origin) ? withoutFragment.slice(parsed.origin.length) : undefined;
  if (rest !== undefined && rest.startsWith('/') && !/[^\x21-\x7e]|\\/.test(rest)) return { origin: parsed.origin, path: rest };
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
}

export class GraphHttp {
  readonly baseUrl: string;
  private readonly origin: string;
  private readonly tokenProvider: TokenProvider;
  private readonly policy: RetryPolicy;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly logger: Logger | undefined;
  private readonly onRequest: ((info: GraphRequestInfo) => void) | undefined;
  private readonly onRetry: GraphHttpOptions['onRetry'];
  /** Set after a 401 on a request we could not replay: the next token must be a fresh one. */
  private forceRefreshNext = false;

  constructor(options: GraphHttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.origin = new URL(this.baseUrl).origin;
    this.tokenProvider = options.tokenProvider;
    this.policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 30_000, connections: 16 });
    this.logger = options.logger;
    this.onRequest = options.onRequest;
    this.onRetry = options.onRetry;
  }

  /** Closes the keep-alive connections when this object created them. */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** Whether a URL Graph handed us may receive our token (same origin as the Graph root). */
  isSameOrigin(url: string): boolean {
    try {
      return new URL(url).origin === this.origin;
    } catch {
      return false;
    }
  }

  private resolve(target: Target, what: string): string {
    if ('path' in target) return `${this.baseUrl}${target.path}`;
    // The bearer token must never leave Graph: a link or session elsewhere is refused.
    if (!this.isSameOrigin(target.url)) throw badResponseError(`${what} points outside Microsoft Graph`);
    return target.url;
  }

  /** A JSON request, retried per the policy; a 401 gets one replay with a force-refreshed token. */
  async json(call: JsonCall): Promise<GraphResponse> {
    const url = this.resolve(call.target, 'a link');
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      if (call.signal?.aborted) throw cancelledError(call.signal.reason);
      try {
        return await this.jsonAttempt(call, url, attempt);
      } catch (raw) {
        const err = errorFromThrown(raw, { signal: call.signal });
        if (err.code === 'CANCELLED') throw err;
        const mayReplay = call.replay === 'idempotent' || REFUSED_CODES.has(err.code);
        // Same schedule as withRetry (src/retry.ts): Retry-After honoured, else jittered backoff.
        const wait = mayReplay ? retryDelayMs(this.policy, attempt, err, Date.now() - started) : undefined;
        if (wait === undefined) throw err;
        this.logger?.warn({ operation: call.operation, attempt, waitMs: wait, ...err.toLog() }, 'graph request will be retried');
        this.onRetry?.({ operation: call.operation, attempt, waitMs: wait, code: err.code });
        await sleep(wait, call.signal);
      }
    }
  }

  private async jsonAttempt(call: JsonCall, url: string, attempt: number): Promise<GraphResponse> {
    const body = call.json === undefined ? undefined : JSON.stringify(call.json);
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    let token = await this.token(false);
    let res = await this.exchange(call.operation, call.method, url, headers, body, call.signal, attempt, token);
    if (res.status === 401 && !token.forced) {
      // Tokens expire mid-transfer (an upload can outlive one): ask once more, forcing a refresh.
      token = await this.token(true);
      res = await this.exchange(call.operation, call.method, url, headers, body, call.signal, attempt, token);
    }
    return this.check(res, call, {});
  }

  /**
   * One streamed request (a chunk PUT), never replayed here: the body cannot be read twice,
   * so the caller (the upload engine, which buffers the chunk) decides whether to resend.
   */
  async stream(call: StreamCall): Promise<GraphResponse> {
    const url = this.resolve({ url: call.url }, 'the upload session');
    let bodyError: unknown;
    const onBodyError = (err: unknown): void => {
      bodyError = err;
    };
    call.body.once('error', onBodyError);
    try {
      const token = await this.token(false);
      const res = await this.exchange(call.operation, call.method, url, call.headers, call.body, call.signal, 1, token);
      if (res.status === 401 && !token.forced) {
        // Cannot replay the body; make the engine's replay carry a fresh token instead.
        this.forceRefreshNext = true;
        return this.check(res, call, { retryable: true });
      }
      return this.check(res, call, {});
    } catch (raw) {
      if (call.signal.aborted) throw cancelledError(call.signal.reason);
      // The bytes failed on our side (the source), not on the way to Graph: report that.
      // Source failures are AppErrors (src/upload/source-errors.ts); anything else on the body is
      // the connection's error thrown into it as it was destroyed: Graph's side, retryable.
      if (bodyError instanceof AppError) throw bodyError;
      throw errorFromThrown(raw, { signal: call.signal });
    } finally {
      call.body.off('error', onBodyError);
    }
  }

  private check(res: GraphResponse, call: { notFoundCode?: ErrorCode; alsoAccept?: readonly number[] }, extra: { retryable?: boolean }): GraphResponse {
    if ((res.status >= 200 && res.status < 300) || call.alsoAccept?.includes(res.status)) return res;
    throw errorFromResponse(res.status, res.headers, res.body, {
      clientRequestId: res.clientRequestId,
      ...(call.notFoundCode !== undefined ? { notFoundCode: call.notFoundCode } : {}),
      ...extra,
    });
  }

  private async token(force: boolean): Promise<{ token: string; forced: boolean }> {
    const forced = force || this.forceRefreshNext;
    this.forceRefreshNext = false;
    const token = await this.tokenProvider(forced ? { forceRefresh: true } : {});
    return { token, forced };
  }

  /** One HTTP exchange with Graph, in a span of its own (ids, status and code as attributes; never the URL). */
  private exchange(
    operation: string,
    method: string,
    url: string,
    extraHeaders: Record<string, string>,
    body: string | Readable | undefined,
    signal: AbortSignal | undefined,
    attempt: number,
    token: { token: string; forced: boolean },
  ): Promise<GraphResponse> {
    const attributes = { 'graph.operation': operation, 'http.request.method': method, 'graph.attempt': attempt };
    return inSpan(`graph ${operation}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      const clientRequestId = randomUUID();
      const started = Date.now();
      const report = (fields: { status?: number; code?: ErrorCode; requestId?: string | undefined }): void => {
        const info: GraphRequestInfo = {
          operation,
          method,
          attempt,
          clientRequestId,
          forcedRefresh: token.forced,
          durationMs: Date.now() - started,
          ...(fields.status !== undefined ? { status: fields.status } : {}),
          ...(fields.code !== undefined ? { code: fields.code } : {}),
          ...(fields.requestId !== undefined ? { requestId: fields.requestId } : {}),
        };
        setSafeAttributes(span, {
          'graph.client_request_id': clientRequestId,
          'graph.request_id': fields.requestId,
          'http.response.status_code': fields.status,
          'error.type': fields.code,
          'graph.token_refreshed': token.forced,
        });
        if (fields.code !== undefined || (fields.status !== undefined && fields.status >= 400)) span.setStatus({ code: SpanStatusCode.ERROR });
        this.logger?.debug(info, 'graph request');
        this.onRequest?.(info);
      };
      try {
        const res = await this.dispatcher.request({
          ...splitUrl(url),
          method,
          headers: {
            ...extraHeaders,
            accept: 'application/json',
            // To Do's upload URL is not pre-authenticated: the token goes on chunk PUTs too.
            authorization: `Bearer ${token.token}`,
            'client-request-id': clientRequestId,
            'return-client-request-id': 'true',
          },
          body: body ?? null,
          signal: signal ?? null,
        });
        const text = await res.body.text();
        const requestId = firstHeader(res.headers, 'request-id');
        report({ status: res.statusCode, requestId });
        return { status: res.statusCode, headers: res.headers, body: parseJson(text), clientRequestId, requestId };
      } catch (raw) {
        const err = errorFromThrown(raw, { clientRequestId, signal });
        report({ code: err.code });
        throw err;
      }
    });
  }
}
