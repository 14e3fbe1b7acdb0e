import { AppError, GraphError, cancelledError, isAbortError, type ErrorCode } from '../errors';
import { parseRetryAfter } from '../retry';

/**
 * Turning Graph answers and network failures into GraphErrors with a stable code. Messages
 * are short and never carry a URL, a token or Graph's own message text (which may quote
 * input): the status and Graph's `error.code` say enough, the ids let support find the call.
 */

/** Response headers as undici gives them (lower-case names). */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** What the caller knows about the request that failed. */
export interface ErrorContext {
  clientRequestId: string;
  /** Code for a 404 on this request (TASK_NOT_FOUND on task paths, UPLOAD_SESSION_EXPIRED on sessions). */
  notFoundCode?: ErrorCode;
  /** Overrides whether the error is retryable (a 401 on a chunk PUT is, once). */
  retryable?: boolean;
}

interface StatusRule {
  code: ErrorCode;
  retryable: boolean;
  what: string;
}

function ruleFor(status: number): StatusRule {
  switch (status) {
    case 429:
      return { code: 'GRAPH_THROTTLED', retryable: true, what: 'throttled the request' };
    case 503:
      return { code: 'GRAPH_UNAVAILABLE', retryable: true, what: 'is unavailable' };
    case 500:
    case 502:
    case 504:
      return { code: 'GRAPH_SERVER_ERROR', retryable: true, what: 'failed on the server' };
    case 401:
      return { code: 'GRAPH_UNAUTHORIZED', retryable: false, what: 'refused the token' };
    case 403:
      return { code: 'GRAPH_FORBIDDEN', retryable: false, what: 'denied access' };
    case 404:
      return { code: 'GRAPH_NOT_FOUND', retryable: false, what: 'found nothing there' };
    case 409:
      return { code: 'GRAPH_CONFLICT', retryable: false, what: 'reported a conflict' };
    case 413:
      return { code: 'GRAPH_PAYLOAD_TOO_LARGE', retryable: false, what: 'refused the payload as too large' };
    default:
      // No redirect is followed (it could carry the token elsewhere): a 3xx is unexpected.
      if (status < 400) return { code: 'GRAPH_BAD_RESPONSE', retryable: false, what: 'gave an unexpected answer' };
      if (status >= 500) return { code: 'GRAPH_SERVER_ERROR', retryable: true, what: 'failed on the server' };
      return { code: 'GRAPH_BAD_REQUEST', retryable: false, what: 'rejected the request' };
  }
}

/** The status → code table, exported for tests and for callers that only have a status. */
export function graphCodeForStatus(status: number): ErrorCode {
  return ruleFor(status).code;
}

function header(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Graph's `{ error: { code, innerError: { "request-id" } } }`, tolerant of missing parts and key case. */
export function readGraphErrorBody(body: unknown): { graphCode?: string; requestId?: string } {
  const error = asRecord(asRecord(body)?.['error']);
  if (!error) return {};
  const out: { graphCode?: string; requestId?: string } = {};
  if (typeof error['code'] === 'string') out.graphCode = error['code'];
  for (const [key, value] of Object.entries(error)) {
    const inner = key.toLowerCase() === 'innererror' ? asRecord(value) : undefined;
    const id = inner?.['request-id'] ?? inner?.['requestId'];
    if (typeof id === 'string') out.requestId = id;
  }
  return out;
}

/** A GraphError for a non-success answer. */
export function errorFromResponse(status: number, headers: ResponseHeaders, body: unknown, ctx: ErrorContext): GraphError {
  const rule = ruleFor(status);
  const code = status === 404 && ctx.notFoundCode !== undefined ? ctx.notFoundCode : rule.code;
  const parsed = readGraphErrorBody(body);
  const requestId = header(headers, 'request-id') ?? parsed.requestId;
  const retryAfterMs = parseRetryAfter(header(headers, 'retry-after'));
  const detail = parsed.graphCode !== undefined ? ` (${parsed.graphCode})` : '';
  return new GraphError(code, `Microsoft Graph ${rule.what}: HTTP ${status}${detail}.`, {
    status,
    retryable: ctx.retryable ?? rule.retryable,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
    ...(parsed.graphCode !== undefined ? { graphCode: parsed.graphCode } : {}),
    clientRequestId: ctx.clientRequestId,
  });
}

/** A 2xx answer that is not what Graph documents (no uploadUrl, a session on another host…). */
export function badResponseError(what: string, clientRequestId?: string, options: { retryable?: boolean; status?: number } = {}): GraphError {
  return new GraphError('GRAPH_BAD_RESPONSE', `Microsoft Graph gave an unexpected answer: ${what}.`, {
    retryable: options.retryable ?? false,
    ...(options.status !== undefined ? { status: options.status } : {}),
    ...(clientRequestId !== undefined ? { clientRequestId } : {}),
  });
}

function errorCode(err: unknown): string | undefined {
  if (err === null || typeof err !== 'object' || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Anything thrown while talking to Graph: cancellation wins, AppErrors pass through, socket
 * errors and timeouts become a retryable NETWORK_ERROR.
 */
export function errorFromThrown(err: unknown, ctx: { clientRequestId?: string; signal?: AbortSignal | undefined }): AppError {
  if (ctx.signal?.aborted) return cancelledError(ctx.signal.reason);
  if (err instanceof AppError) return err;
  if (isAbortError(err)) return cancelledError(err);
  const code = errorCode(err);
  if (code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') {
    // The chunk body ended before (or after) the bytes its Content-Range promised.
    return new AppError('SOURCE_SIZE_MISMATCH', 'The file had a different size than expected.', { cause: err, ...(ctx.clientRequestId !== undefined ? { clientRequestId: ctx.clientRequestId } : {}) });
  }
  if (code === 'UND_ERR_INVALID_ARG' || code === undefined) {
    return new AppError('INTERNAL', 'Unexpected internal error.', { cause: err, ...(ctx.clientRequestId !== undefined ? { clientRequestId: ctx.clientRequestId } : {}) });
  }
  return new GraphError('NETWORK_ERROR', 'The connection to Microsoft Graph failed.', {
    retryable: true,
    cause: err,
    ...(ctx.clientRequestId !== undefined ? { clientRequestId: ctx.clientRequestId } : {}),
  });
}
