import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BotFigures } from './bot';
import { closeContext, createContext } from './context';
import { runMemory, type MemoryFigures } from './memory';
import { runPipeline, type PipelineFigures } from './pipeline';
import { runRanking, type RankingFigures } from './ranking';
import { RemoteEmulators } from './remote-emulators';
import { runThroughput, type ThroughputFigures } from './throughput';
import { say } from './util';

/**
 * Every figure in one run, loopback only (started by run.ts). Progress goes to stderr; the last
 * line of stdout is one JSON object, also written to bench/results/latest.json.
 * `--only=memory,bot` runs some phases (printed, not written to latest.json).
 */

const PHASES = ['memory', 'throughput', 'pipeline', 'bot', 'ranking'] as const;
type Phase = (typeof PHASES)[number];

/** Figure → goal. The figure is `section.name` in the JSON. */
const GOALS = {
  'pipeline.ratio': { max: 1.05 },
  'memory.rssPerTransferMiB': { max: 5 },
  'throughput.ratioToRawCopy': { min: 0.9 },
  'bot.invokeP99Ms': { max: 200 },
  'bot.cardUpdatesPerSecondMax': { max: 1 },
  'bot.pickerOpenP99Ms': { max: 1500 },
  'ranking.top1': { min: 0.9 },
  'ranking.pickerP99Ms': { max: 50 },
} as const;

interface Results {
  pipeline?: PipelineFigures;
  memory?: MemoryFigures;
  throughput?: ThroughputFigures;
  bot?: BotFigures;
  ranking?: RankingFigures;
  goals: typeof GOALS;
  met: Record<string, boolean | null>;
  meta: Record<string, unknown>;
}

function parsePhases(argv: readonly string[]): Phase[] {
  const only = argv.find((a) => a.startsWith('--only='));
  if (!only) return [...PHASES];
  const wanted = only.slice('--only='.length).split(',').map((s) => s.trim());
  for (const w of wanted) if (!(PHASES as readonly string[]).includes(w)) throw new Error(`unknown phase ${w}; phases: ${PHASES.join(', ')}`);
  return PHASES.filter((p) => wanted.includes(p));
}

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

function figure(results: Results, name: string): number | undefined {
  const [section, key] = name.split('.') as [string, string];
  const value = (results as unknown as Record<string, Record<string, unknown> | undefined>)[section]?.[key];
  return typeof value === 'number' ? value : undefined;
}

export async function runSuite(argv: readonly string[]): Promise<void> {
  const phases = parsePhases(argv);
  const started = performance.now();
  say(`phases: ${phases.join(', ')} (node ${process.version}, ${os.cpus().length} CPUs)`);
  const emu = await RemoteEmulators.start();
  const results: Results = { goals: GOALS, met: {}, meta: {} };
  try {
    const ctx = await createContext(emu);
    try {
      for (const phase of phases) {
        const t = performance.now();
        say(`--- ${phase}`);
        if (phase === 'memory') results.memory = await runMemory();
        if (phase === 'throughput') results.throughput = await runThroughput(ctx);
        if (phase === 'pipeline') results.pipeline = await runPipeline(ctx);
        // Loaded only when asked for: the whole bot (botbuilder and all) is heavy to load.
        if (phase === 'bot') results.bot = await (await import('./bot.js')).runBot(emu, repoRoot());
        if (phase === 'ranking') results.ranking = runRanking(repoRoot());
        say(`${phase} took ${((performance.now() - t) / 1000).toFixed(1)} s`);
      }
    } finally {
      await closeContext(ctx);
    }
  } finally {
    await emu.close();
  }
  for (const [name, goal] of Object.entries(GOALS)) {
    const v = figure(results, name);
    results.met[name] = v === undefined ? null : 'max' in goal ? v <= goal.max : v >= goal.min;
  }
  results.meta = {
    node: process.version,
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    platform: `${os.platform()} ${os.arch()}`,
    phases,
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
  const ordered = { pipeline: results.pipeline, memory: results.memory, throughput: results.throughput, bot: results.bot, ranking: results.ranking, goals: results.goals, met: results.met, meta: results.meta };
  const line = JSON.stringify(ordered);
  if (phases.length === PHASES.length) {
    const dir = path.join(repoRoot(), 'bench', 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'latest.json'), `${JSON.stringify(ordered, null, 2)}\n`);
    say(`written to ${path.relative(process.cwd(), path.join(dir, 'latest.json')) || 'bench/results/latest.json'}`);
  }
  for (const [name, ok] of Object.entries(results.met)) if (ok === false) say(`goal missed: ${name} = ${figure(results, name)} (goal ${JSON.stringify(GOALS[name as keyof typeof GOALS])})`);
  process.stdout.write(`${line}\n`);
}
