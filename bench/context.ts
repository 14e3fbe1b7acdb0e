import { Agent } from 'undici';
import { GraphTodoClient } from '../src/graph/client';
import type { HostedFile } from '../src/emulators/file-host';
import { DEFAULT_RETRY_POLICY } from '../src/retry';
import { createHttpDownloadSource } from '../src/sources/http-download';
import { uploadAttachment } from '../src/upload/engine';
import type { UploadOptions, UploadResult, UploadTarget } from '../src/upload/types';
import type { RemoteEmulators } from './remote-emulators';

/**
 * What the engine-level benchmarks share: the emulator process, one Graph client and one
 * download pool wired the way src/app.ts wires them (keep-alive pools of 32 connections).
 */
export interface BenchContext {
  emu: RemoteEmulators;
  graph: GraphTodoClient;
  graphPool: Agent;
  downloadPool: Agent;
  /** The list every benchmark task goes into. */
  listId: string;
  allowedHosts: string[];
}

export interface BenchTask {
  listId: string;
  taskId: string;
}

export async function createContext(emu: RemoteEmulators): Promise<BenchContext> {
  const graphPool = new Agent({ keepAliveTimeout: 30_000, connections: 32 });
  const downloadPool = new Agent({ keepAliveTimeout: 10_000, connections: 32 });
  const token = emu.token;
  const graph = new GraphTodoClient({ baseUrl: emu.graphBaseUrl, tokenProvider: async () => token, retryPolicy: DEFAULT_RETRY_POLICY, dispatcher: graphPool });
  const lists = await emu.call('lists');
  const work = lists.find((l) => l.displayName === 'Work') ?? lists[0];
  if (!work) throw new Error('the Graph emulator has no lists');
  return { emu, graph, graphPool, downloadPool, listId: work.id, allowedHosts: [new URL(emu.filesBaseUrl).host] };
}

export async function closeContext(ctx: BenchContext): Promise<void> {
  await Promise.all([ctx.graph.close(), ctx.graphPool.close(), ctx.downloadPool.close()]);
}

export async function newTask(ctx: BenchContext, title: string): Promise<BenchTask> {
  const t = await ctx.emu.call('addTask', { listId: ctx.listId, title });
  return { listId: ctx.listId, taskId: t.id };
}

export function targetOf(task: BenchTask, fileName: string): UploadTarget {
  return { listId: task.listId, taskId: task.taskId, fileName, contentType: 'application/octet-stream' };
}

/** Fails the bench when the task does not hold exactly one attachment with these bytes. */
export async function verifyAttachment(ctx: BenchContext, task: BenchTask, sha256: string, size: number, what: string): Promise<void> {
  const atts = await ctx.emu.call('attachments', task);
  if (atts.length !== 1 || atts[0]?.sha256 !== sha256 || atts[0]?.size !== size) {
    throw new Error(`${what}: expected one attachment of ${size} bytes with the file's SHA-256, found ${JSON.stringify(atts.map((a) => ({ size: a.size, sha: a.sha256.slice(0, 12) })))}`);
  }
}

/** Checks the attachment, then deletes the task so the emulator frees its bytes. */
export async function verifyAndDrop(ctx: BenchContext, task: BenchTask, sha256: string, size: number, what: string): Promise<void> {
  try {
    await verifyAttachment(ctx, task, sha256, size, what);
  } finally {
    await ctx.emu.call('deleteTask', task);
  }
}

/** One file from the file host into a task through the upload engine, as the job runner calls it. */
export function engineTransfer(ctx: BenchContext, file: HostedFile, task: BenchTask, options: UploadOptions = {}): Promise<UploadResult> {
  const source = createHttpDownloadSource(file.url, { allowedHosts: ctx.allowedHosts, allowHttpLoopback: true, dispatcher: ctx.downloadPool });
  return uploadAttachment(source, targetOf(task, file.name), ctx.graph, { retryPolicy: DEFAULT_RETRY_POLICY, ...options });
}
