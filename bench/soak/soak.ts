import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { BotConnectorEmulator } from '../../src/emulators/bot-connector';
import { FileHostEmulator, type HostedFile } from '../../src/emulators/file-host';
import { GraphTodoEmulator } from '../../src/emulators/graph-todo';
import { startIdentityEmulators, type IdentityStack } from '../../src/emulators/identity-stack';
import { benchUser, TeamsClient, TENANT, type BenchUser, type InvokeAnswer } from '../teams-activities';
import type { FromBot, ToBot } from './bot-process';

/**
 * The soak: many transfers through the real bot in its own process (activities in over HTTP,
 * signed as the channel signs them; cards out through the Bot Connector emulator), each exposed
 * at random to Graph 429s and 503s, connections reset mid-chunk, upload sessions that expire,
 * user tokens that expire, and downloads that drop. Every outcome is checked where a user would:
 * the card says Attached or says why not; the task holds exactly one attachment with the file's
 * SHA-256. Loopback only; bounded in count and time.
 */

export interface SoakOptions {
  transfers: number;
  /** Transfers in flight at once (one user each: a user's transfers run one after another). */
  concurrency: number;
  /** The whole run is bounded: transfers not finished by then are counted as lost. */
  timeLimitMs: number;
  /** Same seed, same sizes and faults. */
  seed?: number;
  /** How the bot's process is started (npm run soak: the built JavaScript; tests: TypeScript through a require hook). */
  bot: { script: string; execArgv?: string[] };
  /** Progress lines (stderr for npm run soak). */
  say?: (line: string) => void;
}

export interface SoakFailure {
  file: string;
  size: number;
  /** The faults this transfer was exposed to. */
  faults: FaultKind[];
  /** What the card said: a sentence for the user. */
  sentence: string;
}

export interface SoakResult {
  transfers: number;
  completed: number;
  failed: SoakFailure[];
  /** Never reached an outcome (no final card within the bound), or a card that says Attached over an empty task. */
  lost: number;
  duplicateAttachments: number;
  hashMismatches: number;
  /** The bot process's RSS, median of the first and of the last third of the run. */
  rssFirstThirdMiB: number;
  rssLastThirdMiB: number;
  rssGrowthMiB: number;
  /** Resources still open in the bot's process after it stopped (besides its IPC channel). */
  openHandles: number;
  openHandleTypes: string[];
  /** Whether the bot's process then exited on its own (nothing left keeping it alive). */
  exitedOnItsOwn: boolean;
  /** Faults planned, by kind, and how many the emulators actually applied. */
  faults: Record<FaultKind, number>;
  faultsFired: number;
  /** Times every user token was expired while transfers ran. */
  tokenExpiries: number;
  /** From the bot's /metrics at the end. */
  metrics: { retries: number; graph429: number; cardUpdates: number };
  /** Log lines at warn or above, and whether any log line holds a download link's secret. */
  logs: { warnings: number; errors: number; secretsFound: boolean; transferProblems: string[] };
  /** Job records left not finished on disk. */
  unfinishedRecords: number;
  bytes: number;
  seconds: number;
  seed: number;
}

