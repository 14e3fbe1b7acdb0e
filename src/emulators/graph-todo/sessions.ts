import { z } from 'zod';
import { describeIssues } from '../faults';
import type { RequestFaults, TodoContext } from './routes';
import { graphTime, newGraphId, type StoredList, type StoredSession, type StoredTask } from './store';
import { EmulatorHttpError, httpError, type Exchange } from '../http-util';

/**
 * To Do upload sessions as documented: create → PUT `{uploadUrl}/content` chunks with
 * Content-Range (sequential, at most 4 MiB each) → 201 with Location on the last one.
 * The upload URL is NOT pre-authenticated: the bearer is checked before we get here.
 */

/** "Any file up to 25 MB" through an upload session. */
export const MAX_SESSION_BYTES = 26_214_400;
/** Chunks are "at most 4 MB"; the emulator takes the lenient reading (4 MiB). */
export const MAX_CHUNK_BYTES = 4_194_304;

const createSessionSchema = z.looseObject({
  attachmentInfo: z.looseObject(
    {
      attachmentType: z.literal('file', { error: 'attachmentInfo.attachmentType must be "file"' }),
      name: z.string({ error: 'attachmentInfo.name is required' }).min(1, 'attachmentInfo.name must not be empty'),
      size: z.number({ error: 'attachmentInfo.size (bytes) is required' }).int('attachmentInfo.size must be a whole number of bytes').min(0, 'attachmentInfo.size cannot be negative'),
      contentType: z.string().min(1).optional(),
    },
    { error: 'attachmentInfo is required' },
  ),
});

interface SessionTarget {
  list: StoredList;
  task: StoredTask;
  /** undefined: createUploadSession. */
  sessionId: string | undefined;
  /** undefined: the session itself; 'content': its bytes. */
  leaf: string | undefined;
}

const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+)$/;

