import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { Agent } from 'undici';
import { startApp, type RunningApp } from '../src/app';
import { loadConfig } from '../src/config';
import { maxInWindow } from '../src/emulators/bot-connector';
import type { HostedFile } from '../src/emulators/file-host';
import { createLogger } from '../src/log';
import { runPickerOpen, type PickerOpenFigures } from './picker-open';
import type { LoopDelay } from './protocol';
import type { RemoteEmulators } from './remote-emulators';
import { benchUser, cardActions, cardOf, TeamsClient, type BenchUser, type InvokeAnswer } from './teams-activities';
import { FILE_BYTES, LOOP_RESOLUTION_MS, loopDelayOf, median, MiB, percentile, round, say } from './util';

/**
 * The real bot (startApp: restify, CloudAdapter, job runner, engine) under load: 20 users each
 * attach a 25 MB file, and while those transfers run, card actions are pressed one after
 * another and timed over HTTP. The app's own card update interval (1 s) is used.
 */

export const BOT_TRANSFERS = 20;
/** Per connection and direction: each transfer then takes ~12 s, long enough to sample invokes. */
export const BOT_RATE = 2 * MiB;
const INVOKES = 200;
const CARD = 'application/vnd.microsoft.card.adaptive';

export interface BotFigures {
  invokeP99Ms: number;
  /** A file arrives → picker card sent, with ranking, 10 lists × 40 tasks, Graph 50 ms away (picker-open.ts). */
  pickerOpenP99Ms: number;
  pickerOpen: PickerOpenFigures;
  invokeP50Ms: number;
  cardUpdatesPerSecondMax: number;
  invokes: number;
  /** Invokes answered while at least one transfer was still running. */
  invokesDuringTransfers: number;
  byVerb: Record<string, { n: number; p50Ms: number; p99Ms: number; maxMs: number }>;
  /** The 20 presses of Attach that started the transfers (each awaits two Graph calls). */
  startAttach: { p50Ms: number; maxMs: number };
  transfers: number;
  bytesPerSecondEachWay: number;
  /** From the first Attach until every transfer had finished and its card was final. */
  transfersSeconds: number;
  cardUpdates: {
    total: number;
    perCardMedian: number;
    /** Pairs of consecutive updates of one card less than 1 s apart. */
    pairsUnder1s: number;
    /** ...of which the later one was the card's last (final) update. */
    pairsUnder1sEndingInFinal: number;
    /** Smallest gap between two consecutive updates of one card. */
    minGapMs: number | null;
    /** The card with the most updates in one second: ms since its first update ("final" = the Attached card). */
    worstCard: string[];
  };
  /** Where the time goes: event-loop lateness during the invokes, CPU during the transfers. */
  diagnostics: {
    botLoopDelay: LoopDelay;
    emulatorLoopDelay: LoopDelay | null;
    /** Percent of one core, from the first Attach until every transfer settled. */
    botCpuPercent: number;
    emulatorCpuPercent: number;
  };
}

interface Started {
  user: BenchUser;
  file: HostedFile;
  taskId: string;
  cardId: string;
  pickerId: string;
}

export async function runBot(emu: RemoteEmulators, repoRoot: string): Promise<BotFigures> {
  const transfers = await runTransfers(emu);
  say('bot: picker open with ranking');
  const pickerOpen = await runPickerOpen(emu, repoRoot);
  return { ...transfers, pickerOpenP99Ms: pickerOpen.p99Ms, pickerOpen };
}

