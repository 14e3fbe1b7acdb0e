import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AppError, GraphError, cancelledError, MAX_ATTACHMENT_BYTES } from '../../src/errors';
import { SMALL_UPLOAD_LIMIT } from '../../src/upload/chunk-plan';
import type {
  AttachmentSink,
  AttachmentSummary,
  ChunkAnswer,
  ChunkRequest,
  UploadSessionInfo,
  UploadTarget,
} from '../../src/upload/types';

/**
 * An in-memory Microsoft To Do behind the engine's AttachmentSink, for unit tests only. It keeps
 * To Do's contract (reference/graph-todo.md): chunks of at most 4,194,304 bytes, sequential at
 * the offset it expects, answers with the remaining range (PascalCase example "2097152"), 201
 * with the attachment on the last byte, 404 for an unknown or expired session, no 0-byte
 * sessions. Faults are injected per operation.
 */

export const TODO_CHUNK_LIMIT = 4_194_304;

export type SinkOp = 'listAttachments' | 'createSmallAttachment' | 'createUploadSession' | 'putChunk' | 'getUploadSession' | 'deleteUploadSession';

export type FaultKind =
  /** 429 with Retry-After. */
  | { kind: 'throttle'; retryAfterMs?: number }
  /** 503 with Retry-After. */
  | { kind: 'unavailable'; retryAfterMs?: number }
  /** 500: retryable, nothing processed. */
  | { kind: 'server-error' }
  /** 401 (token expired mid-transfer): retryable once the client has a new token. */
  | { kind: 'unauthorized' }
  /** The connection dropped before anything reached the server. */
  | { kind: 'network' }
  /** The connection dropped after `afterBytes` of the chunk body: the chunk is discarded. */
  | { kind: 'reset-mid-body'; afterBytes: number }
  /**
   * As undici does on a socket error: the request body is destroyed with the error (a stream
   * made from a generator gets it thrown in) and the request fails a moment later.
   */
  | { kind: 'socket-error-mid-body'; afterBytes: number }
  /** The server keeps only the first `acceptBytes` of the chunk and says so. */
  | { kind: 'partial'; acceptBytes: number }
  /** The session expired just before this request: 404. */
  | { kind: 'expire' }
  /** The server did the work, then the answer was lost. */
  | { kind: 'lose-answer' }
  /** Reads `afterBytes` of the body then waits until the request is aborted. */
  | { kind: 'stall'; afterBytes: number }
  /** The task is deleted just before this request. */
  | { kind: 'delete-task' };

export type Fault = FaultKind & {
  op: SinkOp;
  /** Only calls for which this holds (default: the next call of `op`). */
  when?: (call: CallRecord) => boolean;
  /** How many matching calls it hits (default 1). */
  times?: number;
};

export interface CallRecord {
  op: SinkOp;
  start?: number;
  end?: number;
  total?: number;
  /** Body bytes read by the server for this call. */
  bodyBytes?: number;
  fault?: FaultKind['kind'];
}

export interface StoredAttachment extends AttachmentSummary {
  contentType: string;
  bytes: Buffer;
  sha256: string;
}

interface Session {
  id: string;
  target: UploadTarget;
  size: number;
  received: Buffer;
  next: number;
}

function taskKey(listId: string, taskId: string): string {
  return `${listId}\u0000${taskId}`;
}

export class MemoryTodo implements AttachmentSink {
  readonly calls: CallRecord[] = [];
  /** Largest chunk body received (bytes). */
  maxPutBytes = 0;
  /** Called when a chunk PUT arrives, before its body is read (tests cancel from here). */
  onPut: ((req: ChunkRequest) => void) | undefined;
  private readonly tasks = new Map<string, StoredAttachment[]>();
  private readonly sessions = new Map<string, Session>();
  private faults: Array<Fault & { left: number }> = [];

  addTask(listId: string, taskId: string): this {
    this.tasks.set(taskKey(listId, taskId), []);
    return this;
  }

  addFault(...faults: Fault[]): this {
    for (const f of faults) this.faults.push({ ...f, left: f.times ?? 1 });
    return this;
  }

  attachments(listId: string, taskId: string): StoredAttachment[] {
    return [...(this.tasks.get(taskKey(listId, taskId)) ?? [])];
  }

  openSessions(): number {
    return this.sessions.size;
  }

  callsOf(op: SinkOp): CallRecord[] {
    return this.calls.filter((c) => c.op === op);
  }

  // ---- AttachmentSink ----

  async listAttachments(target: UploadTarget, signal: AbortSignal): Promise<AttachmentSummary[]> {
    const call = this.record({ op: 'listAttachments' }, signal);
    await this.simpleFault(call, target);
    return this.taskOf(target).map(({ id, name, size, lastModifiedDateTime }) => ({ id, name, size, lastModifiedDateTime }));
  }

