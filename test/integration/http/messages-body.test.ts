import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type restify from 'restify';
import { request } from 'undici';
import { build, type HttpLimits } from '../../../src/server';
import { silentLogger } from '../../../src/log';
import { runTsChild } from '../../support/ts-child';

/**
 * /api/messages before any token is checked: only uncompressed JSON, the size limit on the
 * bytes parsed, nothing written to disk, connections and slow clients bounded (issue 10, High).
 * The server is the real restify server; the activity handler is a spy, so "no parse happened"
 * means the handler never saw a body.
 */

interface Seen {
  bodies: unknown[];
}

let server: restify.Server | undefined;
let base: string;
let seen: Seen;

async function start(limits?: Partial<HttpLimits>): Promise<restify.Server> {
  seen = { bodies: [] };
  server = build({
    logger: silentLogger(),
    isReady: () => true,
    isAccepting: () => true,
    limits,
    handleActivity: async (req, res) => {
      seen.bodies.push(req.body);
      res.send(200, { ok: true });
    },
  });
  const s = server;
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return s;
}

afterEach(async () => {
  const s = server;
  server = undefined;
  if (!s) return;
  s.server.closeAllConnections();
  await new Promise<void>((resolve) => s.close(() => resolve()));
});

async function post(body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await request(`${base}/api/messages`, { method: 'POST', headers, body });
  return { status: res.statusCode, text: await res.body.text() };
}

/** A gzip body that inflates to `inflatedBytes` of valid JSON, built without holding it in memory. */
async function gzipBomb(inflatedBytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (b: Buffer) => out.push(b));
  const done = new Promise<void>((resolve) => gzip.on('end', () => resolve()));
  const block = Buffer.alloc(1024 * 1024, 'A');
  gzip.write('{"type":"message","text":"');
  for (let n = 0; n < inflatedBytes; n += block.length) gzip.write(block);
  gzip.end('"}');
  await done;
  return Buffer.concat(out);
}

const activity = { type: 'message', text: 'hello', from: { id: '29:x' } };

test('a gzip bomb is refused with 415 before anything inflates it; memory stays flat', async () => {
  await start();
  const bomb = await gzipBomb(128 * 1024 * 1024);
  expect(bomb.length).toBeLessThan(1_048_576);
  global.gc?.();
  const before = process.memoryUsage().rss;
  const res = await post(bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
  const growth = process.memoryUsage().rss - before;
  expect(res.status).toBe(415);
  expect(res.text).toMatch(/uncompressed application\/json/);
  expect(seen.bodies).toHaveLength(0);
  // Inflating 128 MiB and parsing it would grow RSS by hundreds of MiB.
  expect(growth).toBeLessThan(64 * 1024 * 1024);
});

test.each(['deflate', 'br', 'gzip, identity', 'x-custom'])('Content-Encoding %s is refused with 415', async (encoding) => {
  await start();
  const res = await post(JSON.stringify(activity), { 'content-type': 'application/json', 'content-encoding': encoding });
  expect(res.status).toBe(415);
  expect(seen.bodies).toHaveLength(0);
});

test('multipart/form-data is refused with 415 and leaves no file in TMPDIR', async () => {
  // Its own process with its own TMPDIR: multipart parsers spool file parts to os.tmpdir().
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'todo-attach-tmpdir-'));
  const child = runTsChild(path.join(__dirname, '../../support/children/messages-server.ts'), { TMPDIR: tmp });
  try {
    const url = `http://127.0.0.1:${await child.firstLine}/api/messages`;
    const boundary = '----probe7d2f';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      Buffer.alloc(512 * 1024, 'x'),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    for (let i = 0; i < 5; i++) {
      const res = await request(url, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body });
      await res.body.dump();
      expect(res.statusCode).toBe(415);
    }
    // The answers came after the server decided: anything it wrote would be there by now.
    expect(await readdir(tmp)).toEqual([]);
  } finally {
    await child.stop();
    await rm(tmp, { recursive: true, force: true });
  }
});

test.each([
  ['a form (CORS simple request)', 'application/x-www-form-urlencoded', 'type=message&text=status&serviceUrl=http%3A%2F%2Fattacker.example'],
  ['text/plain (CORS simple request)', 'text/plain', JSON.stringify(activity)],
  ['no content type', '', JSON.stringify(activity)],
  ['JSON look-alike', 'application/jsonp', JSON.stringify(activity)],
])('%s is refused with 415 and drives nothing', async (_what, type, body) => {
  await start();
  const res = await post(body, type === '' ? {} : { 'content-type': type });
  expect(res.status).toBe(415);
  expect(seen.bodies).toHaveLength(0);
});

