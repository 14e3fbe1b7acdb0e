import type { HostedFile } from '../src/emulators/file-host';
import { engineTransfer, newTask, verifyAndDrop, type BenchContext, type BenchTask } from './context';
import { FILE_BYTES, MiB, round, sampleRss, say, settleMemory, timed } from './util';

/**
 * What one transfer costs in memory: 20 concurrent 25 MB transfers through the engine in this
 * process (the emulators run in another), RSS sampled every 20 ms against a baseline taken after
 * a warm-up and a full GC. A store-and-forward design would need 25 MB per transfer.
 */

export const MEMORY_TRANSFERS = 20;
const SAMPLE_MS = 20;

export interface MemoryFigures {
  rssPerTransferMiB: number;
  transfers: number;
  baselineRssMiB: number;
  peakRssMiB: number;
  /** heapUsed / external / arrayBuffers at the moment RSS peaked (where the memory was). */
  atPeakMiB: { heapUsed: number; external: number; arrayBuffers: number };
  /** The most source bytes one transfer's engine held at once (its own instrumentation). */
  engineBufferHighWaterMiB: number;
  seconds: number;
  rssSamples: number;
}

export async function runMemory(ctx: BenchContext): Promise<MemoryFigures> {
  const { emu } = ctx;
  await emu.call('shape', { graph: null, files: null });
  const files: HostedFile[] = [];
  const tasks: BenchTask[] = [];
  try {
    for (let i = 0; i < MEMORY_TRANSFERS; i++) {
      files.push(await emu.call('addFile', { name: `memory-${i}.bin`, size: FILE_BYTES, seed: 1000 + i }));
      tasks.push(await newTask(ctx, `Memory ${i}`));
    }
    // Warm-up: code compiled, pools opened, the allocator's first arenas in place.
    await Promise.all(
      [0, 1].map(async (i) => {
        const file = files[i] as HostedFile;
        const task = await newTask(ctx, `Memory warm-up ${i}`);
        await engineTransfer(ctx, file, task);
        await verifyAndDrop(ctx, task, file.sha256, FILE_BYTES, 'memory warm-up');
      }),
    );
    await emu.call('gc');
    await settleMemory();
    const baseline = process.memoryUsage().rss;
    let highWater = 0;
    const sampler = sampleRss(SAMPLE_MS);
    const { seconds } = await timed(() =>
      Promise.all(
        files.map((file, i) =>
          engineTransfer(ctx, file, tasks[i] as BenchTask, {
            onBufferHighWater: (bytes) => {
              highWater = Math.max(highWater, bytes);
            },
          }),
        ),
      ),
    );
    const peak = sampler.stop();
    say(`memory: ${MEMORY_TRANSFERS} transfers in ${seconds.toFixed(2)} s, RSS ${(baseline / MiB).toFixed(0)} → ${(peak.peakRss / MiB).toFixed(0)} MiB`);
    for (const [i, file] of files.entries()) await verifyAndDrop(ctx, tasks[i] as BenchTask, file.sha256, FILE_BYTES, `memory transfer ${i}`);
    tasks.length = 0;
    return {
      rssPerTransferMiB: round((peak.peakRss - baseline) / MEMORY_TRANSFERS / MiB, 2),
      transfers: MEMORY_TRANSFERS,
      baselineRssMiB: round(baseline / MiB, 1),
      peakRssMiB: round(peak.peakRss / MiB, 1),
      atPeakMiB: {
        heapUsed: round(peak.atPeak.heapUsed / MiB, 1),
        external: round(peak.atPeak.external / MiB, 1),
        arrayBuffers: round(peak.atPeak.arrayBuffers / MiB, 1),
      },
      engineBufferHighWaterMiB: round(highWater / MiB, 2),
      seconds: round(seconds),
      rssSamples: peak.samples,
    };
  } finally {
    for (const task of tasks) await emu.call('deleteTask', task).catch(() => undefined);
    for (const file of files) await emu.call('removeFile', file.id).catch(() => undefined);
    await emu.call('gc');
  }
}