  async createSmallAttachment(target: UploadTarget, bytes: Buffer, signal: AbortSignal): Promise<AttachmentSummary> {
    const call = this.record({ op: 'createSmallAttachment', total: bytes.length }, signal);
    const fault = await this.simpleFault(call, target);
    if (bytes.length > SMALL_UPLOAD_LIMIT) throw graphError('GRAPH_PAYLOAD_TOO_LARGE', 413, false);
    const created = this.store(target, Buffer.from(bytes));
    if (fault?.kind === 'lose-answer') throw networkError();
    return { id: created.id, name: created.name, size: created.size };
  }

  async createUploadSession(target: UploadTarget, size: number, signal: AbortSignal): Promise<UploadSessionInfo> {
    const call = this.record({ op: 'createUploadSession', total: size }, signal);
    const fault = await this.simpleFault(call, target);
    this.taskOf(target);
    // "A file of 0 bytes must go through the small POST; an upload session cannot take it."
    if (size <= 0) throw graphError('GRAPH_BAD_REQUEST', 400, false);
    if (size > MAX_ATTACHMENT_BYTES) throw graphError('GRAPH_PAYLOAD_TOO_LARGE', 413, false);
    const id = randomUUID();
    this.sessions.set(id, { id, target, size, received: Buffer.alloc(size), next: 0 });
    const info = {
      uploadUrl: `https://graph.microsoft.com/v1.0/me/todo/lists/${encodeURIComponent(target.listId)}/tasks/${encodeURIComponent(target.taskId)}/attachmentSessions/${id}`,
      expirationDateTime: new Date(Date.now() + 15 * 60_000).toISOString(),
      nextExpectedRanges: ['0-'],
    };
    if (fault?.kind === 'lose-answer') throw networkError();
    return info;
  }

  async getUploadSession(session: UploadSessionInfo, signal: AbortSignal): Promise<UploadSessionInfo> {
    const call = this.record({ op: 'getUploadSession' }, signal);
    const s = this.sessionOf(session);
    await this.simpleFault(call, s?.target, s);
    if (!s || !this.sessions.has(s.id)) throw sessionGone();
    return { ...session, nextExpectedRanges: [`${s.next}-${s.size - 1}`] };
  }

  async deleteUploadSession(session: UploadSessionInfo, signal: AbortSignal): Promise<void> {
    const call = this.record({ op: 'deleteUploadSession' }, signal);
    const s = this.sessionOf(session);
    await this.simpleFault(call, s?.target, s);
    if (!s) throw sessionGone();
    this.sessions.delete(s.id);
  }

  async putChunk(req: ChunkRequest): Promise<ChunkAnswer> {
    const call = this.record({ op: 'putChunk', start: req.start, end: req.end, total: req.total }, req.signal);
    this.onPut?.(req);
    const s = this.sessionOf(req.session);
    const fault = this.takeFault(call);
    try {
      if (fault) call.fault = fault.kind;
      if (fault?.kind === 'expire' && s) this.sessions.delete(s.id);
      if (fault?.kind === 'delete-task' && s) this.tasks.delete(taskKey(s.target.listId, s.target.taskId));
      const early = fault ? statusFault(fault) : undefined;
      if (early) throw early;
      if (!s || !this.sessions.has(s.id)) throw sessionGone();
      const length = req.end - req.start + 1;
      if (length > TODO_CHUNK_LIMIT) throw graphError('GRAPH_PAYLOAD_TOO_LARGE', 413, false);
      if (req.total !== s.size || req.end >= s.size || length <= 0) throw graphError('GRAPH_BAD_REQUEST', 400, false);

      // Bytes land in the session only once the whole chunk has arrived.
      const stopAfter = fault?.kind === 'reset-mid-body' || fault?.kind === 'socket-error-mid-body' || fault?.kind === 'stall' ? fault.afterBytes : undefined;
      const body = await readBody(req.body, length, req.signal, stopAfter);
      call.bodyBytes = body.length;
      this.maxPutBytes = Math.max(this.maxPutBytes, body.length);
      if (fault?.kind === 'reset-mid-body') {
        req.body.destroy();
        throw networkError();
      }
      if (fault?.kind === 'socket-error-mid-body') {
        req.body.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
        for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
        // As GraphHttp.stream: a request whose signal was aborted reports a cancellation.
        throw req.signal.aborted ? cancelledError() : networkError();
      }
      if (fault?.kind === 'stall') {
        await abortedOf(req.signal);
        req.body.destroy();
        throw cancelledError();
      }
      if (body.length !== length) throw graphError('GRAPH_BAD_REQUEST', 400, false);
      if (req.start !== s.next) {
        // Graph answers 416 to a range it does not expect; the sink reports where it stands.
        return { done: false, nextExpectedRanges: [`${s.next}-${s.size - 1}`] };
      }
      const keep = fault?.kind === 'partial' ? Math.min(fault.acceptBytes, length) : length;
      body.copy(s.received, req.start, 0, keep);
      s.next += keep;
      if (s.next === s.size) {
        this.sessions.delete(s.id);
        const created = this.store(s.target, s.received);
        if (fault?.kind === 'lose-answer') throw networkError();
        return { done: true, attachmentId: created.id };
      }
      const answer: ChunkAnswer = { done: false, nextExpectedRanges: [String(s.next)] };
      if (fault?.kind === 'lose-answer') throw networkError();
      return answer;
    } finally {
      // A server that answers before reading the whole body closes the connection.
      if (!req.body.readableEnded) req.body.destroy();
    }
  }

