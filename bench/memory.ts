import { fork } from 'node:child_process';
import type { HostedFile } from '../src/emulators/file-host';
import { closeContext, createContext, engineTransfer, newTask, verifyAndDrop, type BenchContext, type BenchTask } from './context';
import { RemoteEmulators } from './remote-emulators';
import { FILE_BYTES, MiB, round, sampleRss, say, settleMemory, spread, timed } from './util';

/**
 * What one transfer costs in memory: 20 concurrent 25 MB transfers through the engine in this
 * process (the emulators run in another), RSS sampled every 20 ms against a baseline taken after
 * a warm-up and a full GC. A store-and-forward design would need 25 MB per transfer.
 *
 * When V8 collects the buffers a transfer has let go of moves one run's peak by ±1 MiB per
 * transfer, so the figure is the median of MEMORY_RUNS runs (each in a fresh process), with
 * the smallest and largest.
 */

export const MEMORY_TRANSFERS = 20;
export const MEMORY_RUNS = 3;
const SAMPLE_MS = 20;

export interface MemoryFigures {
  /** Median over the runs of (peak RSS − baseline) / transfers. */
  rssPerTransferMiB: number;
  rssPerTransferMinMiB: number;
  rssPerTransferMaxMiB: number;
  transfers: number;
  runs: MemoryRun[];
  /** The most source bytes one transfer's engine held at once (its own instrumentation). */
  engineBufferHighWaterMiB: number;
}

export interface MemoryRun {
  rssPerTransferMiB: number;
  baselineRssMiB: number;
  peakRssMiB: number;
  /** heapUsed / external / arrayBuffers at the moment RSS peaked (where the memory was). */
  atPeakMiB: { heapUsed: number; external: number; arrayBuffers: number };
  seconds: number;
  rssSamples: number;
}

/**
 * Each run in a fresh process (with its own emulator process): the allocator keeps what a run
 * freed, so a second run in the same process would start from a baseline that already holds
 * most of its peak and report too little.
 */
export async function runMemory(): Promise<MemoryFigures> {
  const runs: MemoryRun[] = [];
  let highWater = 0;
  for (let r = 0; r < MEMORY_RUNS; r++) {
    const { run, engineBufferHighWater } = await inFreshProcess();
    highWater = Math.max(highWater, engineBufferHighWater);
    say(`memory run ${r + 1}/${MEMORY_RUNS}: ${MEMORY_TRANSFERS} transfers in ${run.seconds.toFixed(2)} s, RSS ${run.baselineRssMiB.toFixed(0)} → ${run.peakRssMiB.toFixed(0)} MiB, ${run.rssPerTransferMiB} MiB per transfer`);
    runs.push(run);
  }
  const perTransfer = spread(
    runs.map((r) => r.rssPerTransferMiB),
    2,
  );
  return {
    rssPerTransferMiB: perTransfer.median,
    rssPerTransferMinMiB: perTransfer.min,
    rssPerTransferMaxMiB: perTransfer.max,
    transfers: MEMORY_TRANSFERS,
    runs,
    engineBufferHighWaterMiB: round(highWater / MiB, 2),
  };
}

interface ChildResult {
  run: MemoryRun;
  engineBufferHighWater: number;
}

function inFreshProcess(): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--memory-run'], { execArgv: ['--expose-gc'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    let result: ChildResult | undefined;
    child.on('message', (m: ChildResult) => {
      result = m;
    });
    child.once('error', reject);
    child.once('exit', (code) => (result && code === 0 ? resolve(result) : reject(new Error(`the memory run exited with code ${code}`))));
  });
}

/** One measured run, in this (fresh) process: warm-up, baseline, 20 concurrent transfers. */
async function childMain(): Promise<void> {
  const emu = await RemoteEmulators.start();
  const ctx = await createContext(emu);
  const files: HostedFile[] = [];
  try {
    await emu.call('shape', { graph: null, files: null });
    for (let i = 0; i < MEMORY_TRANSFERS; i++) files.push(await emu.call('addFile', { name: `memory-${i}.bin`, size: FILE_BYTES, seed: 1000 + i }));
    // Warm-up: code compiled, pools opened, the allocator's first arenas in place.
    await Promise.all(
      [0, 1].map(async (i) => {
        const file = files[i] as HostedFile;
        const task = await newTask(ctx, `Memory warm-up ${i}`);
        await engineTransfer(ctx, file, task);
        await verifyAndDrop(ctx, task, file.sha256, FILE_BYTES, 'memory warm-up');
      }),
    );
    let engineBufferHighWater = 0;
    const run = await memoryRun(ctx, files, (bytes) => {
      engineBufferHighWater = Math.max(engineBufferHighWater, bytes);
    });
    const result: ChildResult = { run, engineBufferHighWater };
    await new Promise<void>((resolve) => process.send?.(result, () => resolve()));
  } finally {
    for (const file of files) await emu.call('removeFile', file.id).catch(() => undefined);
    await closeContext(ctx);
    await emu.close();
  }
}

if (require.main === module && process.argv.includes('--memory-run')) {
  childMain().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`[bench] memory run failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

async function memoryRun(ctx: BenchContext, files: HostedFile[], onBufferHighWater: (bytes: number) => void): Promise<MemoryRun> {
  const { emu } = ctx;
  const tasks: BenchTask[] = [];
  try {
    for (let i = 0; i < files.length; i++) tasks.push(await newTask(ctx, `Memory ${i}`));
    await emu.call('gc');
    await settleMemory();
    const baseline = process.memoryUsage().rss;
    const sampler = sampleRss(SAMPLE_MS);
    const { seconds } = await timed(() => Promise.all(files.map((file, i) => engineTransfer(ctx, file, tasks[i] as BenchTask, { onBufferHighWater }))));
    const peak = sampler.stop();
    for (const [i, file] of files.entries()) await verifyAndDrop(ctx, tasks[i] as BenchTask, file.sha256, FILE_BYTES, `memory transfer ${i}`);
    tasks.length = 0;
    return {
      rssPerTransferMiB: round((peak.peakRss - baseline) / files.length / MiB, 2),
      baselineRssMiB: round(baseline / MiB, 1),
      peakRssMiB: round(peak.peakRss / MiB, 1),
      atPeakMiB: {
        heapUsed: round(peak.atPeak.heapUsed / MiB, 1),
        external: round(peak.atPeak.external / MiB, 1),
        arrayBuffers: round(peak.atPeak.arrayBuffers / MiB, 1),
      },
      seconds: round(seconds),
      rssSamples: peak.samples,
    };
  } finally {
    for (const task of tasks) await emu.call('deleteTask', task).catch(() => undefined);
  }
}