export const FAULT_KINDS = ['graph-429', 'graph-503', 'connection-reset', 'session-expired', 'token-expired', 'download-drop'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const APP_ID = '5b0e2f6a-7c1d-4e3b-9a8f-0123456789ab';
const APP_SECRET = 'soak-client-secret';
const MiB = 1_048_576;
const SMALL_UPLOAD_LIMIT = 3 * MiB;
const MAX_BYTES = 26_214_400;

/** mulberry32: a small seeded generator, so a run can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sizes as people send them: many small documents and images, some decks and scans, a few videos, now and then exactly 25 MB. */
export function soakSize(rand: () => number): number {
  const r = rand();
  if (r < 0.03) return 0;
  if (r < 0.25) return 1 + Math.floor(rand() * 200_000);
  if (r < 0.6) return 200_000 + Math.floor(rand() * 2_800_000);
  if (r < 0.88) return 3_000_000 + Math.floor(rand() * 7_000_000);
  if (r < 0.98) return 10_000_000 + Math.floor(rand() * 16_000_000);
  return MAX_BYTES;
}

const KINDS = [
  ['Minutes', 'docx'],
  ['Screenshot', 'png'],
  ['Budget', 'xlsx'],
  ['Contract', 'pdf'],
  ['Board deck', 'pptx'],
  ['Site visit', 'mp4'],
  ['Scan', 'tif'],
  ['Notes', 'txt'],
] as const;

type User = BenchUser;

interface Stack {
  graph: GraphTodoEmulator;
  files: FileHostEmulator;
  connector: BotConnectorEmulator;
  id: IdentityStack;
  listId: string;
}

/** The bot's process: started, asked for its memory, stopped. */
class BotProcess {
  private waiters: Array<(m: FromBot) => boolean> = [];
  readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: FromBot) => {
      this.waiters = this.waiters.filter((w) => !w(m));
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(options: SoakOptions['bot'], env: Record<string, string>): Promise<{ bot: BotProcess; url: string; metricsUrl: string | undefined }> {
    const child = fork(options.script, [], { execArgv: options.execArgv ?? [], env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const bot = new BotProcess(child);
    const ready = await Promise.race([
      bot.next((m): m is Extract<FromBot, { type: 'ready' | 'failed' }> => m.type === 'ready' || m.type === 'failed'),
      bot.exited.then((code) => ({ type: 'failed' as const, message: `the bot's process exited with code ${code}` })),
    ]);
    if (ready.type === 'failed') throw new Error(`the bot did not start: ${ready.message}`);
    return { bot, url: ready.url, metricsUrl: ready.metricsUrl };
  }

  private next<T extends FromBot>(pick: (m: FromBot) => m is T): Promise<T> {
    return new Promise((resolve) => {
      this.waiters.push((m) => {
        if (!pick(m)) return false;
        resolve(m);
        return true;
      });
    });
  }

  private send(m: ToBot): void {
    if (this.child.connected) this.child.send(m);
  }

  async rss(): Promise<number | undefined> {
    if (!this.child.connected) return undefined;
    const answer = this.next((m): m is Extract<FromBot, { type: 'rss' }> => m.type === 'rss');
    this.send({ op: 'rss' });
    return (await answer).rss;
  }

  async stop(): Promise<{ openHandles: string[]; exitedOnItsOwn: boolean }> {
    const stopped = this.next((m): m is Extract<FromBot, { type: 'stopped' }> => m.type === 'stopped');
    this.send({ op: 'stop' });
    const { openHandles } = await Promise.race([stopped, this.exited.then(() => ({ openHandles: ['(exited before reporting)'] }))]);
    // Nothing open must keep it alive: it exits on its own, or it is killed after a while.
    const exitedOnItsOwn = await Promise.race([this.exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000).unref())]);
    if (!exitedOnItsOwn) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    return { openHandles, exitedOnItsOwn };
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** Activities as Teams sends them (bench/teams-activities.ts), signed as the channel signs them. */
class Channel {
  readonly teams: TeamsClient;

  constructor(
    botUrl: string,
    private readonly stack: Stack,
    pool: Agent,
  ) {
    const serviceUrl = stack.connector.serviceUrl;
    this.teams = new TeamsClient(botUrl, serviceUrl, pool, () => `Bearer ${stack.id.openid.channelToken({ appId: APP_ID, serviceUrl })}`);
  }

  async sendFile(user: User, file: HostedFile): Promise<number> {
    return (await this.teams.sendFile(user, file)).status;
  }

  press(user: User, cardId: string, verb: string, data: Record<string, unknown>): Promise<InvokeAnswer> {
    return this.teams.press(user, cardId, verb, data);
  }

  /** Signs the user in once, as Teams does silently: the bot's OAuth card, then the SSO token exchange. */
  async signIn(user: User): Promise<void> {
    const before = this.oauthCards(user).length;
    await this.teams.post({ ...this.teams.base(user), type: 'message', id: `soak-${Date.now()}`, textFormat: 'plain', text: 'status' });
    const card = await this.stack.connector.waitFor(() => this.oauthCards(user)[before], 20_000);
    const token = this.stack.id.entra.userToken({ aadObjectId: user.aadObjectId, tenantId: TENANT, name: user.name }, this.stack.id.tokenService.ssoAudience).token;
    const answer = await this.teams.post({ ...this.teams.base(user), type: 'invoke', id: `soak-${Date.now()}`, name: 'signin/tokenExchange', value: { id: card.id, connectionName: card.connectionName, token } });
    if (answer.status !== 200) throw new Error(`signing ${user.name} in answered ${answer.status}`);
  }

  private oauthCards(user: User): Array<{ id: string; connectionName: string }> {
    const out: Array<{ id: string; connectionName: string }> = [];
    for (const m of this.stack.connector.messages(user.conversationId)) {
      const attachments = (m.body as { attachments?: Array<{ contentType?: string; content?: { connectionName?: string; tokenExchangeResource?: { id?: string } } }> }).attachments ?? [];
      const a = attachments.find((x) => x.contentType === 'application/vnd.microsoft.card.oauth');
      if (a?.content?.tokenExchangeResource?.id) out.push({ id: a.content.tokenExchangeResource.id, connectionName: String(a.content.connectionName) });
    }
    return out;
  }
}

function cardOf(body: unknown): unknown {
  const attachments = (body as { attachments?: Array<{ contentType?: string; content?: unknown }> } | undefined)?.attachments;
  return attachments?.find((x) => x.contentType === 'application/vnd.microsoft.card.adaptive')?.content;
}

function texts(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => texts(n, out));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o['text'] === 'string') out.push(o['text']);
    Object.values(o).forEach((v) => texts(v, out));
  }
  return out;
}