  // ---- internals ----

  private record(call: CallRecord, signal: AbortSignal): CallRecord {
    if (signal.aborted) throw cancelledError(signal.reason);
    this.calls.push(call);
    return call;
  }

  private takeFault(call: CallRecord): Fault | undefined {
    const i = this.faults.findIndex((f) => f.op === call.op && f.left > 0 && (f.when?.(call) ?? true));
    const f = this.faults[i];
    if (!f) return undefined;
    f.left--;
    if (f.left === 0) this.faults.splice(i, 1);
    return f;
  }

  private async simpleFault(call: CallRecord, target: UploadTarget | undefined, session?: Session): Promise<Fault | undefined> {
    const fault = this.takeFault(call);
    if (fault) call.fault = fault.kind;
    if (fault?.kind === 'expire' && session) this.sessions.delete(session.id);
    if (fault?.kind === 'delete-task' && target) this.tasks.delete(taskKey(target.listId, target.taskId));
    if (fault?.kind === 'stall') await new Promise(() => undefined);
    const err = fault ? statusFault(fault) : undefined;
    if (err) throw err;
    if (target && call.op !== 'deleteUploadSession' && call.op !== 'getUploadSession') this.taskOf(target);
    return fault;
  }

  private taskOf(target: UploadTarget): StoredAttachment[] {
    const list = this.tasks.get(taskKey(target.listId, target.taskId));
    if (!list) throw graphError('GRAPH_NOT_FOUND', 404, false);
    return list;
  }

  private sessionOf(info: UploadSessionInfo): Session | undefined {
    const id = info.uploadUrl.split('/').pop() ?? '';
    return this.sessions.get(id);
  }

  private store(target: UploadTarget, bytes: Buffer): StoredAttachment {
    const list = this.taskOf(target);
    const created: StoredAttachment = {
      id: `att-${randomUUID()}`,
      name: target.fileName,
      size: bytes.length,
      contentType: target.contentType,
      lastModifiedDateTime: new Date().toISOString(),
      bytes,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
    list.push(created);
    return created;
  }
}

/** The same sink without getUploadSession: the engine must resync from 416 answers. */
export function withoutSessionQuery(todo: MemoryTodo): AttachmentSink {
  return {
    listAttachments: (t, s) => todo.listAttachments(t, s),
    createSmallAttachment: (t, b, s) => todo.createSmallAttachment(t, b, s),
    createUploadSession: (t, n, s) => todo.createUploadSession(t, n, s),
    putChunk: (r) => todo.putChunk(r),
    deleteUploadSession: (x, s) => todo.deleteUploadSession(x, s),
  };
}

function graphError(code: ConstructorParameters<typeof GraphError>[0], status: number, retryable: boolean, retryAfterMs?: number): GraphError {
  return new GraphError(code, `To Do answered ${status}.`, { status, retryable, retryAfterMs, requestId: randomUUID() });
}

function networkError(): AppError {
  return new AppError('NETWORK_ERROR', 'The connection to To Do was lost.', { retryable: true });
}

function sessionGone(): GraphError {
  return graphError('UPLOAD_SESSION_EXPIRED', 404, false);
}

function statusFault(f: FaultKind): AppError | undefined {
  switch (f.kind) {
    case 'throttle':
      return graphError('GRAPH_THROTTLED', 429, true, f.retryAfterMs ?? 1);
    case 'unavailable':
      return graphError('GRAPH_UNAVAILABLE', 503, true, f.retryAfterMs ?? 1);
    case 'server-error':
      return graphError('GRAPH_SERVER_ERROR', 500, true);
    case 'unauthorized':
      return graphError('GRAPH_UNAUTHORIZED', 401, true);
    case 'network':
      return networkError();
    case 'expire':
      return sessionGone();
    default:
      return undefined;
  }
}

function abortedOf(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Reads a chunk body (up to `limit` bytes, or `stopAfter`), as a server would. */
async function readBody(body: Readable, limit: number, signal: AbortSignal, stopAfter?: number): Promise<Buffer> {
  const want = Math.min(limit + 1, stopAfter ?? Number.MAX_SAFE_INTEGER);
  const pieces: Buffer[] = [];
  let got = 0;
  const onAbort = (): void => void body.destroy(cancelledError());
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const raw of body) {
      const piece = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as Uint8Array);
      const take = Math.min(piece.length, want - got);
      pieces.push(piece.subarray(0, take));
      got += take;
      if (got >= want) break;
    }
  } catch (err) {
    if (signal.aborted) throw cancelledError(signal.reason);
    // The client's body broke (its source failed): to the server, a dropped connection.
    throw new AppError('NETWORK_ERROR', 'The request body was cut off.', { retryable: true, cause: err });
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return Buffer.concat(pieces, got);
}
