import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { loadConfig, type Env } from '../../../src/config';
import { silentLogger } from '../../../src/log';
import { startLocalStack, type LocalStack } from '../../../src/playground/local-stack';
import { freePort } from '../../../src/playground/ports';
import { findPublicDir } from '../../../src/playground/static-files';
import { companionApi } from '../../support/playground';

/**
 * When the Agents Playground cannot run, `npm start` keeps the bot and the companion page up
 * and says why; ports that are taken get a sentence naming the setting to change.
 */

jest.setTimeout(60_000);

let dataDir: string;
const stacks: LocalStack[] = [];
const blockers: Server[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'todo-attach-degraded-'));
});

afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
  await Promise.all(blockers.splice(0).map((b) => new Promise<void>((resolve) => b.close(() => resolve()))));
  await rm(dataDir, { recursive: true, force: true });
});

/** Something else listening on a port, on every interface (as a stray Playground would). */
async function occupy(): Promise<number> {
  const port = await freePort();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, () => resolve()));
  blockers.push(server);
  return port;
}

async function start(env: Env, options: { playgroundCliPath?: string } = {}): Promise<LocalStack> {
  const config = loadConfig({ PORT: '0', COMPANION_PORT: '0', PLAYGROUND_PORT: String(await freePort()), DATA_DIR: dataDir, ...env });
  const stack = await startLocalStack(config, { logger: silentLogger(), ...options });
  stacks.push(stack);
  return stack;
}

async function botHealthy(stack: LocalStack): Promise<boolean> {
  const res = await request(`${stack.app.url}/healthz`);
  await res.body.dump();
  return res.statusCode === 200;
}

test('Playground port taken: the bot and the companion page run, and both say why', async () => {
  const port = await occupy();
  const stack = await start({ PLAYGROUND_PORT: String(port) });
  const status = stack.playground.status();
  expect(status.state).toBe('unavailable');
  expect(status.reason).toBe(`Port ${port} (the Agents Playground) is already in use by another program. Stop that program, or choose another port, e.g. PLAYGROUND_PORT=${port + 1} npm start.`);
  expect(stack.playground.pid).toBeUndefined();

  expect(await botHealthy(stack)).toBe(true);
  const shown = await companionApi<{ playground: { state: string; reason: string } }>(stack.companion.url, 'GET', '/api/status');
  expect(shown.body.playground).toEqual({ state: 'unavailable', reason: status.reason });
  // Sending a file needs the Playground: a clear refusal, and nothing is left on the file host.
  const refused = await companionApi<{ error: string }>(stack.companion.url, 'POST', '/api/files/generate', { name: 'a.txt', size: 10 });
  expect(refused.status).toBe(503);
  expect(refused.body.error).toContain('The Agents Playground is not running: Port');
  expect(stack.emulators.files.fileCount()).toBe(0);
  // The To Do and network panels work without it.
  const todo = await companionApi<{ lists: Array<{ displayName: string }> }>(stack.companion.url, 'GET', '/api/todo');
  expect(todo.body.lists.map((l) => l.displayName)).toEqual(['Tasks', 'Work', 'Home', 'Projects']);
  expect((await companionApi(stack.companion.url, 'PUT', '/api/network/bandwidth', { bytesPerSecond: 65536 })).status).toBe(200);
  expect(stack.emulators.graph.shaping.get().bytesPerSecond).toBe(65536);
});

test('a Playground that exits at once is reported with its last words; the rest keeps running', async () => {
  const stack = await start({}, { playgroundCliPath: path.join(dataDir, 'missing-cli.js') });
  const status = stack.playground.status();
  expect(status.state).toBe('unavailable');
  expect(status.reason).toMatch(/^it stopped \(exit code 1\); its last output: .*Cannot find module/);
  expect(await botHealthy(stack)).toBe(true);
});

test('START_PLAYGROUND=false starts the bot and the companion page only', async () => {
  const stack = await start({ START_PLAYGROUND: 'false' });
  expect(stack.playground.status()).toEqual({ state: 'disabled', reason: 'START_PLAYGROUND=false, so it was not started' });
  expect(await botHealthy(stack)).toBe(true);
});

test('a taken bot or companion port is a clear error naming the setting', async () => {
  const botPort = await occupy();
  await expect(start({ PORT: String(botPort) })).rejects.toThrow(
    `Port ${botPort} (the bot) is already in use by another program. Stop that program, or choose another port, e.g. PORT=${botPort + 1} npm start.`,
  );
  const companionPort = await occupy();
  await expect(start({ COMPANION_PORT: String(companionPort), START_PLAYGROUND: 'false' })).rejects.toThrow(
    `Port ${companionPort} (the companion page) is already in use by another program. Stop that program, or choose another port, e.g. COMPANION_PORT=${companionPort + 1} npm start.`,
  );
});

test('npm start refuses settings that are not the local playground', async () => {
  await expect(start({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'secret', OAUTH_CONNECTION_NAME: 'todo-graph' })).rejects.toThrow(/needs local mode: unset MicrosoftAppId/);
  await expect(start({ GRAPH_BASE_URL: 'http://127.0.0.1:9/v1.0' })).rejects.toThrow(/unset GRAPH_BASE_URL/);
});

test('the page files are found from the compiled code too (tsc copies no .html)', () => {
  const root = path.resolve(__dirname, '../../..');
  const expected = path.join(root, 'src', 'playground', 'public');
  expect(findPublicDir(path.join(root, 'src', 'playground'))).toBe(expected);
  expect(findPublicDir(path.join(root, 'dist', 'src', 'playground'))).toBe(expected);
});
