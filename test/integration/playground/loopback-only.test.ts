import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { PlaygroundProcess } from '../../../src/playground/playground-process';
import { freePort } from '../../../src/playground/ports';

/**
 * The Agents Playground relays any activity to the unauthenticated local bot, so under
 * `npm start` it must be reachable from this machine only, by its own name, from its own page.
 */

jest.setTimeout(60_000);

let playground: PlaygroundProcess;
let port: number;
/** Stands in for the bot: the Playground asks its endpoint when it serves its config. */
let bot: http.Server;

beforeAll(async () => {
  // Not chained: restify, loaded by another test file in the same Jest worker, replaces
  // ServerResponse.prototype.writeHead process-wide with one that returns undefined.
  bot = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => bot.listen(0, '127.0.0.1', () => resolve()));
  port = await freePort();
  const botPort = (bot.address() as { port: number }).port;
  playground = new PlaygroundProcess({ port, botEndpoint: `http://127.0.0.1:${botPort}/api/messages` });
  const status = await playground.start();
  if (status.state !== 'running') throw new Error(`the Agents Playground did not start: ${status.reason ?? status.state}`);
});
afterAll(async () => {
  await playground.stop();
  bot.closeAllConnections();
  await new Promise<void>((resolve) => bot.close(() => resolve()));
});

/** Listening TCP sockets of a process, as `ss -ltn` shows them (local address:port). */
async function listeningSockets(pid: number): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ss', ['-ltnpH']);
  return stdout
    .split('\n')
    .filter((line) => line.includes(`pid=${pid},`))
    .map((line) => line.trim().split(/\s+/)[3] ?? '');
}

function get(path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, setHost: false }, (res) => {
      let text = '';
      res.on('data', (b: Buffer) => (text += b.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('ss -ltn: every socket the Playground listens on is on 127.0.0.1', async () => {
  const pid = playground.pid;
  if (pid === undefined) throw new Error('the Playground has no pid');
  const sockets = await listeningSockets(pid);
  expect(sockets).toContain(`127.0.0.1:${port}`);
  for (const s of sockets) expect(s).toMatch(/^127\.0\.0\.1:\d+$/);
});

test('its own loopback names are served', async () => {
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
    const res = await get('/_internal/v1/config', { host });
    expect(res.status).toBe(200);
  }
  const same = await get('/_internal/v1/config', { host: `localhost:${port}`, origin: `http://localhost:${port}` });
  expect(same.status).toBe(200);
});

test('DNS rebinding: another name in Host gets 421, even for the activity relay', async () => {
  const read = await get('/_internal/v1/config', { host: `attacker.example:${port}` });
  expect(read.status).toBe(421);
  const relay = await get('/_internal/v1/customActivities', { host: `attacker.example:${port}`, 'content-type': 'application/json' }, 'POST', JSON.stringify({ type: 'message', text: 'status' }));
  expect(relay.status).toBe(421);
});

test('cross-site requests and WebSockets from another page are refused', async () => {
  const post = await get(
    '/_internal/v1/customActivities',
    { host: `127.0.0.1:${port}`, origin: 'https://attacker.example', 'content-type': 'text/plain' },
    'POST',
    JSON.stringify({ type: 'message', text: 'status' }),
  );
  expect(post.status).toBe(403);
  const refused = await new Promise<string>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/_ws_conversation/v1/conversations/stream`, { origin: 'https://attacker.example' });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(`status ${res.statusCode ?? 0}`));
    ws.on('error', (err) => resolve(`error ${err.message}`));
  });
  expect(refused).toBe('status 403');
});