test('uncompressed JSON is accepted (charset and identity encoding too) and parsed once', async () => {
  await start();
  expect((await post(JSON.stringify(activity), { 'content-type': 'application/json' })).status).toBe(200);
  expect((await post(JSON.stringify(activity), { 'content-type': 'Application/JSON; charset=UTF-8', 'content-encoding': 'identity' })).status).toBe(200);
  expect(seen.bodies).toEqual([activity, activity]);
});

/** Raw HTTP/1.1 over a socket: the whole answer as text, once the server closes or answers. */
function rawExchange(head: string, body: Buffer[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(Number(new URL(base).port), '127.0.0.1', () => {
      s.write(head);
      for (const b of body) s.write(b);
    });
    let data = '';
    s.on('data', (b: Buffer) => {
      data += b.toString('latin1');
      if (/\r\n\r\n[\s\S]*\}$/.test(data)) s.end();
    });
    s.on('close', () => resolve(data));
    s.on('error', reject);
  });
}

test('the size limit applies to the bytes read: over 1 MiB is 413, announced or chunked', async () => {
  await start();
  // Announced too large: refused from the headers, nothing read, the connection closed.
  const announced = await rawExchange('POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200000000\r\n\r\n');
  expect(announced).toMatch(/^HTTP\/1\.1 413 /);
  expect(announced).toMatch(/connection: close/i);
  // Chunked (no Content-Length): the reader stops collecting at the limit; the client gets its answer.
  const res = await request(`${base}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: Readable.from(
      (function* () {
        for (let i = 0; i < 40; i++) yield Buffer.alloc(64 * 1024, ' ');
      })(),
    ),
  });
  expect(res.statusCode).toBe(413);
  await res.body.dump();
  expect(seen.bodies).toHaveLength(0);
  // The connection that was refused is still good for the next activity.
  expect((await post(JSON.stringify(activity), { 'content-type': 'application/json' })).status).toBe(200);
});

test('bodies that are not a JSON object get 400 with a sentence', async () => {
  await start();
  for (const body of ['{"type":', '[1,2]', 'null', '\u00ff\u00fe']) {
    const res = await post(Buffer.from(body, 'latin1'), { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/JSON object/);
  }
  expect(seen.bodies).toHaveLength(0);
});

test('JSON nested 100,000 deep does not take the server down', async () => {
  await start();
  const deep = `{"type":"message","value":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
  const res = await post(deep, { 'content-type': 'application/json' });
  expect([200, 400]).toContain(res.status);
  expect((await post(JSON.stringify(activity), { 'content-type': 'application/json' })).status).toBe(200);
});

function openSocket(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(Number(new URL(base).port), '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

test('connections beyond the cap are dropped; slow clients are bounded by the configured timeouts', async () => {
  const http = (await start({ maxConnections: 2, headersTimeoutMs: 7_000, requestTimeoutMs: 9_000, keepAliveTimeoutMs: 4_000 })).server;
  expect(http.maxConnections).toBe(2);
  expect(http.headersTimeout).toBe(7_000);
  expect(http.requestTimeout).toBe(9_000);
  expect(http.keepAliveTimeout).toBe(4_000);

  const held = [await openSocket(), await openSocket()];
  // The server has accepted both before the third arrives.
  await new Promise<void>((resolve) => {
    const check = (): void => {
      http.getConnections((_e, n) => (n >= 2 ? resolve() : setImmediate(check)));
    };
    check();
  });
  const third = await openSocket();
  const answer = await new Promise<string>((resolve) => {
    let data = '';
    third.on('data', (b: Buffer) => (data += b.toString()));
    third.on('close', () => resolve(data));
    third.on('error', () => undefined);
    third.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  });
  expect(answer).toBe('');
  for (const s of held) s.destroy();
});

test('defaults: 1,000 connections, 20 s for headers, 30 s for the whole request, 65 s keep-alive', async () => {
  const http = (await start()).server;
  expect(http.maxConnections).toBe(1000);
  expect(http.headersTimeout).toBe(20_000);
  expect(http.requestTimeout).toBe(30_000);
  expect(http.keepAliveTimeout).toBe(65_000);
});
