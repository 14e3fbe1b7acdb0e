import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { AppError } from '../../../src/errors';
import { GraphTodoClient } from '../../../src/graph/todo-client';
import type { UploadSessionInfo, UploadTarget } from '../../../src/upload/types';
import { countingTokens, TEST_POLICY, type ScriptedServer, scriptedServers } from './scripted-server';

const { serve, track } = scriptedServers();

function clientFor(baseUrl: string, tokens = countingTokens()): GraphTodoClient {
  const c = new GraphTodoClient({ baseUrl, tokenProvider: tokens, retryPolicy: TEST_POLICY });
  track(c);
  return c;
}

const target: UploadTarget = { listId: 'list=1', taskId: 'task+1', fileName: 'report.pdf', contentType: 'application/pdf' };
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const signal = (): AbortSignal => new AbortController().signal;

function sessionOn(server: ScriptedServer): UploadSessionInfo {
  return { uploadUrl: `${server.baseUrl}/users('u')/todo/lists('l')/tasks('t')/attachmentSessions('s-1')`, nextExpectedRanges: ['0-'] };
}

describe('createUploadSession', () => {
  it.each([200, 201])('accepts %i and reads camelCase ranges', async (status) => {
    const server = await serve((req, i, origin) => ({
      status,
      json: { uploadUrl: `${origin}/v1.0/attachmentSessions/abc`, expirationDateTime: '2030-01-01T00:00:00Z', nextExpectedRanges: ['0-'] },
    }));
    const session = await clientFor(server.baseUrl).createUploadSession(target, 3_483_322, signal());
    expect(session).toEqual({ uploadUrl: `${server.baseUrl}/attachmentSessions/abc`, expirationDateTime: '2030-01-01T00:00:00Z', nextExpectedRanges: ['0-'] });
    const req = server.requests[0];
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/v1.0/me/todo/lists/list%3D1/tasks/task%2B1/attachments/createUploadSession');
    expect(JSON.parse(req?.body.toString() ?? '')).toEqual({ attachmentInfo: { attachmentType: 'file', name: 'report.pdf', size: 3_483_322 } });
  });

  it('reads PascalCase ranges too', async () => {
    const server = await serve((req, i, origin) => ({ status: 201, json: { UploadUrl: `${origin}/v1.0/s`, NextExpectedRanges: ['0-3483321'] } }));
    const session = await clientFor(server.baseUrl).createUploadSession(target, 3_483_322, signal());
    expect(session).toEqual({ uploadUrl: `${server.baseUrl}/s`, nextExpectedRanges: ['0-3483321'] });
  });

  it('refuses a session whose upload URL is on another origin, so the token never goes there', async () => {
    const elsewhere = await serve(() => ({ status: 200, json: {} }));
    const server = await serve(() => ({ status: 201, json: { uploadUrl: `${elsewhere.baseUrl}/attachmentSessions/abc`, nextExpectedRanges: ['0-'] } }));
    const client = clientFor(server.baseUrl);
    await expect(client.createUploadSession(target, 10, signal())).rejects.toMatchObject({ code: 'GRAPH_BAD_RESPONSE' });
    // A stored session pointing elsewhere is refused as well, before any byte or token is sent.
    const foreign = { uploadUrl: `${elsewhere.baseUrl}/attachmentSessions/abc`, nextExpectedRanges: ['0-'] };
    await expect(client.putChunk({ session: foreign, start: 0, end: 2, total: 3, body: Readable.from([Buffer.from('abc')]), signal: signal() })).rejects.toMatchObject({
      code: 'GRAPH_BAD_RESPONSE',
    });
    await expect(client.deleteUploadSession(foreign, signal())).rejects.toMatchObject({ code: 'GRAPH_BAD_RESPONSE' });
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('a missing task is TASK_NOT_FOUND', async () => {
    const server = await serve(() => ({ status: 404, json: { error: { code: 'ErrorItemNotFound' } } }));
    await expect(clientFor(server.baseUrl).createUploadSession(target, 10, signal())).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' });
  });
});

describe('putChunk', () => {
  // The documentation's own example: 3,483,322 bytes in 2,097,152 + the rest.
  const file = randomBytes(3_483_322);
  const first = file.subarray(0, 2_097_152);
  const rest = file.subarray(2_097_152);

  it('PUTs to uploadUrl/content with the token, octet-stream, Content-Length and Content-Range; bytes intact', async () => {
    const server = await serve((req, i) =>
      i === 0
        ? { status: 200, json: { expirationDateTime: '2030-01-01T00:00:00Z', NextExpectedRanges: ['2097152'] } }
        : { status: 201, headers: { location: `https://graph.microsoft.com/v1.0/users('u')/todo/lists('l')/tasks('t')/Attachments('AAMkADA%3D')` } },
    );
    const client = clientFor(server.baseUrl);
    const session = sessionOn(server);
    const a1 = await client.putChunk({ session, start: 0, end: 2_097_151, total: file.length, body: Readable.from([first]), signal: signal() });
    expect(a1).toEqual({ done: false, nextExpectedRanges: ['2097152'] });
    const a2 = await client.putChunk({ session, start: 2_097_152, end: file.length - 1, total: file.length, body: Readable.from([rest]), signal: signal() });
    expect(a2).toEqual({ done: true, attachmentId: 'AAMkADA=' });

    const [r1, r2] = server.requests;
    expect(r1?.method).toBe('PUT');
    expect(r1?.url).toBe(`/v1.0/users('u')/todo/lists('l')/tasks('t')/attachmentSessions('s-1')/content`);
    expect(r1?.headers).toMatchObject({
      authorization: 'Bearer tok-1',
      'content-type': 'application/octet-stream',
      'content-length': '2097152',
      'content-range': 'bytes 0-2097151/3483322',
    });
    expect(r2?.headers).toMatchObject({ authorization: 'Bearer tok-1', 'content-length': '1386170', 'content-range': 'bytes 2097152-3483321/3483322' });
    expect(sha(Buffer.concat([r1?.body ?? Buffer.alloc(0), r2?.body ?? Buffer.alloc(0)]))).toBe(sha(file));
  });

  it('a final 201 without Location still completes, with no id', async () => {
    const server = await serve(() => ({ status: 201 }));
    const answer = await clientFor(server.baseUrl).putChunk({ session: sessionOn(server), start: 0, end: 2, total: 3, body: Readable.from([Buffer.from('abc')]), signal: signal() });
    expect(answer).toEqual({ done: true, attachmentId: undefined });
  });

  it('a 416 naming the missing bytes is a resync, not an error', async () => {
    const server = await serve(() => ({ status: 416, json: { error: { code: 'InvalidRange' }, nextExpectedRanges: ['1024-2047', '4096'] } }));
    const answer = await clientFor(server.baseUrl).putChunk({ session: sessionOn(server), start: 0, end: 2, total: 5000, body: Readable.from([Buffer.from('abc')]), signal: signal() });
    expect(answer).toEqual({ done: false, nextExpectedRanges: ['1024-2047', '4096'] });
  });

  it('a 404 means the session expired; it is not retried by the client', async () => {
    const server = await serve(() => ({ status: 404, json: { error: { code: 'ItemNotFound' } } }));
    const err = await clientFor(server.baseUrl)
      .putChunk({ session: sessionOn(server), start: 0, end: 2, total: 3, body: Readable.from([Buffer.from('abc')]), signal: signal() })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UPLOAD_SESSION_EXPIRED', status: 404, retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('a 503 is thrown (retryable) for the engine to replay, not replayed here', async () => {
    const server = await serve(() => ({ status: 503, headers: { 'retry-after': '2', 'request-id': 'r-503' } }));
    const err = await clientFor(server.baseUrl)
      .putChunk({ session: sessionOn(server), start: 0, end: 2, total: 3, body: Readable.from([Buffer.from('abc')]), signal: signal() })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GRAPH_UNAVAILABLE', retryable: true, retryAfterMs: 2000, requestId: 'r-503' });
    expect(server.requests).toHaveLength(1);
  });

  it('a dropped connection is a retryable NETWORK_ERROR', async () => {
    const server = await serve(() => 'reset');
    await expect(
      clientFor(server.baseUrl).putChunk({ session: sessionOn(server), start: 0, end: 2, total: 3, body: Readable.from([Buffer.from('abc')]), signal: signal() }),
    ).rejects.toMatchObject({ code: 'NETWORK_ERROR', retryable: true });
  });

  it('reports a failing body as the source’s error, not as a Graph failure', async () => {
    const server = await serve(() => ({ status: 200, json: { nextExpectedRanges: ['0-'] } }));
    const body = new PassThrough();
    body.write(Buffer.alloc(100));
    const sourceError = new AppError('DOWNLOAD_FAILED', 'Reading the file failed.');
    setImmediate(() => body.destroy(sourceError));
    await expect(clientFor(server.baseUrl).putChunk({ session: sessionOn(server), start: 0, end: 999, total: 1000, body, signal: signal() })).rejects.toBe(sourceError);
  });

  it('streams the body: the server sees the first bytes before the rest exist', async () => {
    let firstBytes: () => void = () => undefined;
    const sawFirstBytes = new Promise<void>((resolve) => (firstBytes = resolve));
    const received: Buffer[] = [];
    const server = http.createServer((req, res) => {
      req.on('data', (d: Buffer) => {
        received.push(d);
        firstBytes();
      });
      req.on('end', () => {
        res.writeHead(201, { location: "/Attachments('s')" });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1.0`;
      const body = new PassThrough();
      const half1 = randomBytes(64 * 1024);
      const half2 = randomBytes(64 * 1024);
      const session = { uploadUrl: `${base}/attachmentSessions/s`, nextExpectedRanges: ['0-'] };
      const put = clientFor(base).putChunk({ session, start: 0, end: 128 * 1024 - 1, total: 128 * 1024, body, signal: signal() });
      body.write(half1);
      // A client that buffered the chunk would send nothing until the body ended.
      await sawFirstBytes;
      body.end(half2);
      await expect(put).resolves.toEqual({ done: true, attachmentId: 's' });
      expect(sha(Buffer.concat(received))).toBe(sha(Buffer.concat([half1, half2])));
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('session status and cancel', () => {
  it('GET on the session returns its ranges; 404 means expired', async () => {
    const server = await serve((req, i) =>
      i === 0 ? { status: 200, json: { expirationDateTime: '2030-01-01T00:00:00Z', NextExpectedRanges: ['2097152-3483321'] } } : { status: 404 },
    );
    const client = clientFor(server.baseUrl);
    const session = sessionOn(server);
    await expect(client.getUploadSession(session, signal())).resolves.toEqual({ ...session, expirationDateTime: '2030-01-01T00:00:00Z', nextExpectedRanges: ['2097152-3483321'] });
    await expect(client.getUploadSession(session, signal())).rejects.toMatchObject({ code: 'UPLOAD_SESSION_EXPIRED' });
    expect(server.requests[0]).toMatchObject({ method: 'GET', url: `/v1.0/users('u')/todo/lists('l')/tasks('t')/attachmentSessions('s-1')` });
    expect(server.requests[0]?.headers['authorization']).toBe('Bearer tok-1');
  });

  it('DELETE goes to the upload URL itself with the token; 204 and 404 both succeed', async () => {
    const server = await serve((req, i) => ({ status: i === 0 ? 204 : 404 }));
    const client = clientFor(server.baseUrl);
    await client.deleteUploadSession(sessionOn(server), signal());
    await client.deleteUploadSession(sessionOn(server), signal());
    expect(server.requests.map((r) => [r.method, r.url, r.headers['authorization']])).toEqual([
      ['DELETE', `/v1.0/users('u')/todo/lists('l')/tasks('t')/attachmentSessions('s-1')`, 'Bearer tok-1'],
      ['DELETE', `/v1.0/users('u')/todo/lists('l')/tasks('t')/attachmentSessions('s-1')`, 'Bearer tok-1'],
    ]);
  });
});
