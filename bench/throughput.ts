import { Readable } from 'node:stream';
import { request } from 'undici';
import type { HostedFile } from '../src/emulators/file-host';
import { DEFAULT_CHUNK_BYTES } from '../src/upload/chunk-plan';
import { engineTransfer, newTask, verifyAndDrop, type BenchContext, type BenchTask } from './context';
import { FILE_BYTES, MiB, round, say, settleMemory, spread, take, timed } from './util';

/**
 * What the engine costs on a fast link: unshaped loopback, the engine against the least code
 * that moves the same bytes through the same emulators in the same PUTs.
 *
 * One 25 MB transfer takes ~0.15 s here, short enough for a GC or another process to move a
 * single-transfer figure by ±15 %. So each measured run is several transfers back to back
 * lasting at least MIN_RUN_SECONDS per side, the two sides alternate run by run, and the figure
 * is the median of the runs' ratios, with the smallest and largest beside it.
 */

export const THROUGHPUT_RUNS = 5;
export const MIN_RUN_SECONDS = 2;
/** Bound on files per run (each is 25 MB kept by the Graph emulator until the run is checked). */
const MAX_FILES_PER_RUN = 40;

export interface ThroughputFigures {
  /** Median over the runs of raw-copy seconds / engine seconds (throughput ratio). */
  ratioToRawCopy: number;
  ratioMin: number;
  ratioMax: number;
  engineMiBPerSecond: number;
  rawCopyMiBPerSecond: number;
  runs: number;
  /** Transfers back to back in each measured run (the same on both sides). */
  filesPerRun: number;
  engineSeconds: number[];
  rawCopySeconds: number[];
  ratios: number[];
  bytes: number;
}

type Side = (ctx: BenchContext, file: HostedFile, task: BenchTask) => Promise<unknown>;

export async function runThroughput(ctx: BenchContext): Promise<ThroughputFigures> {
  const { emu } = ctx;
  await emu.call('shape', { graph: null, files: null });
  const file = await emu.call('addFile', { name: 'throughput.bin', size: FILE_BYTES, seed: 25 });
  const engine: number[] = [];
  const raw: number[] = [];
  let filesPerRun = 1;
  try {
    // Unmeasured: JIT, connection pools; then the faster side's pace sets the files per run.
    await measuredRun(ctx, file, 2, engineTransfer, 'engine');
    const rawWarm = await measuredRun(ctx, file, 2, rawCopy, 'raw copy');
    filesPerRun = Math.min(MAX_FILES_PER_RUN, Math.max(1, Math.ceil((MIN_RUN_SECONDS * 1.1) / (rawWarm / 2))));
    say(`throughput: ${filesPerRun} files of 25 MB back to back per run and side`);
    // Interleaved, so drift (other load, thermal) hits both sides alike; each run starts after
    // a full GC so that no run pays for the garbage of the one before.
    for (let i = 0; i < THROUGHPUT_RUNS; i++) {
      engine.push(await measuredRun(ctx, file, filesPerRun, engineTransfer, 'engine'));
      raw.push(await measuredRun(ctx, file, filesPerRun, rawCopy, 'raw copy'));
      say(`throughput run ${i + 1}/${THROUGHPUT_RUNS}: engine ${engine[i]?.toFixed(3)} s, raw copy ${raw[i]?.toFixed(3)} s`);
    }
  } finally {
    await emu.call('removeFile', file.id);
  }
  const ratios = engine.map((e, i) => (raw[i] as number) / e);
  const r = spread(ratios);
  const mibPerSecond = (seconds: number[]): number => round((filesPerRun * FILE_BYTES) / MiB / spread(seconds).median, 1);
  return {
    ratioToRawCopy: r.median,
    ratioMin: r.min,
    ratioMax: r.max,
    engineMiBPerSecond: mibPerSecond(engine),
    rawCopyMiBPerSecond: mibPerSecond(raw),
    runs: THROUGHPUT_RUNS,
    filesPerRun,
    engineSeconds: engine.map((s) => round(s)),
    rawCopySeconds: raw.map((s) => round(s)),
    ratios: ratios.map((x) => round(x)),
    bytes: FILE_BYTES,
  };
}

/** `files` transfers one after another, timed together; each is checked (and dropped) afterwards. */
async function measuredRun(ctx: BenchContext, file: HostedFile, files: number, side: Side, what: string): Promise<number> {
  const tasks: BenchTask[] = [];
  for (let i = 0; i < files; i++) tasks.push(await newTask(ctx, `Throughput: ${what} ${i}`));
  await settleMemory();
  const { seconds } = await timed(async () => {
    for (const task of tasks) await side(ctx, file, task);
  });
  for (const task of tasks) await verifyAndDrop(ctx, task, file.sha256, FILE_BYTES, what);
  return seconds;
}

/**
 * The baseline: one GET, one upload session, and each chunk's bytes piped from the download
 * straight into its PUT (same chunk size as the engine). No retries, no hashing, no checks.
 */
async function rawCopy(ctx: BenchContext, file: HostedFile, task: BenchTask): Promise<void> {
  const auth = { authorization: `Bearer ${ctx.emu.token}` };
  const download = await request(file.url, { dispatcher: ctx.downloadPool, headers: { 'accept-encoding': 'identity' } });
  const created = await request(
    `${ctx.emu.graphBaseUrl}/me/todo/lists/${encodeURIComponent(task.listId)}/tasks/${encodeURIComponent(task.taskId)}/attachments/createUploadSession`,
    {
      method: 'POST',
      dispatcher: ctx.graphPool,
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ attachmentInfo: { attachmentType: 'file', name: file.name, size: FILE_BYTES } }),
    },
  );
  const { uploadUrl } = (await created.body.json()) as { uploadUrl: string };
  const pieces = download.body[Symbol.asyncIterator]();
  const carry: { rest: Buffer | undefined } = { rest: undefined };
  for (let start = 0; start < FILE_BYTES; start += DEFAULT_CHUNK_BYTES) {
    const end = Math.min(start + DEFAULT_CHUNK_BYTES, FILE_BYTES) - 1;
    const put = await request(`${uploadUrl}/content`, {
      method: 'PUT',
      dispatcher: ctx.graphPool,
      headers: {
        ...auth,
        'content-type': 'application/octet-stream',
        'content-length': String(end - start + 1),
        'content-range': `bytes ${start}-${end}/${FILE_BYTES}`,
      },
      body: Readable.from(take(pieces, end - start + 1, carry), { objectMode: false }),
    });
    await put.body.text();
    if (put.statusCode !== 200 && put.statusCode !== 201) throw new Error(`raw copy: chunk at ${start} answered ${put.statusCode}`);
  }
}
