import { Transform, type Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { AppError, cancelledError, isAbortError } from '../errors';
import { parseRetryAfter, withRetry, type RetryPolicy } from '../retry';
import { toSourceError } from '../upload/source-errors';
import type { ByteSource } from '../upload/types';
import { assertDownloadAllowed } from './allowed-hosts';
import type { DownloadPace } from './download-pace';

export interface HttpDownloadOptions {
  allowedHosts: readonly string[];
  /** Local mode: plain http to loopback (the file host emulator). */
  allowHttpLoopback?: boolean;
  /**
   * Retries for each request (not for a body that drops midway: the engine reopens the source).
   * Default: one attempt, because the upload engine already retries source failures.
   */
  retryPolicy?: RetryPolicy;
  dispatcher?: Dispatcher;
  /**
   * Extra request headers. None by default: a Teams downloadUrl is pre-authorized and must be
   * fetched without an Authorization header. Never forwarded on a redirect.
   */
  headers?: Record<string, string>;
  /** Minimum rate and deadline, shared by every request for this file (src/sources/download-pace.ts). */
  pace?: DownloadPace;
}

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers that carry credentials: a redirect may lead to another host, so they stay behind. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

interface Opened {
  body: Readable;
  /** Content-Length of the whole file when the answer gives it. */
  size: number | undefined;
}

/**
 * A file behind an HTTP(S) URL (a Teams downloadUrl, a pre-authenticated SharePoint link, the
 * file host emulator). The host is checked before any request and on every redirect; the URL
 * never appears in an error message.
 *
 * probeSize uses the first GET itself, not a HEAD or a `Range: bytes=0-0` request: the link is
 * short-lived, one request instead of two is kinder to it, and some hosts answer HEAD without a
 * length or ignore Range. The body of that GET is kept for the open(0) that follows, so the
 * file is downloaded once.
 */
export function createHttpDownloadSource(url: string, options: HttpDownloadOptions): ByteSource {
  const hostOpts = { allowHttpLoopback: options.allowHttpLoopback ?? false };
  const start = assertDownloadAllowed(url, options.allowedHosts, hostOpts);
  let kept: Opened | undefined;

  const get = (offset: number, signal: AbortSignal): Promise<Opened> =>
    withRetry(options.retryPolicy ?? { maxAttempts: 1, maxTotalMs: 0, baseDelayMs: 0, maxDelayMs: 0 }, () => fetchFrom(start, offset, signal, options), { signal });

  const dropKept = (): void => {
    kept?.body.destroy();
    kept = undefined;
  };

  return {
    async probeSize(signal: AbortSignal): Promise<number | undefined> {
      dropKept();
      kept = await get(0, signal);
      return kept.size;
    },
    async open(offset: number, signal: AbortSignal): Promise<Readable> {
      if (kept && offset === 0) {
        const body = kept.body;
        kept = undefined;
        return body;
      }
      dropKept();
      return (await get(offset, signal)).body;
    },
    close: dropKept,
  };
}

async function fetchFrom(first: URL, offset: number, signal: AbortSignal, options: HttpDownloadOptions): Promise<Opened> {
  const hostOpts = { allowHttpLoopback: options.allowHttpLoopback ?? false };
  let current = first;
  let headers: Record<string, string> = {
    ...lowerCaseKeys(options.headers ?? {}),
    // Byte offsets must be offsets in the file, not in a compressed encoding of it.
    'accept-encoding': 'identity',
  };
  if (offset > 0) headers.range = `bytes=${offset}-`;
  options.pace?.check();
  for (let hop = 0; ; hop++) {
    assertDownloadAllowed(current, options.allowedHosts, hostOpts);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(current, { method: 'GET', headers, signal, dispatcher: options.dispatcher });
    } catch (err) {
      throw requestError(err, signal);
    }
    const status = res.statusCode;
    if (REDIRECT_STATUSES.has(status)) {
      await discard(res.body);
      const location = header(res.headers, 'location');
      if (hop >= MAX_REDIRECTS) throw new AppError('DOWNLOAD_FAILED', 'The download was redirected too many times.', { status });
      if (!location) throw new AppError('DOWNLOAD_FAILED', 'The download was redirected nowhere.', { status });
      try {
        current = new URL(location, current);
      } catch {
        throw new AppError('DOWNLOAD_FAILED', 'The download was redirected to an invalid address.', { status });
      }
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !CREDENTIAL_HEADERS.has(k)));
      continue;
    }
    if (status === 200 || status === 206) return opened(res, offset, options.pace);
    await discard(res.body);
    throw statusError(status, header(res.headers, 'retry-after'));
  }
}