function pickerIdOf(card: unknown): string | undefined {
  let id: string | undefined;
  const walk = (node: unknown): void => {
    if (id !== undefined || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const o = node as Record<string, unknown>;
    if (o['type'] === 'Action.Execute' && o['verb'] === 'attach') {
      const v = (o['data'] as { pickerId?: unknown } | undefined)?.pickerId;
      if (typeof v === 'string') id = v;
    }
    Object.values(o).forEach(walk);
  };
  walk(card);
  return id;
}

interface Plan {
  index: number;
  name: string;
  size: number;
  faults: FaultKind[];
}

function plan(options: SoakOptions, seed: number): Plan[] {
  const rand = random(seed);
  const plans: Plan[] = [];
  for (let i = 0; i < options.transfers; i++) {
    const size = soakSize(rand);
    const [kind, ext] = KINDS[Math.floor(rand() * KINDS.length)] ?? KINDS[0];
    const session = size >= SMALL_UPLOAD_LIMIT;
    const faults = FAULT_KINDS.filter((k) => {
      if (k === 'session-expired' && !session) return false;
      if (k === 'download-drop' && size < 65_536) return false;
      return rand() < 0.3;
    });
    plans.push({ index: i, name: `${kind} ${i + 1}.${ext}`, size, faults });
  }
  return plans;
}

/** Fault rules for one transfer, on the requests of its own task and file only. */
function injectFaults(stack: Stack, p: Plan, taskId: string, file: HostedFile, rand: () => number): { graphRules: string[]; fileRules: string[] } {
  const graphRules: string[] = [];
  const fileRules: string[] = [];
  const session = p.size >= SMALL_UPLOAD_LIMIT;
  // Session uploads: the chunk PUTs; small files: the one POST that creates the attachment.
  const match = session ? { method: 'PUT', pathIncludes: `/attachmentSessions/` } : { method: 'POST', pathIncludes: `${taskId}/attachments` };
  const onTask = (nth: number) => (session ? { ...match, pathIncludes: taskId, nth } : { ...match, nth });
  const chunks = Math.max(1, Math.ceil(p.size / 3_932_160));
  const someChunk = (): number => 1 + Math.floor(rand() * chunks);
  for (const kind of p.faults) {
    if (kind === 'graph-429') graphRules.push(stack.graph.faults.add({ match: { ...onTask(someChunk()), times: 1 + Math.floor(rand() * 2) }, action: { type: 'status', status: 429, retryAfterSeconds: Math.floor(rand() * 2) } }));
    if (kind === 'graph-503') graphRules.push(stack.graph.faults.add({ match: onTask(someChunk()), action: { type: 'status', status: 503, retryAfterSeconds: Math.floor(rand() * 2) } }));
    if (kind === 'connection-reset') graphRules.push(stack.graph.faults.add({ match: onTask(someChunk()), action: { type: 'reset', afterBodyBytes: Math.floor(rand() * Math.min(p.size, 3_000_000)) } }));
    if (kind === 'session-expired') graphRules.push(stack.graph.faults.add({ match: onTask(1 + someChunk()), action: { type: 'expire-session' } }));
    if (kind === 'download-drop') fileRules.push(stack.files.faults.add({ match: { method: 'GET', pathIncludes: file.id, nth: 1 + Math.floor(rand() * 2) }, action: { type: 'reset', afterBodyBytes: Math.floor(rand() * p.size) } }));
  }
  return { graphRules, fileRules };
}

function firedOf(faults: { list(): Array<{ id: string; fired: number }> }, ids: string[]): number {
  return faults
    .list()
    .filter((r) => ids.includes(r.id))
    .reduce((n, r) => n + r.fired, 0);
}

const FINAL = /Attached “|Could not attach|Cancelled|Waiting for you to sign in/;

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const say = options.say ?? (() => undefined);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const plans = plan(options, seed);
  const started = performance.now();
  const deadline = Date.now() + options.timeLimitMs;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'todo-attach-soak-'));
  const pool = new Agent({ connections: options.concurrency * 2, keepAliveTimeout: 10_000 });
  const graph = await GraphTodoEmulator.start();
  const files = await FileHostEmulator.start({});
  const connector = await BotConnectorEmulator.start();
  const id = await startIdentityEmulators({ appId: APP_ID, appPassword: APP_SECRET, graph });
  const stack: Stack = { graph, files, connector, id, listId: graph.addList('Soak').id };
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    ...id.settings,
    ALLOWED_TENANTS: TENANT,
    GRAPH_BASE_URL: graph.baseUrl,
    ALLOWED_DOWNLOAD_HOSTS: new URL(files.baseUrl).host,
    DATA_DIR: dataDir,
    MAX_CONCURRENT_TRANSFERS: String(options.concurrency),
    METRICS_PORT: '0',
    LOG_LEVEL: 'info',
  };
  let bot: BotProcess | undefined;
  const rss: Array<{ at: number; rss: number }> = [];
  let sampler: NodeJS.Timeout | undefined;
  const result: SoakResult = {
    transfers: options.transfers,
    completed: 0,
    failed: [],
    lost: 0,
    duplicateAttachments: 0,
    hashMismatches: 0,
    rssFirstThirdMiB: 0,
    rssLastThirdMiB: 0,
    rssGrowthMiB: 0,
    openHandles: 0,
    openHandleTypes: [],
    exitedOnItsOwn: false,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    faultsFired: 0,
    tokenExpiries: 0,
    metrics: { retries: 0, graph429: 0, cardUpdates: 0 },
    logs: { warnings: 0, errors: 0, secretsFound: false, transferProblems: [] },
    unfinishedRecords: 0,
    bytes: 0,
    seconds: 0,
    seed,
  };
  try {
    const startedBot = await BotProcess.start(options.bot, env);
    bot = startedBot.bot;
    const channel = new Channel(startedBot.url, stack, pool);
    const users = Array.from({ length: options.concurrency }, (_, i) => benchUser(i));
    for (const user of users) await channel.signIn(user);
    say(`soak: bot up, ${users.length} users signed in; ${plans.length} transfers, ${options.concurrency} at a time, seed ${seed}`);

    const current = bot;
    sampler = setInterval(() => {
      void current.rss().then((v) => v !== undefined && rss.push({ at: performance.now(), rss: v }));
    }, 500);
    const rand = random(seed ^ 0x5eed);
    let next = 0;
    let done = 0;
    const worker = async (user: User): Promise<void> => {
      for (let i = next++; i < plans.length; i = next++) {
        const p = plans[i] as Plan;
        await oneTransfer(stack, channel, user, p, rand, deadline, result);
        done++;
        if (done % 25 === 0) say(`soak: ${done}/${plans.length} transfers settled (${result.completed} attached, ${result.failed.length} failed, ${result.lost} lost)`);
        // The emulators' request logs are the driver's memory, not the bot's: keep them short.
        if (done % 20 === 0) {
          graph.clearRequests();
          files.clearRequests();
        }
      }
    };
    await Promise.all(users.map((u) => worker(u)));
    clearInterval(sampler);
    sampler = undefined;

    result.metrics = await scrape(startedBot.metricsUrl);
    const stopped = await bot.stop();
    result.openHandleTypes = stopped.openHandles;
    result.openHandles = stopped.openHandles.length;
    result.exitedOnItsOwn = stopped.exitedOnItsOwn;
    result.unfinishedRecords = await unfinishedRecords(dataDir);
    result.logs = await logFindings(dataDir);
  } finally {
    if (sampler) clearInterval(sampler);
    bot?.kill();
    await Promise.all([graph.close(), files.close(), connector.close(), id.close(), pool.close()]);
    await rm(dataDir, { recursive: true, force: true });
  }
  const thirds = thirdsOf(rss);
  result.rssFirstThirdMiB = thirds.first;
  result.rssLastThirdMiB = thirds.last;
  result.rssGrowthMiB = Math.round((thirds.last - thirds.first) * 10) / 10;
  result.seconds = Math.round((performance.now() - started) / 100) / 10;
  return result;
}

