import { createHash, randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { Agent } from 'undici';
import { AppError } from '../../../src/errors';
import { FAST_RETRY_POLICY } from '../../../src/retry';
import { createHttpDownloadSource, type HttpDownloadOptions } from '../../../src/sources/http-download';
import { CHUNK_UNIT } from '../../../src/upload/chunk-plan';
import { uploadAttachment } from '../../../src/upload/engine';
import { MemoryTodo } from '../../support/memory-sink';

const FILE = randomBytes(700_000);
const SECRET = 'tempauth=SECRET-TEMPAUTH-VALUE';

interface Seen {
  path: string;
  host: string | undefined;
  headers: IncomingHttpHeaders;
}

let server: http.Server;
let base: string;
let port: number;
let agent: Agent;
const seen: Seen[] = [];
let dropOnce = new Set<string>();

function sendFile(req: http.IncomingMessage, res: http.ServerResponse, opts: { honourRange: boolean; length: boolean; dropAt?: number }): void {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const from = opts.honourRange && m?.[1] ? Number(m[1]) : 0;
  const body = FILE.subarray(from);
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (opts.length) headers['content-length'] = String(body.length);
  if (from > 0) headers['content-range'] = `bytes ${from}-${FILE.length - 1}/${FILE.length}`;
  res.writeHead(from > 0 ? 206 : 200, headers);
  if (opts.dropAt !== undefined && opts.dropAt > from) {
    res.write(body.subarray(0, opts.dropAt - from), () => setTimeout(() => res.socket?.destroy(), 10));
    return;
  }
  res.end(body);
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: url.pathname, host: req.headers.host, headers: req.headers });
    const p = url.pathname;
    if (p === '/file') return sendFile(req, res, { honourRange: true, length: true });
    if (p === '/ignores-range') return sendFile(req, res, { honourRange: false, length: true });
    if (p === '/no-length') return sendFile(req, res, { honourRange: true, length: false });
    if (p === '/drops') {
      const once = !dropOnce.has(p);
      dropOnce.add(p);
      return sendFile(req, res, { honourRange: true, length: true, dropAt: once ? 300_000 : undefined });
    }
    const redirect = /^\/hop\/(\d+)$/.exec(p);
    if (redirect?.[1]) {
      const n = Number(redirect[1]);
      res.writeHead(302, { location: n <= 1 ? `/file?${SECRET}` : `/hop/${n - 1}` });
      return res.end();
    }
    if (p === '/to-elsewhere') {
      res.writeHead(302, { location: `http://localhost:${port}/secret-target` });
      return res.end();
    }
    const status = /^\/status\/(\d+)$/.exec(p);
    if (status?.[1]) {
      const code = Number(status[1]);
      res.writeHead(code, code === 429 || code === 503 ? { 'retry-after': '7' } : {});
      return res.end('no');
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  agent = new Agent();
});

afterAll(async () => {
  await agent.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen.length = 0;
  dropOnce = new Set();
});

function options(extra: Partial<HttpDownloadOptions> = {}): HttpDownloadOptions {
  return { allowedHosts: [`127.0.0.1:${port}`], allowHttpLoopback: true, dispatcher: agent, ...extra };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const p of stream) pieces.push(p as Buffer);
  return Buffer.concat(pieces);
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected a failure');
}

const signal = (): AbortSignal => new AbortController().signal;