function sessionGone(): EmulatorHttpError {
  return httpError(404, 'The upload session was not found or has expired.', 'ErrorItemNotFound');
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function ranges(session: StoredSession): string[] {
  return [`${session.received}-`];
}

export async function handleSessionRequest(ex: Exchange, ctx: TodoContext, target: SessionTarget, faults: RequestFaults): Promise<void> {
  if (target.sessionId === undefined) return createSession(ex, ctx, target);
  const { store } = ctx;
  if (faults.expireSession) store.sessions.delete(target.sessionId);
  const session = store.session(target.sessionId);
  const matches = session !== undefined && session.listId === target.list.id && session.taskId === target.task.id;

  if (target.leaf === 'content') {
    if (ex.method !== 'PUT') throw httpError(405, `The method ${ex.method} is not allowed on the session content.`, 'MethodNotAllowed');
    if (!session || !matches) throw sessionGone();
    return putChunk(ex, ctx, session, faults);
  }
  if (target.leaf !== undefined) throw httpError(404, 'Resource not found for the segment in the request path.', 'ResourceNotFound');

  if (ex.method === 'GET') {
    if (!session || !matches) throw sessionGone();
    return ex.sendJson(200, { expirationDateTime: graphTime(session.expiresAt), nextExpectedRanges: ranges(session) });
  }
  if (ex.method === 'DELETE') {
    if (!session || !matches) throw sessionGone();
    store.sessions.delete(session.id);
    return ex.sendEmpty(204);
  }
  // Bytes go to `{uploadUrl}/content`; a PUT on the bare upload URL is a client bug.
  throw httpError(405, `The method ${ex.method} is not allowed on an upload session; send bytes with PUT to its /content.`, 'MethodNotAllowed');
}

async function createSession(ex: Exchange, ctx: TodoContext, target: SessionTarget): Promise<void> {
  const parsed = createSessionSchema.safeParse(await ex.readJson(64 * 1024));
  if (!parsed.success) throw httpError(400, describeIssues(parsed.error), 'invalidRequest');
  const info = parsed.data.attachmentInfo;
  if (info.size === 0) {
    throw httpError(400, 'attachmentInfo.size must be at least 1 byte: an upload session cannot take an empty file; POST it as a small attachment.', 'invalidRequest');
  }
  if (info.size > MAX_SESSION_BYTES) {
    throw httpError(413, `attachmentInfo.size is ${info.size} bytes; a task file attachment can be at most ${MAX_SESSION_BYTES} bytes.`, 'RequestEntityTooLarge');
  }
  const session: StoredSession = {
    id: newGraphId(),
    listId: target.list.id,
    taskId: target.task.id,
    name: info.name,
    size: info.size,
    contentType: info.contentType ?? 'application/octet-stream',
    parts: [],
    received: 0,
    expiresAt: Date.now() + ctx.sessionTtlMs,
  };
  ctx.store.sessions.set(session.id, session);
  await ex.sendJson(201, {
    '@odata.context': `${ctx.baseUrl}/$metadata#microsoft.graph.uploadSession`,
    uploadUrl: `${ctx.baseUrl}${userRootOf(ex.rawPath)}/todo/lists/${enc(target.list.id)}/tasks/${enc(target.task.id)}/attachmentSessions/${enc(session.id)}`,
    expirationDateTime: graphTime(session.expiresAt),
    nextExpectedRanges: ['0-'],
  });
}

function rangeNotSatisfiable(session: StoredSession, message: string): EmulatorHttpError {
  return new EmulatorHttpError(416, message, { graphCode: 'InvalidRange', extraBody: { NextExpectedRanges: ranges(session) } });
}

async function putChunk(ex: Exchange, ctx: TodoContext, session: StoredSession, faults: RequestFaults): Promise<void> {
  const header = ex.req.headers['content-range'];
  if (header === undefined) throw httpError(400, 'The Content-Range header is required: bytes {first}-{last}/{total}.', 'InvalidContentRange');
  const m = CONTENT_RANGE.exec(header.trim());
  if (!m?.[1] || !m[2] || !m[3]) throw httpError(400, 'The Content-Range header must look like bytes {first}-{last}/{total}.', 'InvalidContentRange');
  const first = Number(m[1]);
  const last = Number(m[2]);
  const total = Number(m[3]);
  if (total !== session.size) throw httpError(400, `The Content-Range total (${total}) must equal the size given when the session was created (${session.size}).`, 'InvalidContentRange');
  if (last < first || last >= total) throw httpError(400, 'The Content-Range does not describe bytes inside the file.', 'InvalidContentRange');
  const length = last - first + 1;
  if (length > MAX_CHUNK_BYTES) throw httpError(413, `A chunk can be at most ${MAX_CHUNK_BYTES} bytes; this one is ${length}.`, 'RequestEntityTooLarge');
  const declared = ex.contentLength;
  if (declared === undefined) throw httpError(411, 'The Content-Length header is required on a chunk.', 'LengthRequired');
  if (declared !== length) throw httpError(400, `Content-Length (${declared}) must equal the Content-Range length (${length}).`, 'InvalidContentRange');
  if (first !== session.received) {
    throw rangeNotSatisfiable(session, `The chunk starts at byte ${first}, but the session expects byte ${session.received} next.`);
  }

  // The chunk is accepted all-or-nothing: a body that stops early leaves the session as it was.
  const parts: Buffer[] = [];
  for await (const chunk of ex.body()) parts.push(chunk);

  const live = ctx.store.session(session.id);
  if (!live) throw sessionGone();
  if (live.received !== first) throw rangeNotSatisfiable(live, `The chunk starts at byte ${first}, but the session expects byte ${live.received} next.`);

  let accepted = parts;
  if (faults.partialAcceptBytes !== undefined && faults.partialAcceptBytes < length) {
    accepted = keepFirst(parts, faults.partialAcceptBytes);
  }
  for (const p of accepted) {
    live.parts.push(p);
    live.received += p.length;
  }
  live.expiresAt = Date.now() + ctx.sessionTtlMs;

  if (live.received < live.size) {
    await ex.sendJson(200, { expirationDateTime: graphTime(live.expiresAt), NextExpectedRanges: ranges(live) });
    return;
  }
  const task = ctx.store.task(live.listId, live.taskId);
  if (!task) throw sessionGone();
  ctx.store.sessions.delete(live.id);
  const att = ctx.store.addAttachment(task, { name: live.name, contentType: live.contentType, parts: live.parts });
  await ex.sendEmpty(201, {
    'content-length': 0,
    location: `${ctx.baseUrl}/me/todo/lists('${live.listId}')/tasks('${live.taskId}')/Attachments('${att.id}')`,
  });
}

function keepFirst(parts: Buffer[], bytes: number): Buffer[] {
  const out: Buffer[] = [];
  let left = bytes;
  for (const p of parts) {
    if (left <= 0) break;
    out.push(p.length <= left ? p : p.subarray(0, left));
    left -= p.length;
  }
  return out;
}

/** The session lives under the user path the request used: `/me`, or `/users/{id}` (app-only tokens). */
function userRootOf(rawPath: string): string {
  return /^\/v1\.0(\/users\/[^/]+|\/me)\/todo\//.exec(rawPath)?.[1] ?? '/me';
}
