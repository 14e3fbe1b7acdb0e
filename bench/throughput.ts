import { Readable } from 'node:stream';
import { request } from 'undici';
import type { HostedFile } from '../src/emulators/file-host';
import { DEFAULT_CHUNK_BYTES } from '../src/upload/chunk-plan';
import { engineTransfer, newTask, verifyAndDrop, type BenchContext, type BenchTask } from './context';
import { FILE_BYTES, median, MiB, round, say, settleMemory, take, timed } from './util';

/**
 * What the engine costs on a fast link: unshaped loopback, the engine against the least code
 * that moves the same bytes through the same emulators in the same PUTs.
 */

const RUNS = 3;

export interface ThroughputFigures {
  ratioToRawCopy: number;
  engineMiBPerSecond: number;
  rawCopyMiBPerSecond: number;
  engineSeconds: number[];
  rawCopySeconds: number[];
  bytes: number;
}

export async function runThroughput(ctx: BenchContext): Promise<ThroughputFigures> {
  const { emu } = ctx;
  await emu.call('shape', { graph: null, files: null });
  const file = await emu.call('addFile', { name: 'throughput.bin', size: FILE_BYTES, seed: 25 });
  const engine: number[] = [];
  const raw: number[] = [];
  try {
    // One unmeasured round each: JIT, connection pools.
    await engineRun(ctx, file);
    await rawRun(ctx, file);
    // Interleaved, so drift (other load, thermal) hits both sides alike; each run starts after
    // a full GC so that no run pays for the garbage of the one before.
    for (let i = 0; i < RUNS; i++) {
      engine.push(await engineRun(ctx, file));
      raw.push(await rawRun(ctx, file));
      say(`throughput run ${i + 1}/${RUNS}: engine ${engine[i]?.toFixed(3)} s, raw copy ${raw[i]?.toFixed(3)} s`);
    }
  } finally {
    await emu.call('removeFile', file.id);
  }
  const e = median(engine);
  const r = median(raw);
  return {
    ratioToRawCopy: round(r / e),
    engineMiBPerSecond: round(FILE_BYTES / MiB / e, 1),
    rawCopyMiBPerSecond: round(FILE_BYTES / MiB / r, 1),
    engineSeconds: engine.map((s) => round(s)),
    rawCopySeconds: raw.map((s) => round(s)),
    bytes: FILE_BYTES,
  };
}

async function engineRun(ctx: BenchContext, file: HostedFile): Promise<number> {
  const task = await newTask(ctx, 'Throughput: engine');
  await settleMemory();
  const { seconds } = await timed(() => engineTransfer(ctx, file, task));
  await verifyAndDrop(ctx, task, file.sha256, FILE_BYTES, 'engine (unshaped)');
  return seconds;
}

async function rawRun(ctx: BenchContext, file: HostedFile): Promise<number> {
  const task = await newTask(ctx, 'Throughput: raw copy');
  await settleMemory();
  const { seconds } = await timed(() => rawCopy(ctx, file, task));
  await verifyAndDrop(ctx, task, file.sha256, FILE_BYTES, 'raw copy');
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
