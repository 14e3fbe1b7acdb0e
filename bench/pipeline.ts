import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { request } from 'undici';
import type { HostedFile } from '../src/emulators/file-host';
import { DEFAULT_CHUNK_BYTES, planChunks } from '../src/upload/chunk-plan';
import type { UploadSessionInfo } from '../src/upload/types';
import { engineTransfer, newTask, targetOf, verifyAndDrop, type BenchContext } from './context';
import { collect, discard, FILE_BYTES, median, MiB, round, say, spread, timed } from './util';

/**
 * Does the engine overlap downloading and uploading? Both sides are shaped to the same rate;
 * a perfect pipeline takes as long as the slower side alone (ratio 1.0), store-and-forward
 * about twice as long.
 */

export const PIPELINE_RATE = 8 * MiB;
/** Each run of each side lasts ~3.2 s at 8 MiB/s: longer than the 2 s a steady figure needs. */
export const PIPELINE_RUNS = 5;
/** The two slow baselines (~6.3 s each) run in every other round. */
const BASELINE_EVERY = 2;

export interface PipelineFigures {
  /** Median over the runs of engine seconds / max(download alone, upload alone) of the same round. */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  storeAndForwardRatio: number;
  storeAndForwardRatioMin: number;
  storeAndForwardRatioMax: number;
  naiveRatio: number;
  naiveRatioMin: number;
  naiveRatioMax: number;
  /** Engine, median of the runs. */
  seconds: number;
  downloadAloneSeconds: number;
  uploadAloneSeconds: number;
  storeAndForwardSeconds: number;
  naiveSeconds: number;
  bytes: number;
  bytesPerSecondEachWay: number;
  chunkBytes: number;
  runs: { engine: number[]; downloadAlone: number[]; uploadAlone: number[]; storeAndForward: number[]; naive: number[] };
}

export async function runPipeline(ctx: BenchContext): Promise<PipelineFigures> {
  const { emu } = ctx;
  const file = await emu.call('addFile', { name: 'pipeline.bin', size: FILE_BYTES, seed: 8 });
  // The upload-alone source: the same number of bytes, already in memory.
  const payload = randomBytes(FILE_BYTES);
  const payloadSha = createHash('sha256').update(payload).digest('hex');
  await emu.call('shape', { graph: PIPELINE_RATE, files: PIPELINE_RATE });
  const runs = { engine: [] as number[], downloadAlone: [] as number[], uploadAlone: [] as number[], storeAndForward: [] as number[], naive: [] as number[] };
  const ratios = { engine: [] as number[], storeAndForward: [] as number[], naive: [] as number[] };
  try {
    for (let i = 0; i < PIPELINE_RUNS; i++) {
      const download = await downloadAlone(ctx, file);
      const upload = await uploadAlone(ctx, payload, payloadSha);
      const engine = await viaEngine(ctx, file);
      const slower = Math.max(download, upload);
      runs.downloadAlone.push(download);
      runs.uploadAlone.push(upload);
      runs.engine.push(engine);
      ratios.engine.push(engine / slower);
      let baselines = '';
      if (i % BASELINE_EVERY === 0) {
        const sf = await storeAndForwardCopy(ctx, file);
        const naive = await naiveCopy(ctx, file);
        runs.storeAndForward.push(sf);
        runs.naive.push(naive);
        ratios.storeAndForward.push(sf / slower);
        ratios.naive.push(naive / slower);
        baselines = `, store-and-forward ${sf.toFixed(2)} s, naive ${naive.toFixed(2)} s`;
      }
      say(`pipeline run ${i + 1}/${PIPELINE_RUNS}: download alone ${download.toFixed(2)} s, upload alone ${upload.toFixed(2)} s, engine ${engine.toFixed(2)} s${baselines}`);
    }
  } finally {
    await emu.call('shape', { graph: null, files: null });
    await emu.call('removeFile', file.id);
  }
  const ratio = spread(ratios.engine);
  const sf = spread(ratios.storeAndForward);
  const naive = spread(ratios.naive);
  const rounded = (values: number[]): number[] => values.map((s) => round(s));
  return {
    ratio: ratio.median,
    ratioMin: ratio.min,
    ratioMax: ratio.max,
    storeAndForwardRatio: sf.median,
    storeAndForwardRatioMin: sf.min,
    storeAndForwardRatioMax: sf.max,
    naiveRatio: naive.median,
    naiveRatioMin: naive.min,
    naiveRatioMax: naive.max,
    seconds: round(median(runs.engine)),
    downloadAloneSeconds: round(median(runs.downloadAlone)),
    uploadAloneSeconds: round(median(runs.uploadAlone)),
    storeAndForwardSeconds: round(median(runs.storeAndForward)),
    naiveSeconds: round(median(runs.naive)),
    bytes: FILE_BYTES,
    bytesPerSecondEachWay: PIPELINE_RATE,
    chunkBytes: DEFAULT_CHUNK_BYTES,
    runs: {
      engine: rounded(runs.engine),
      downloadAlone: rounded(runs.downloadAlone),
      uploadAlone: rounded(runs.uploadAlone),
      storeAndForward: rounded(runs.storeAndForward),
      naive: rounded(runs.naive),
    },
  };
}

