import http from 'node:http';
import { BotConnectorEmulator } from '../../../src/emulators/bot-connector';
import { FileHostEmulator } from '../../../src/emulators/file-host';
import { GraphTodoEmulator } from '../../../src/emulators/graph-todo';

/**
 * The emulators' admin routes (/_emulator/*) arm faults and show state: like the companion page,
 * they answer only to loopback names (DNS rebinding), changes need a custom header (no CSRF: a
 * page cannot send one without a preflight) and bodies must be JSON. The Graph emulator's
 * bearer token is random per run, so a page that reaches it cannot read the emulated To Do.
 */

let graph: GraphTodoEmulator;
let files: FileHostEmulator;
let connector: BotConnectorEmulator;

beforeAll(async () => {
  [graph, files, connector] = await Promise.all([GraphTodoEmulator.start(), FileHostEmulator.start(), BotConnectorEmulator.start()]);
});
afterAll(async () => {
  await Promise.all([graph.close(), files.close(), connector.close()]);
});

interface Answer {
  status: number;
  text: string;
}

/** One request with exactly these headers (Host included), as a browser page could send it. */
function send(base: string, path: string, method: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method, headers: { host: url.host, ...headers }, setHost: false }, (res) => {
      let text = '';
      res.on('data', (b: Buffer) => (text += b.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const ADMIN = { 'x-emulator-admin': '1' };
const JSON_TYPE = { 'content-type': 'application/json' };

function origins(): Array<[string, string, string]> {
  const graphOrigin = graph.baseUrl.replace(/\/v1\.0$/, '');
  return [
    ['Graph', graphOrigin, '/_emulator/faults'],
    ['file host', files.baseUrl, '/_emulator/faults'],
    ['Bot Connector', connector.serviceUrl, '_emulator/throttle'],
  ];
}

const fault = JSON.stringify({ action: { type: 'latency', ms: 600_000 } });
const throttle = JSON.stringify({ kind: 'update', times: 1 });

test('a foreign Host (DNS rebinding) gets 421, even for reading state', async () => {
  for (const [name, base, faults] of origins()) {
    const port = new URL(base).port;
    const state = await send(base, faults.replace(/faults|throttle/, 'state'), 'GET', { host: `attacker.example:${port}` });
    expect([name, state.status]).toEqual([name, 421]);
    const arm = await send(base, faults, 'POST', { host: `attacker.example:${port}`, ...ADMIN, ...JSON_TYPE }, name === 'Bot Connector' ? throttle : fault);
    expect([name, arm.status]).toEqual([name, 421]);
  }
  expect(graph.faults.list()).toEqual([]);
  expect(files.faults.list()).toEqual([]);
});

test('a cross-site form or text/plain post (CSRF) arms nothing: 403 without the header, 415 without JSON', async () => {
  for (const [name, base, faults] of origins()) {
    const body = name === 'Bot Connector' ? throttle : fault;
    const noHeader = await send(base, faults, 'POST', { 'content-type': 'text/plain' }, body);
    expect([name, noHeader.status]).toEqual([name, 403]);
    const notJson = await send(base, faults, 'POST', { ...ADMIN, 'content-type': 'text/plain' }, body);
    expect([name, notJson.status]).toEqual([name, 415]);
  }
  expect(graph.faults.list()).toEqual([]);
  expect(files.faults.list()).toEqual([]);
  expect(connector.state().pendingThrottles).toBe(0);
});

test('loopback names with the header and JSON work', async () => {
  for (const [name, base, faults] of origins()) {
    const port = new URL(base).port;
    const body = name === 'Bot Connector' ? throttle : JSON.stringify({ action: { type: 'status', status: 500 }, match: { method: 'GET', times: 1 } });
    const ok = await send(base, faults, 'POST', { host: `localhost:${port}`, ...ADMIN, ...JSON_TYPE }, body);
    expect([name, ok.status]).toEqual([name, name === 'Bot Connector' ? 200 : 201]);
  }
  graph.faults.clear();
  files.faults.clear();
  connector.clear();
});

test('the Graph emulator’s bearer token is random per run; the old fixed one is refused', async () => {
  const other = await GraphTodoEmulator.start();
  try {
    expect(graph.tokens).toHaveLength(1);
    expect(graph.tokens[0]).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(other.tokens[0]).not.toBe(graph.tokens[0]);
    const fixed = await fetch(`${graph.baseUrl}/me/todo/lists`, { headers: { authorization: 'Bearer local-dev-token' } });
    expect(fixed.status).toBe(401);
    const random = await fetch(`${graph.baseUrl}/me/todo/lists`, { headers: { authorization: `Bearer ${graph.tokens[0] ?? ''}` } });
    expect(random.status).toBe(200);
  } finally {
    await other.close();
  }
});