function opened(res: Dispatcher.ResponseData, offset: number, pace: DownloadPace | undefined): Opened {
  let skip = 0;
  let size: number | undefined;
  const length = numberOrUndefined(header(res.headers, 'content-length'));
  if (res.statusCode === 206) {
    const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(header(res.headers, 'content-range') ?? '');
    const rangeStart = m?.[1] !== undefined ? Number(m[1]) : offset;
    if (rangeStart > offset) {
      void discard(res.body);
      throw new AppError('DOWNLOAD_FAILED', 'The download resumed at the wrong offset.', { status: 206 });
    }
    skip = offset - rangeStart;
    size = m?.[3] !== undefined && m[3] !== '*' ? Number(m[3]) : undefined;
  } else {
    // The host ignored Range (200 with the whole file): skip what was already read.
    skip = offset;
    size = length;
  }
  return { body: guardBody(res.body, skip, pace), size };
}

/** Skips `skip` bytes, turns socket failures into retryable DOWNLOAD_FAILED errors, and keeps the pace. */
function guardBody(body: Readable, skip: number, pace: DownloadPace | undefined): Readable {
  let toSkip = skip;
  const out = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (toSkip >= chunk.length) {
        toSkip -= chunk.length;
        callback();
        return;
      }
      const piece = toSkip > 0 ? chunk.subarray(toSkip) : chunk;
      toSkip = 0;
      callback(null, piece);
    },
    flush(callback) {
      callback(toSkip > 0 ? new AppError('DOWNLOAD_FAILED', 'The download ended before the requested offset.') : null);
    },
  });
  body.on('error', (err: unknown) => out.destroy(downloadStreamError(err)));
  body.on('close', () => {
    if (!body.readableEnded) out.destroy(downloadStreamError(Object.assign(new Error('closed'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })));
  });
  // A kept body may fail before anyone reads it: that must not crash the process. Readers still
  // see the failure (the stream is destroyed with it).
  out.on('error', () => undefined);
  // The consumer gave up (or the transfer ended): stop downloading.
  out.on('close', () => body.destroy());
  body.pipe(out);
  pace?.watch(body, out);
  return out;
}

/** Drops a body we do not want; reading a short one to its end keeps the connection reusable. */
async function discard(body: Dispatcher.ResponseData['body']): Promise<void> {
  body.on('error', () => undefined);
  await body.dump({ limit: 64 * 1024 }).catch(() => undefined);
}

function downloadStreamError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isAbortError(err)) return cancelledError(err);
  const e = toSourceError(err);
  if (e.code === 'DOWNLOAD_FAILED') {
    // Whatever broke mid-body, reading again from the offset reached may work.
    return new AppError('DOWNLOAD_FAILED', 'The download was interrupted.', { retryable: true });
  }
  return e;
}

function requestError(err: unknown, signal: AbortSignal): AppError {
  if (signal.aborted || isAbortError(err)) return cancelledError(err);
  if (err instanceof AppError) return err;
  // Connection refused, reset, DNS, TLS: all worth another try, none worth quoting.
  return new AppError('DOWNLOAD_FAILED', 'The download could not be started.', { retryable: true });
}

function statusError(status: number, retryAfter: string | undefined): AppError {
  if (status === 401 || status === 403) {
    // A Teams downloadUrl is pre-authorized for minutes only: refused means expired.
    return new AppError('DOWNLOAD_EXPIRED', `The download link was refused (HTTP ${status}).`, { status });
  }
  if (status === 404 || status === 410) {
    return new AppError('DOWNLOAD_NOT_FOUND', `The file was not found at its download link (HTTP ${status}).`, { status });
  }
  if (status === 429 || status >= 500) {
    return new AppError('DOWNLOAD_FAILED', `The file host was busy (HTTP ${status}).`, {
      status,
      retryable: true,
      retryAfterMs: parseRetryAfter(retryAfter),
    });
  }
  return new AppError('DOWNLOAD_FAILED', `The file host refused the download (HTTP ${status}).`, { status });
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function numberOrUndefined(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

function lowerCaseKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}
