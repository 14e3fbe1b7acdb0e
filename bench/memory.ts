import type { HostedFile } from '../src/emulators/file-host';
import { engineTransfer, newTask, verifyAndDrop, type BenchContext, type BenchTask } from './context';
import { FILE_BYTES, MiB, round, sampleRss, say, settleMemory, spread, timed } from './util';

/**
 * What one transfer costs in memory: 20 concurrent 25 MB transfers through the engine in this
 * process (the emulators run in another), RSS sampled every 20 ms against a baseline taken after
 * a warm-up and a full GC. A store-and-forward design would need 25 MB per transfer.
 *
 * When V8 collects the buffers a transfer has let go of moves one run's peak by ±1 MiB per
 * transfer, so the figure is the median of MEMORY_RUNS runs, with the smallest and largest.
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

export async function runMemory(ctx: BenchContext): Promise<MemoryFigures> {
  const { emu } = ctx;
  await emu.call('shape', { graph: null, files: null });
  const files: HostedFile[] = [];
  try {
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
    const runs: MemoryRun[] = [];
    let highWater = 0;
    for (let r = 0; r < MEMORY_RUNS; r++) {
      const run = await memoryRun(ctx, files, (bytes) => {
        highWater = Math.max(highWater, bytes);
      });
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
  } finally {
    for (const file of files) await emu.call('removeFile', file.id).catch(() => undefined);
    await emu.call('gc');
  }
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