async function oneTransfer(stack: Stack, channel: Channel, user: User, p: Plan, rand: () => number, deadline: number, result: SoakResult): Promise<void> {
  const file = stack.files.addFile({ name: p.name, size: p.size, seed: p.index + 1 });
  const task = stack.graph.addTask(stack.listId, `Soak target ${p.index + 1}`);
  const rules = injectFaults(stack, p, task.id, file, rand);
  for (const k of p.faults) result.faults[k]++;
  const timeLeft = (): number => Math.max(1, deadline - Date.now());
  try {
    const before = new Set(stack.connector.messages(user.conversationId).map((m) => m.activityId));
    const sent = await channel.sendFile(user, file);
    if (sent !== 200) return fail(result, p, `the file message answered HTTP ${sent}`);
    const picker = await stack.connector
      .waitFor(() => {
        const m = stack.connector.messages(user.conversationId).find((x) => !before.has(x.activityId) && pickerIdOf(cardOf(x.body)) !== undefined);
        return m ? { cardId: m.activityId, pickerId: pickerIdOf(cardOf(m.body)) as string } : undefined;
      }, Math.min(30_000, timeLeft()))
      .catch(() => undefined);
    if (!picker) {
      const said = stack.connector.messages(user.conversationId).filter((x) => !before.has(x.activityId)).map((x) => texts(cardOf(x.body)).join(' '));
      return fail(result, p, said.length > 0 ? said.join(' / ') : 'no picker card came back');
    }
    const pressed = await channel.press(user, picker.cardId, 'attach', { pickerId: picker.pickerId, listId: stack.listId, taskId: task.id });
    const answer = texts((pressed.body as { value?: unknown } | undefined)?.value).join(' ');
    if (pressed.status !== 200 || !answer.includes('Attaching')) return fail(result, p, answer || `Attach answered HTTP ${pressed.status}`);
    if (p.faults.includes('token-expired')) expireTokens(stack, result);
    const final = await stack.connector
      .waitFor(() => {
        const m = stack.connector.messages(user.conversationId).find((x) => x.activityId === picker.cardId);
        const text = m ? texts(cardOf(m.body)).join('\n') : '';
        return FINAL.test(text) ? text : undefined;
      }, timeLeft())
      .catch(() => undefined);
    const attachments = stack.graph.attachments(stack.listId, task.id);
    if (attachments.length > 1) result.duplicateAttachments += attachments.length - 1;
    if (final === undefined) {
      result.lost++;
      return;
    }
    if (final.includes(`Attached “${p.name}”`)) {
      const mine = attachments[0];
      if (!mine) {
        result.lost++;
        return;
      }
      const sha = createHash('sha256').update(stack.graph.attachmentBytes(stack.listId, task.id, mine.id)).digest('hex');
      if (sha !== file.sha256 || mine.size !== p.size) result.hashMismatches++;
      result.completed++;
      result.bytes += p.size;
      return;
    }
    // Not attached: the card must say why in a sentence, and nothing may be on the task.
    const sentence = final.split('\n').find((l) => /\.\s*$/.test(l) && l.length > 20) ?? final.replace(/\s+/g, ' ').slice(0, 200);
    if (attachments.length > 0) result.duplicateAttachments += attachments.length;
    fail(result, p, sentence);
  } finally {
    result.faultsFired += firedOf(stack.graph.faults, rules.graphRules) + firedOf(stack.files.faults, rules.fileRules);
    for (const r of rules.graphRules) stack.graph.faults.remove(r);
    for (const r of rules.fileRules) stack.files.faults.remove(r);
    stack.files.removeFile(file.id);
    stack.graph.deleteTask(stack.listId, task.id);
  }
}

