import { request } from 'undici';
import { FileHostEmulator, type FileHostEmulatorOptions } from '../../src/emulators/file-host';
import { GraphTodoEmulator, type GraphTodoEmulatorOptions } from '../../src/emulators/graph-todo';

/** Both emulators on port 0, closed together. */
export interface Emulators {
  graph: GraphTodoEmulator;
  files: FileHostEmulator;
  /** The bearer token the Graph emulator accepts. */
  token: string;
  close(): Promise<void>;
}

export async function startEmulators(options: { graph?: GraphTodoEmulatorOptions; files?: FileHostEmulatorOptions } = {}): Promise<Emulators> {
  const graph = await GraphTodoEmulator.start(options.graph);
  let files: FileHostEmulator;
  try {
    files = await FileHostEmulator.start(options.files);
  } catch (err) {
    await graph.close();
    throw err;
  }
  return {
    graph,
    files,
    token: graph.tokens[0] ?? '',
    close: async () => {
      await Promise.all([graph.close(), files.close()]);
    },
  };
}

/** The list with that display name in the emulator (seeded lists: Tasks, Work, Home, Projects). */
export function listByName(graph: GraphTodoEmulator, displayName: string): { id: string; displayName: string } {
  const list = graph.lists().find((l) => l.displayName === displayName);
  if (!list) throw new Error(`no list named ${displayName} in the emulator`);
  return list;
}

/** The first task not yet completed in the list with that name (ids as the bot's cards carry them). */
export function firstOpenTask(graph: GraphTodoEmulator, listName: string): { listId: string; taskId: string; title: string } {
  const list = listByName(graph, listName);
  const task = graph.tasks(list.id).find((t) => t.status !== 'completed');
  if (!task) throw new Error(`no open task in ${listName}`);
  return { listId: list.id, taskId: task.id, title: task.title };
}

/** Encodes each path segment, as every Graph client must (ids contain '/', '=', '-', '_'). */
export function todoPath(...segments: string[]): string {
  return `/me/todo/${segments.map(encodeURIComponent).join('/')}`;
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json: Record<string, unknown> | undefined;
}

/** One HTTP request over a real connection (undici), body read to the end. */
export async function call(
  url: string,
  options: { method?: string; token?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (typeof options.body === 'string' && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  const res = await request(url, { method: (options.method ?? 'GET') as 'GET', headers, body: options.body });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = bytes.length > 0 ? JSON.parse(bytes.toString('utf8')) : undefined;
    if (parsed && typeof parsed === 'object') json = parsed as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, bytes, json };
}