async function runTransfers(emu: RemoteEmulators): Promise<Omit<BotFigures, 'pickerOpenP99Ms' | 'pickerOpen'>> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'todo-attach-bench-'));
  const config = loadConfig({
    PORT: '0',
    GRAPH_BASE_URL: emu.graphBaseUrl,
    LOCAL_GRAPH_TOKEN: emu.token,
    ALLOWED_DOWNLOAD_HOSTS: new URL(emu.filesBaseUrl).host,
    DATA_DIR: dataDir,
    MAX_CONCURRENT_TRANSFERS: String(BOT_TRANSFERS),
    LOG_LEVEL: 'info',
  });
  // Logged as in production (level info, redaction and all), written nowhere.
  const logger = createLogger({ level: config.logLevel, destination: new Writable({ write: (_c, _e, done) => done() }) });
  const pool = new Agent({ keepAliveTimeout: 30_000, connections: 8 });
  let app: RunningApp | undefined;
  const files: HostedFile[] = [];
  const tasks: string[] = [];
  let listId = '';
  try {
    await emu.call('clearConnector');
    await emu.call('shape', { graph: null, files: null });
    // No cardUpdateIntervalMs: the app's default interval is what is measured.
    app = await startApp(config, { logger });
    const teams = new TeamsClient(app.url, emu.serviceUrl, pool);
    const lists = await emu.call('lists');
    // The transfers' tasks in a list of their own; showTasks browses a seeded list of usual size.
    const browseListId = (lists.find((l) => l.displayName === 'Work') ?? lists[0])?.id ?? '';
    listId = (await emu.call('addList', 'Bench targets')).id;

    // 20 users, one file each, one picker card each (+ one more user for the showTasks presses).
    const started: Started[] = [];
    for (let i = 0; i < BOT_TRANSFERS; i++) {
      const user = benchUser(i);
      const file = await emu.call('addFile', { name: `bench-${i}.bin`, size: FILE_BYTES, seed: 2000 + i });
      files.push(file);
      const task = await emu.call('addTask', { listId, title: `Bench target ${i}` });
      tasks.push(task.id);
      const picker = await pickerFor(emu, teams, user, file);
      started.push({ user, file, taskId: task.id, ...picker });
    }
    const browser = benchUser(BOT_TRANSFERS);
    const small = await emu.call('addFile', { name: 'small note.txt', size: 1000, seed: 3000 });
    files.push(small);
    const browsing = await pickerFor(emu, teams, browser, small);

    await emu.call('shape', { graph: BOT_RATE, files: BOT_RATE });
    say(`bot: ${BOT_TRANSFERS} pickers ready; pressing Attach on each (transfers shaped to ${BOT_RATE / MiB} MiB/s each way)`);
    const t0 = performance.now();
    const cpu0 = { bot: cpuMicros(), emu: await emu.call('cpuMicros') };
    const startLatencies: number[] = [];
    for (const s of started) {
      const answer = await teams.press(s.user, s.cardId, 'attach', { pickerId: s.pickerId, listId, taskId: s.taskId });
      expectCard(answer, 'Attach');
      if (!JSON.stringify(answer.body.value).includes('Attaching')) throw new Error('Attach did not answer with the transfer card');
      startLatencies.push(answer.ms);
    }

    // Card actions while the transfers run: a Graph-backed one and an immediate one, alternating.
    const byVerb: Record<string, number[]> = { showTasks: [], attachAgain: [] };
    const all: number[] = [];
    let during = 0;
    const botLoop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    botLoop.enable();
    await emu.call('loopDelay', 'start');
    for (let k = 0; k < INVOKES; k++) {
      let answer: InvokeAnswer;
      if (k % 2 === 0) {
        answer = await teams.press(browser, browsing.cardId, 'showTasks', { pickerId: browsing.pickerId, listId: browseListId });
        expectCard(answer, 'showTasks');
        byVerb['showTasks']?.push(answer.ms);
      } else {
        // A second press of Attach on a running transfer's card: answered from the job store.
        const s = started[(k >> 1) % started.length] as Started;
        answer = await teams.press(s.user, s.cardId, 'attach', { pickerId: s.pickerId, listId, taskId: s.taskId });
        expectCard(answer, 'attach again');
        byVerb['attachAgain']?.push(answer.ms);
      }
      all.push(answer.ms);
      if (app.store.list().some((j) => j.state === 'running')) during++;
    }
    botLoop.disable();
    const emulatorLoopDelay = await emu.call('loopDelay', 'stop');
    say(`bot: ${INVOKES} invokes done (${during} while transfers ran); waiting for the transfers`);
    await app.runner.settleAll();
    const transfersSeconds = (performance.now() - t0) / 1000;
    const percentOfCore = (micros: number): number => round((micros / 1e6 / transfersSeconds) * 100, 0);
    const botCpuPercent = percentOfCore(cpuMicros() - cpu0.bot);
    const emulatorCpuPercent = percentOfCore((await emu.call('cpuMicros')) - cpu0.emu);

    for (const s of started) {
      const atts = await emu.call('attachments', { listId, taskId: s.taskId });
      if (atts.length !== 1 || atts[0]?.sha256 !== s.file.sha256) throw new Error(`bot: ${s.file.name} did not arrive intact`);
      const final = (await emu.call('messages', s.user.conversationId)).find((m) => m.activityId === s.cardId);
      if (!JSON.stringify(final?.body).includes(`Attached “${s.file.name}”`)) throw new Error(`bot: the card of ${s.file.name} does not say it was attached`);
    }
    const cardUpdatesPerSecondMax = await emu.call('maxUpdatesPerSecond');
    const updates = analyseUpdates(await emu.call('updateTimes'));
    say(`bot: CPU ${botCpuPercent}% (bot) + ${emulatorCpuPercent}% (emulators) of one core; bot loop delay p99 ${loopDelayOf(botLoop).p99Ms} ms`);
    say(`bot: transfers done in ${transfersSeconds.toFixed(1)} s; card updates ${updates.total}, most in one second on one card: ${cardUpdatesPerSecondMax}`);

    return {
      invokeP99Ms: round(percentile(all, 99), 1),
      invokeP50Ms: round(percentile(all, 50), 1),
      cardUpdatesPerSecondMax,
      invokes: all.length,
      invokesDuringTransfers: during,
      byVerb: Object.fromEntries(
        Object.entries(byVerb).map(([verb, ms]) => [verb, { n: ms.length, p50Ms: round(percentile(ms, 50), 1), p99Ms: round(percentile(ms, 99), 1), maxMs: round(Math.max(...ms), 1) }]),
      ),
      startAttach: { p50Ms: round(percentile(startLatencies, 50), 1), maxMs: round(Math.max(...startLatencies), 1) },
      transfers: BOT_TRANSFERS,
      bytesPerSecondEachWay: BOT_RATE,
      transfersSeconds: round(transfersSeconds, 2),
      cardUpdates: updates,
      diagnostics: { botLoopDelay: loopDelayOf(botLoop), emulatorLoopDelay, botCpuPercent, emulatorCpuPercent },
    };
  } finally {
    await emu.call('shape', { graph: null, files: null }).catch(() => undefined);
    await app?.stop();
    await pool.close();
    for (const taskId of tasks) await emu.call('deleteTask', { listId, taskId }).catch(() => undefined);
    for (const f of files) await emu.call('removeFile', f.id).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Sends the file message and waits for the picker card the bot posts in reply. */
async function pickerFor(emu: RemoteEmulators, teams: TeamsClient, user: BenchUser, file: HostedFile): Promise<{ cardId: string; pickerId: string }> {
  const { status } = await teams.sendFile(user, file);
  if (status !== 200) throw new Error(`bot: the file message answered ${status}`);
  return emu.waitFor(async () => {
    for (const m of await emu.call('messages', user.conversationId)) {
      const attach = cardActions(cardOf(m.body)).find((a) => a.verb === 'attach');
      const pickerId = attach?.data['pickerId'];
      if (typeof pickerId === 'string') return { cardId: m.activityId, pickerId };
    }
    return undefined;
  }, `the picker card for ${file.name}`);
}

function expectCard(answer: InvokeAnswer, what: string): void {
  if (answer.status !== 200 || answer.body.type !== CARD) {
    throw new Error(`bot: ${what} answered ${answer.status} ${String(answer.body.type)}: ${JSON.stringify(answer.body.value).slice(0, 200)}`);
  }
}

function analyseUpdates(times: Array<{ activityId: string; at: number; final: boolean }>): BotFigures['cardUpdates'] {
  const byCard = new Map<string, Array<{ at: number; final: boolean }>>();
  for (const t of times) byCard.set(t.activityId, [...(byCard.get(t.activityId) ?? []), t]);
  let pairs = 0;
  let pairsFinal = 0;
  let minGap = Number.POSITIVE_INFINITY;
  let worst: { count: number; updates: Array<{ at: number; final: boolean }> } = { count: 0, updates: [] };
  for (const list of byCard.values()) {
    list.sort((a, b) => a.at - b.at);
    for (let i = 1; i < list.length; i++) {
      const gap = (list[i] as { at: number }).at - (list[i - 1] as { at: number }).at;
      minGap = Math.min(minGap, gap);
      if (gap < 1000) {
        pairs++;
        if (list[i]?.final) pairsFinal++;
      }
    }
    const count = maxInWindow(
      list.map((u) => u.at),
      1000,
    );
    if (count > worst.count) worst = { count, updates: list };
  }
  const first = worst.updates[0]?.at ?? 0;
  return {
    total: times.length,
    perCardMedian: byCard.size === 0 ? 0 : median([...byCard.values()].map((l) => l.length)),
    pairsUnder1s: pairs,
    pairsUnder1sEndingInFinal: pairsFinal,
    minGapMs: Number.isFinite(minGap) ? Math.round(minGap) : null,
    worstCard: worst.updates.map((u) => `${u.at - first}${u.final ? ' final' : ''}`),
  };
}