/**
 * Every user token issued so far stops working, as when an hour has passed: transfers in flight
 * meet a 401 and must renew their token through the token service. At most once every
 * TOKEN_EXPIRY_SPACING_MS: tokens do not expire again a moment after they were renewed.
 */
const TOKEN_EXPIRY_SPACING_MS = 3_000;
let lastExpiry = 0;
function expireTokens(stack: Stack, result: SoakResult): void {
  if (Date.now() - lastExpiry < TOKEN_EXPIRY_SPACING_MS) return;
  lastExpiry = Date.now();
  stack.id.entra.expireUserTokens();
  result.tokenExpiries++;
}

function fail(result: SoakResult, p: Plan, sentence: string): void {
  result.failed.push({ file: p.name, size: p.size, faults: p.faults, sentence });
}

function thirdsOf(samples: Array<{ at: number; rss: number }>): { first: number; last: number } {
  if (samples.length < 3) return { first: 0, last: 0 };
  const third = Math.floor(samples.length / 3);
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? 0;
  };
  const mib = (x: number): number => Math.round((x / MiB) * 10) / 10;
  return { first: mib(median(samples.slice(0, third).map((s) => s.rss))), last: mib(median(samples.slice(-third).map((s) => s.rss))) };
}

async function scrape(url: string | undefined): Promise<SoakResult['metrics']> {
  if (!url) return { retries: 0, graph429: 0, cardUpdates: 0 };
  const res = await request(url);
  const text = await res.body.text();
  const sum = (prefix: string): number =>
    text
      .split('\n')
      .filter((l) => l.startsWith(prefix))
      .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  return { retries: sum('todo_attach_retries_total{'), graph429: sum('todo_attach_http_429_total{service="graph"}'), cardUpdates: sum('todo_attach_card_updates_total{') };
}