describe('createHttpDownloadSource', () => {
  it('learns the size from the first GET and reuses that response for open(0): one download', async () => {
    const source = createHttpDownloadSource(`${base}/file?${SECRET}`, options());
    expect(await source.probeSize?.(signal())).toBe(FILE.length);
    expect((await readAll(await source.open(0, signal()))).equals(FILE)).toBe(true);
    expect(seen).toHaveLength(1);
  });

  it('sends no Authorization header by default', async () => {
    const source = createHttpDownloadSource(`${base}/file`, options());
    await readAll(await source.open(0, signal()));
    expect(seen[0]?.headers.authorization).toBeUndefined();
  });

  it('resumes with Range at an offset', async () => {
    const source = createHttpDownloadSource(`${base}/file`, options());
    const tail = await readAll(await source.open(123_456, signal()));
    expect(seen[0]?.headers.range).toBe('bytes=123456-');
    expect(tail.equals(FILE.subarray(123_456))).toBe(true);
  });

  it('skips to the offset itself when the host ignores Range', async () => {
    const source = createHttpDownloadSource(`${base}/ignores-range`, options());
    const tail = await readAll(await source.open(500_001, signal()));
    expect(tail.equals(FILE.subarray(500_001))).toBe(true);
  });

  it('reports an unknown size when there is no Content-Length', async () => {
    const source = createHttpDownloadSource(`${base}/no-length`, options());
    expect(await source.probeSize?.(signal())).toBeUndefined();
    expect((await readAll(await source.open(0, signal()))).equals(FILE)).toBe(true);
    expect(seen).toHaveLength(1);
  });

  it('follows up to 5 redirects without forwarding credentials', async () => {
    const source = createHttpDownloadSource(`${base}/hop/5`, options({ headers: { Authorization: 'Bearer bot-token', Cookie: 'a=b' } }));
    expect((await readAll(await source.open(0, signal()))).equals(FILE)).toBe(true);
    expect(seen.map((s) => s.path)).toEqual(['/hop/5', '/hop/4', '/hop/3', '/hop/2', '/hop/1', '/file']);
    expect(seen[0]?.headers.authorization).toBe('Bearer bot-token');
    for (const s of seen.slice(1)) {
      expect(s.headers.authorization).toBeUndefined();
      expect(s.headers.cookie).toBeUndefined();
    }
  });

  it('gives up after 5 redirects', async () => {
    const source = createHttpDownloadSource(`${base}/hop/6`, options());
    const err = await failure(source.open(0, signal()));
    expect(err.code).toBe('DOWNLOAD_FAILED');
    expect(seen).toHaveLength(6);
  });

  it('refuses a redirect to a host that is not allowed, before requesting it', async () => {
    const source = createHttpDownloadSource(`${base}/to-elsewhere`, options());
    const err = await failure(source.open(0, signal()));
    expect(err.code).toBe('DOWNLOAD_HOST_NOT_ALLOWED');
    expect(seen.map((s) => s.path)).toEqual(['/to-elsewhere']);
  });

  it('refuses a host that is not allowed before any request', () => {
    expect(() => createHttpDownloadSource(`${base}/file`, options({ allowedHosts: ['contoso.sharepoint.com'] }))).toThrow(
      expect.objectContaining({ code: 'DOWNLOAD_HOST_NOT_ALLOWED' }),
    );
    expect(() => createHttpDownloadSource(`${base}/file`, options({ allowHttpLoopback: false }))).toThrow(
      expect.objectContaining({ code: 'DOWNLOAD_HOST_NOT_ALLOWED' }),
    );
    expect(seen).toHaveLength(0);
  });

  it.each([
    [401, 'DOWNLOAD_EXPIRED', false, undefined],
    [403, 'DOWNLOAD_EXPIRED', false, undefined],
    [404, 'DOWNLOAD_NOT_FOUND', false, undefined],
    [410, 'DOWNLOAD_NOT_FOUND', false, undefined],
    [429, 'DOWNLOAD_FAILED', true, 7000],
    [503, 'DOWNLOAD_FAILED', true, 7000],
    [500, 'DOWNLOAD_FAILED', true, undefined],
    [400, 'DOWNLOAD_FAILED', false, undefined],
  ])('maps HTTP %i to %s (retryable %s), never quoting the URL', async (status, code, retryable, retryAfterMs) => {
    const source = createHttpDownloadSource(`${base}/status/${status}?${SECRET}`, options());
    const err = await failure(source.open(0, signal()));
    expect({ code: err.code, retryable: err.retryable, retryAfterMs: err.retryAfterMs, status: err.status }).toEqual({ code, retryable, retryAfterMs, status });
    expect(err.message).not.toContain('127.0.0.1');
    expect(err.message).not.toContain('SECRET');
    expect(JSON.stringify(err.toLog())).not.toContain('SECRET');
  });

  it('retries a request per its policy when given one', async () => {
    const source = createHttpDownloadSource(`${base}/status/500`, options({ retryPolicy: { ...FAST_RETRY_POLICY, maxAttempts: 3, baseDelayMs: 1 } }));
    await failure(source.open(0, signal()));
    expect(seen).toHaveLength(3);
  });

  it('a body that drops midway fails the stream with a retryable DOWNLOAD_FAILED', async () => {
    const source = createHttpDownloadSource(`${base}/drops`, options());
    const err = await failure(readAll(await source.open(0, signal())));
    expect(err.code).toBe('DOWNLOAD_FAILED');
    expect(err.retryable).toBe(true);
  });

  it('a refused connection is a retryable DOWNLOAD_FAILED without the address', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const source = createHttpDownloadSource(`http://127.0.0.1:${deadPort}/f?${SECRET}`, options({ allowedHosts: [`127.0.0.1:${deadPort}`] }));
    const err = await failure(source.open(0, signal()));
    expect(err.code).toBe('DOWNLOAD_FAILED');
    expect(err.retryable).toBe(true);
    expect(err.message).not.toContain('SECRET');
  });

  it('close() lets go of a response kept from probeSize', async () => {
    const source = createHttpDownloadSource(`${base}/file`, options());
    await source.probeSize?.(signal());
    source.close?.();
    // A new open(0) has to download again: the kept body is gone.
    await readAll(await source.open(0, signal()));
    expect(seen).toHaveLength(2);
  });
});

describe('uploading from an HTTP download', () => {
  const target = { listId: 'l', taskId: 't', fileName: 'f.bin', contentType: 'application/octet-stream' };
  const policy = { ...FAST_RETRY_POLICY, baseDelayMs: 1 };

  it('a download dropped mid-chunk resumes with Range and the attachment is byte-identical', async () => {
    const sink = new MemoryTodo().addTask('l', 't');
    const source = createHttpDownloadSource(`${base}/drops`, options());
    const result = await uploadAttachment(source, target, sink, { chunkBytes: CHUNK_UNIT, retryPolicy: policy, signal: signal() });
    const sha = createHash('sha256').update(FILE).digest('hex');
    expect(result.sha256).toBe(sha);
    expect(sink.attachments('l', 't').map((a) => a.sha256)).toEqual([sha]);
    expect(seen.map((s) => s.headers.range)).toEqual([undefined, 'bytes=300000-']);
  });

  it('a download without Content-Length is spooled and uploaded', async () => {
    const sink = new MemoryTodo().addTask('l', 't');
    const source = createHttpDownloadSource(`${base}/no-length`, options());
    const result = await uploadAttachment(source, target, sink, { chunkBytes: CHUNK_UNIT, retryPolicy: policy });
    expect(result.sha256).toBe(createHash('sha256').update(FILE).digest('hex'));
    expect(seen).toHaveLength(1);
  });
});