/** GET the file and throw the bytes away. */
async function downloadAlone(ctx: BenchContext, file: HostedFile): Promise<number> {
  const { seconds, result } = await timed(async () => {
    const res = await request(file.url, { dispatcher: ctx.downloadPool, headers: { 'accept-encoding': 'identity' } });
    return discard(res.body);
  });
  if (result !== FILE_BYTES) throw new Error(`download alone read ${result} bytes`);
  return seconds;
}

/** A session upload of in-memory bytes, chunk after chunk, through the Graph client. */
async function uploadAlone(ctx: BenchContext, payload: Buffer, sha256: string): Promise<number> {
  const task = await newTask(ctx, 'Pipeline: upload alone');
  const { seconds } = await timed(async () => {
    const session = await ctx.graph.createUploadSession(targetOf(task, 'upload-alone.bin'), FILE_BYTES);
    await putAll(ctx, session, (start, end) => Promise.resolve(payload.subarray(start, end + 1)));
  });
  await verifyAndDrop(ctx, task, sha256, FILE_BYTES, 'upload alone');
  return seconds;
}

async function viaEngine(ctx: BenchContext, file: HostedFile): Promise<number> {
  const task = await newTask(ctx, 'Pipeline: engine');
  const { seconds, result } = await timed(() => engineTransfer(ctx, file, task));
  if (result.sha256 !== file.sha256) throw new Error('engine: the bytes sent are not the file');
  await verifyAndDrop(ctx, task, file.sha256, FILE_BYTES, 'engine (shaped)');
  return seconds;
}

/** Baseline: each chunk is downloaded whole (a Range GET into memory), then PUT. */
async function storeAndForwardCopy(ctx: BenchContext, file: HostedFile): Promise<number> {
  const task = await newTask(ctx, 'Pipeline: store and forward');
  const { seconds } = await timed(async () => {
    const session = await ctx.graph.createUploadSession(targetOf(task, file.name), FILE_BYTES);
    await putAll(ctx, session, async (start, end) => {
      const res = await request(file.url, { dispatcher: ctx.downloadPool, headers: { 'accept-encoding': 'identity', range: `bytes=${start}-${end}` } });
      if (res.statusCode !== 206) throw new Error(`store-and-forward: range GET answered ${res.statusCode}`);
      return collect(res.body);
    });
  });
  await verifyAndDrop(ctx, task, file.sha256, FILE_BYTES, 'store and forward');
  return seconds;
}

/** Baseline: the whole file is downloaded into memory, then uploaded. */
async function naiveCopy(ctx: BenchContext, file: HostedFile): Promise<number> {
  const task = await newTask(ctx, 'Pipeline: naive');
  const { seconds } = await timed(async () => {
    const res = await request(file.url, { dispatcher: ctx.downloadPool, headers: { 'accept-encoding': 'identity' } });
    const whole = await collect(res.body);
    const session = await ctx.graph.createUploadSession(targetOf(task, file.name), FILE_BYTES);
    await putAll(ctx, session, (start, end) => Promise.resolve(whole.subarray(start, end + 1)));
  });
  await verifyAndDrop(ctx, task, file.sha256, FILE_BYTES, 'naive');
  return seconds;
}

/** PUTs every chunk in order through the Graph client, each body produced by `bytesOf`. */
async function putAll(ctx: BenchContext, session: UploadSessionInfo, bytesOf: (start: number, end: number) => Promise<Buffer>): Promise<void> {
  const spans = planChunks(FILE_BYTES, DEFAULT_CHUNK_BYTES);
  for (const [i, span] of spans.entries()) {
    const bytes = await bytesOf(span.start, span.end);
    const answer = await ctx.graph.putChunk({
      session,
      start: span.start,
      end: span.end,
      total: FILE_BYTES,
      body: Readable.from([bytes], { objectMode: false }),
      signal: new AbortController().signal,
    });
    if (answer.done !== (i === spans.length - 1)) throw new Error(`chunk ${i}: unexpected answer ${JSON.stringify(answer)}`);
  }
}