async function unfinishedRecords(dataDir: string): Promise<number> {
  const dir = path.join(dataDir, 'jobs');
  const names = await readdir(dir).catch(() => [] as string[]);
  let n = 0;
  for (const name of names.filter((x) => x.endsWith('.json'))) {
    const record = JSON.parse(await readFile(path.join(dir, name), 'utf8')) as { state?: string };
    if (record.state === 'running' || record.state === 'waiting-sign-in') n++;
  }
  return n;
}

async function logFindings(dataDir: string): Promise<SoakResult['logs']> {
  const text = await readFile(path.join(dataDir, 'bot.log'), 'utf8').catch(() => '');
  const lines = text.split('\n').filter(Boolean);
  const level = (l: string): number => Number(/"level":(\d+)/.exec(l)?.[1] ?? 0);
  return {
    warnings: lines.filter((l) => level(l) === 40).length,
    errors: lines.filter((l) => level(l) >= 50).length,
    secretsFound: /tempauth=|Bearer ey|"token":"ey/.test(text),
    // Why transfers did not end attached, as the bot logged it (code and message, no secrets).
    transferProblems: lines
      .filter((l) => /"msg":"transfer (failed|cancelled|stopped by an unexpected error)"/.test(l))
      .map((l) => {
        const o = JSON.parse(l) as { msg?: string; err?: { code?: string; message?: string; status?: number } };
        return `${o.msg}: ${o.err?.code} ${o.err?.status ?? ''} ${o.err?.message ?? ''}`.trim();
      })
      .slice(0, 20),
  };
}
