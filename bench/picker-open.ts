import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Agent } from 'undici';
import { startApp, type RunningApp } from '../src/app';
import { loadConfig } from '../src/config';
import type { HostedFile } from '../src/emulators/file-host';
import { createLogger } from '../src/log';
import { readEvaluationSet } from '../src/ranking/evaluation';
import { RANKING_FETCH_LIMITS } from '../src/ranking';
import type { RemoteEmulators } from './remote-emulators';
import { benchUser, cardOf, TeamsClient } from './teams-activities';
import { percentile, round, say } from './util';

/**
 * A file arrives → the picker card is sent, with ranking (issue 14): the real bot against a
 * Graph To Do emulator of its own with 10 lists × 40 open tasks (titles from the labelled set
 * in test/fixtures/task-ranking) that answers every request after 50 ms, as across a network.
 * Each sample is one 1:1 file message (file names and messages from the set's cases), timed
 * from the POST to its answer: botbuilder answers a message activity once the turn is over, and
 * the turn ends after the card was posted to the connector (checked).
 */

export interface PickerOpenFigures {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
  lists: number;
  tasksPerList: number;
  graphLatencyMs: number;
  /** Graph requests per picker (lists, one page per list for ranking, the shown list's tasks). */
  graphRequestsPerPicker: number;
  /** Share of pickers whose first task choice was a suggestion / preselected. */
  suggestedShare: number;
  preselectedShare: number;
}

export const PICKER_LATENCY_MS = 50;
const SAMPLES = 60;
const WARM_UP = 5;

export async function runPickerOpen(emu: RemoteEmulators, repoRoot: string): Promise<PickerOpenFigures> {
  const set = readEvaluationSet(path.join(repoRoot, 'test', 'fixtures', 'task-ranking'));
  const cases = set.flatMap((f) => f.cases).filter((c) => c.context.fileName);
  const titles = [...new Set(set.flatMap((f) => f.cases[0]?.tasks ?? []).map((t) => t.title))];
  const lists = RANKING_FETCH_LIMITS.maxLists;
  const tasksPerList = RANKING_FETCH_LIMITS.tasksPerList;
  // Pages as large as the ranking asks for: one request per list, as with Graph's $top.
  const graph = await emu.call('startPickerGraph', { lists, tasksPerList, latencyMs: PICKER_LATENCY_MS, pageSize: tasksPerList, titles });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'todo-attach-bench-picker-'));
  const pool = new Agent({ keepAliveTimeout: 30_000, connections: 4 });
  const config = loadConfig({
    PORT: '0',
    GRAPH_BASE_URL: graph.graphBaseUrl,
    LOCAL_GRAPH_TOKEN: graph.token,
    ALLOWED_DOWNLOAD_HOSTS: new URL(emu.filesBaseUrl).host,
    DATA_DIR: dataDir,
    // 65 file messages from one user within seconds: this measures the picker, not the per-user
    // limit (30 a minute by default), so the limit is set out of its way.
    FILE_MESSAGES_PER_MINUTE_PER_USER: '1000',
    LOG_LEVEL: 'info',
  });
  const logger = createLogger({ level: config.logLevel, destination: new Writable({ write: (_c, _e, done) => done() }) });
  let app: RunningApp | undefined;
  const files: HostedFile[] = [];
  try {
    app = await startApp(config, { logger });
    const teams = new TeamsClient(app.url, emu.serviceUrl, pool);
    const user = benchUser(900);
    const times: number[] = [];
    let suggested = 0;
    let preselected = 0;
    const requestsBefore = await emu.call('pickerGraphRequests');
    for (let i = 0; i < WARM_UP + SAMPLES; i++) {
      const c = cases[(i * 37) % cases.length];
      const file = await emu.call('addFile', { name: c?.context.fileName ?? `file ${i}.pdf`, size: 20_000, seed: 5000 + i });
      files.push(file);
      const before = (await emu.call('messages', user.conversationId)).length;
      const { status, ms } = await teams.sendFile(user, file, c?.context.messageText ?? '');
      if (status !== 200) throw new Error(`picker: the file message answered ${status}`);
      const messages = await emu.call('messages', user.conversationId);
      const card = messages.length > before ? cardOf(messages[messages.length - 1]?.body) : undefined;
      const taskInput = card ? findInput(card, 'taskId') : undefined;
      if (!taskInput) throw new Error('picker: the card was not posted when the message was answered');
      if (i < WARM_UP) continue;
      times.push(ms);
      const first = (taskInput['choices'] as Array<{ value?: string }> | undefined)?.[0]?.value ?? '';
      if (first.startsWith('suggested:')) suggested++;
      if (taskInput['value'] === 'suggested:0') preselected++;
    }
    const requests = (await emu.call('pickerGraphRequests')) - requestsBefore;
    const figures: PickerOpenFigures = {
      p50Ms: round(percentile(times, 50), 1),
      p99Ms: round(percentile(times, 99), 1),
      maxMs: round(Math.max(...times), 1),
      samples: times.length,
      lists,
      tasksPerList,
      graphLatencyMs: PICKER_LATENCY_MS,
      graphRequestsPerPicker: round(requests / (WARM_UP + SAMPLES), 1),
      suggestedShare: round(suggested / times.length, 3),
      preselectedShare: round(preselected / times.length, 3),
    };
    say(`picker: ${figures.samples} pickers, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, ${figures.graphRequestsPerPicker} Graph requests each (${PICKER_LATENCY_MS} ms latency)`);
    return figures;
  } finally {
    await app?.stop();
    await pool.close();
    await emu.call('stopPickerGraph').catch(() => undefined);
    for (const f of files) await emu.call('removeFile', f.id).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
}

function findInput(card: unknown, id: string): Record<string, unknown> | undefined {
  if (Array.isArray(card)) {
    for (const c of card) {
      const found = findInput(c, id);
      if (found) return found;
    }
    return undefined;
  }
  if (!card || typeof card !== 'object') return undefined;
  const o = card as Record<string, unknown>;
  if (o['id'] === id && typeof o['type'] === 'string' && o['type'].startsWith('Input.')) return o;
  for (const v of Object.values(o)) {
    const found = findInput(v, id);
    if (found) return found;
  }
  return undefined;
}
