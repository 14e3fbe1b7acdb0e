import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { describeIssues } from '../faults';
import { pageOf, type Row } from './query';
import { noteTextFromHtml } from './note';
import { handleSessionRequest } from './sessions';
import { graphTime, TASK_FILE_ATTACHMENT_TYPE, type StoredAttachment, type StoredLinkedResource, type StoredList, type StoredTask, type TodoStore } from './store';
import { httpError, type Exchange } from '../http-util';

/**
 * Lists, tasks and attachments under `/me/todo/...` (or `/users/{id}/todo/...`), answering
 * with the documented shapes and Graph errors.
 */

export interface TodoContext {
  store: TodoStore;
  /** `http://127.0.0.1:PORT/v1.0` */
  baseUrl: string;
  pageSize: number;
  sessionTtlMs: number;
}

/** Faults that change how a request is handled rather than whether. */
export interface RequestFaults {
  /** 'partial': keep only this many bytes of the chunk. */
  partialAcceptBytes?: number;
  /** 'expire-session': the addressed session expires before handling. */
  expireSession?: boolean;
}

/** "Small file: under 3 MB" — the limit of one POST with contentBytes. */
export const SMALL_ATTACHMENT_LIMIT = 3 * 1_048_576;
/** base64 of 3 MB plus JSON around it; anything larger cannot be a valid small attachment. */
const SMALL_ATTACHMENT_JSON_LIMIT = 5 * 1_048_576;
const SMALL_JSON_LIMIT = 64 * 1024;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const smallAttachmentSchema = z.looseObject({
  '@odata.type': z.literal(TASK_FILE_ATTACHMENT_TYPE, { error: `@odata.type must be "${TASK_FILE_ATTACHMENT_TYPE}"` }),
  name: z.string({ error: 'name is required' }).min(1, 'name must not be empty'),
  contentBytes: z.string({ error: 'contentBytes (base64) is required' }).refine((s) => BASE64.test(s.replace(/\s+/g, '')) && s.replace(/\s+/g, '').length % 4 === 0, 'contentBytes must be base64'),
  contentType: z.string().min(1).optional(),
});

const linkedResourceSchema = z.looseObject({
  webUrl: z.string().min(1, 'webUrl must not be empty').optional(),
  applicationName: z.string({ error: 'applicationName is required' }).min(1, 'applicationName must not be empty'),
  displayName: z.string({ error: 'displayName is required' }).min(1, 'displayName must not be empty'),
  externalId: z.string().optional(),
});

/** An itemBody: `contentType` is `text` or `html` (update documents HTML only; both are read). */
const itemBodySchema = z.looseObject({
  content: z.string({ error: 'body.content must be text' }).max(SMALL_JSON_LIMIT, 'body.content is too long'),
  contentType: z.enum(['text', 'html', 'Text', 'HTML', 'Html'], { error: 'body.contentType must be "text" or "html"' }),
});

/** A dateTimeTimeZone; the emulator keeps UTC only. */
const dateTimeTimeZoneSchema = z.looseObject({
  dateTime: z.string().refine((v) => !Number.isNaN(Date.parse(v.endsWith('Z') ? v : `${v}Z`)), 'dueDateTime.dateTime must be an ISO date-time'),
  timeZone: z.string().optional(),
});

const taskFields = {
  status: z.enum(['notStarted', 'inProgress', 'completed', 'waitingOnOthers', 'deferred']).optional(),
  importance: z.enum(['low', 'normal', 'high']).optional(),
  body: itemBodySchema.optional(),
  dueDateTime: dateTimeTimeZoneSchema.nullable().optional(),
};

const newTaskSchema = z.looseObject({
  title: z.string({ error: 'title is required' }).min(1, 'title must not be empty'),
  /** Graph accepts linkedResources in the body of a new task ("create todoTask"). */
  linkedResources: z.array(linkedResourceSchema).max(100).optional(),
  ...taskFields,
});

/** PATCH changes only the properties it names ("update todoTask"). */
const taskUpdateSchema = z.looseObject({
  title: z.string().min(1, 'title must not be empty').optional(),
  ...taskFields,
});

const newListSchema = z.looseObject({ displayName: z.string({ error: 'displayName is required' }).min(1, 'displayName must not be empty') });

export function listJson(list: StoredList): Row {
  return {
    '@odata.etag': `W/"${list.id.slice(7, 23)}"`,
    displayName: list.displayName,
    isOwner: list.isOwner,
    isShared: list.isShared,
    wellknownListName: list.wellknownListName,
    id: list.id,
  };
}

export function taskJson(task: StoredTask): Row {
  return {
    '@odata.etag': `W/"${task.id.slice(7, 23)}"`,
    importance: task.importance,
    isReminderOn: false,
    status: task.status,
    title: task.title,
    createdDateTime: task.createdDateTime,
    lastModifiedDateTime: task.lastModifiedDateTime,
    hasAttachments: task.attachments.size > 0,
    categories: [],
    id: task.id,
    body: { content: task.body, contentType: 'text' },
    ...(task.dueDateTime !== undefined ? { dueDateTime: { dateTime: task.dueDateTime.replace(/Z$/, '.0000000'), timeZone: 'UTC' } } : {}),
  };
}

/** Stores what a create or update says about the task (body as the text To Do keeps). */
function applyTaskFields(task: StoredTask, input: z.infer<typeof taskUpdateSchema>): void {
  if (input.title !== undefined) task.title = input.title;
  if (input.status !== undefined) task.status = input.status;
  if (input.importance !== undefined) task.importance = input.importance;
  if (input.body !== undefined) task.body = input.body.contentType.toLowerCase() === 'html' ? noteTextFromHtml(input.body.content) : input.body.content;
  if (input.dueDateTime === null) delete task.dueDateTime;
  else if (input.dueDateTime !== undefined) {
    const v = input.dueDateTime.dateTime;
    task.dueDateTime = new Date(Date.parse(v.endsWith('Z') ? v : `${v}Z`)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}

export function attachmentJson(att: StoredAttachment): Row {
  return {
    '@odata.type': TASK_FILE_ATTACHMENT_TYPE,
    id: att.id,
    name: att.name,
    contentType: att.contentType,
    size: att.size,
    lastModifiedDateTime: att.lastModifiedDateTime,
  };
}

function methodNotAllowed(ex: Exchange): Error {
  return httpError(405, `The method ${ex.method} is not allowed on this resource.`, 'MethodNotAllowed');
}

async function readBodyJson(ex: Exchange, schema: z.ZodType, limit: number): Promise<unknown> {
  const parsed = schema.safeParse(await ex.readJson(limit));
  if (!parsed.success) throw httpError(400, describeIssues(parsed.error), 'invalidRequest');
  return parsed.data;
}

/** `segments` is the path after `.../todo`. */
export async function handleTodo(ex: Exchange, ctx: TodoContext, rest: string[], faults: RequestFaults): Promise<void> {
  const { store } = ctx;
  const [root, listId, tasksSeg, taskId, sub, subId, leaf, ...extra] = rest;
  const selfUrl = `${ctx.baseUrl}${ex.rawPath.replace(/^\/v1\.0/, '')}`;
  if (root !== 'lists' || extra.length > 0) throw httpError(404, 'Resource not found for the segment in the request path.', 'ResourceNotFound');

  if (listId === undefined) {
    if (ex.method === 'GET') {
      const rows = [...store.lists.values()].map(listJson);
      await ex.sendJson(200, pageOf(rows, ex.query, selfUrl, ctx.pageSize, `${ctx.baseUrl}/$metadata#lists`));
      return;
    }
    if (ex.method === 'POST') {
      const input = (await readBodyJson(ex, newListSchema, SMALL_JSON_LIMIT)) as z.infer<typeof newListSchema>;
      await ex.sendJson(201, listJson(store.addList(input.displayName)));
      return;
    }
    throw methodNotAllowed(ex);
  }

  const list = store.lists.get(listId);
  if (!list) throw httpError(404, 'The requested list was not found.', 'ErrorItemNotFound');

  if (tasksSeg === undefined) {
    if (ex.method === 'GET') return ex.sendJson(200, listJson(list));
    throw methodNotAllowed(ex);
  }
  if (tasksSeg !== 'tasks') throw httpError(404, 'Resource not found for the segment in the request path.', 'ResourceNotFound');

  if (taskId === undefined) {
    if (ex.method === 'GET') {
      const rows = [...list.tasks.values()].map(taskJson);
      await ex.sendJson(200, pageOf(rows, ex.query, selfUrl, ctx.pageSize, `${ctx.baseUrl}/$metadata#lists('${list.id}')/tasks`));
      return;
    }
    if (ex.method === 'POST') {
      const input = (await readBodyJson(ex, newTaskSchema, SMALL_JSON_LIMIT)) as z.infer<typeof newTaskSchema>;
      const created = store.addTask(list, input.title);
      applyTaskFields(created, input);
      for (const r of input.linkedResources ?? []) created.linkedResources.push(linkedResourceOf(r));
      await ex.sendJson(201, taskJson(created));
      return;
    }
    throw methodNotAllowed(ex);
  }

  const task = list.tasks.get(taskId);
  if (!task) throw httpError(404, 'The requested task was not found.', 'ErrorItemNotFound');

  if (sub === undefined) {
    if (ex.method === 'GET') return ex.sendJson(200, taskJson(task));
    if (ex.method === 'PATCH') {
      const input = (await readBodyJson(ex, taskUpdateSchema, SMALL_JSON_LIMIT)) as z.infer<typeof taskUpdateSchema>;
      applyTaskFields(task, input);
      task.lastModifiedDateTime = graphTime();
      return ex.sendJson(200, taskJson(task));
    }
    if (ex.method === 'DELETE') {
      store.deleteTask(list.id, task.id);
      return ex.sendEmpty(204);
    }
    throw methodNotAllowed(ex);
  }

  if (sub === 'linkedResources') return handleLinkedResources(ex, ctx, list, task, subId, leaf);

  if (sub === 'attachmentSessions' && subId !== undefined) {
    return handleSessionRequest(ex, ctx, { list, task, sessionId: subId, leaf }, faults);
  }
  if (sub !== 'attachments') throw httpError(404, 'Resource not found for the segment in the request path.', 'ResourceNotFound');

  if (subId === undefined) {
    if (ex.method === 'GET') {
      const rows = [...task.attachments.values()].map(attachmentJson);
      await ex.sendJson(200, pageOf(rows, ex.query, selfUrl, Number.MAX_SAFE_INTEGER, `${ctx.baseUrl}/$metadata#lists('${list.id}')/tasks('${task.id}')/attachments`));
      return;
    }
    if (ex.method === 'POST') return createSmallAttachment(ex, ctx, task);
    throw methodNotAllowed(ex);
  }

  if (subId === 'createUploadSession' && leaf === undefined) {
    if (ex.method !== 'POST') throw methodNotAllowed(ex);
    return handleSessionRequest(ex, ctx, { list, task, sessionId: undefined, leaf: undefined }, faults);
  }

  const att = task.attachments.get(subId);
  if (!att) throw httpError(404, 'The requested attachment was not found.', 'ErrorItemNotFound');
  if (leaf === undefined) {
    if (ex.method === 'GET') return ex.sendJson(200, attachmentJson(att));
    if (ex.method === 'DELETE') {
      task.attachments.delete(att.id);
      return ex.sendEmpty(204);
    }
    throw methodNotAllowed(ex);
  }
  if (leaf === '$value') {
    if (ex.method !== 'GET' && ex.method !== 'HEAD') throw methodNotAllowed(ex);
    // Raw bytes, streamed from the stored chunks (shaped and fault-cut like a download).
    return ex.send(200, { 'content-type': att.contentType, 'content-length': att.size }, att.parts);
  }
  throw httpError(404, 'Resource not found for the segment in the request path.', 'ResourceNotFound');
}

async function createSmallAttachment(ex: Exchange, ctx: TodoContext, task: StoredTask): Promise<void> {
  const input = (await readBodyJson(ex, smallAttachmentSchema, SMALL_ATTACHMENT_JSON_LIMIT)) as z.infer<typeof smallAttachmentSchema>;
  const bytes = Buffer.from(input.contentBytes.replace(/\s+/g, ''), 'base64');
  if (bytes.length > SMALL_ATTACHMENT_LIMIT) {
    throw httpError(413, `A file attachment sent in one request must be at most ${SMALL_ATTACHMENT_LIMIT} bytes; use an upload session for larger files.`, 'RequestEntityTooLarge');
  }
  const att = ctx.store.addAttachment(task, { name: input.name, contentType: input.contentType ?? 'application/octet-stream', parts: [bytes] });
  await ex.sendJson(201, {
    '@odata.context': `${ctx.baseUrl}/$metadata#attachments/$entity`,
    ...attachmentJson(att),
  });
}

export function linkedResourceJson(r: StoredLinkedResource): Row {
  return { id: r.id, webUrl: r.webUrl ?? null, applicationName: r.applicationName ?? null, displayName: r.displayName ?? null, externalId: r.externalId ?? null };
}

function linkedResourceOf(input: z.infer<typeof linkedResourceSchema>): StoredLinkedResource {
  return { id: randomUUID(), webUrl: input.webUrl, applicationName: input.applicationName, displayName: input.displayName, externalId: input.externalId };
}

/** `…/tasks/{id}/linkedResources[/{id}]`: list, create, get, delete. */
async function handleLinkedResources(ex: Exchange, ctx: TodoContext, list: StoredList, task: StoredTask, id: string | undefined, leaf: string | undefined): Promise<void> {
  if (leaf !== undefined) throw httpError(404, 'Resource not found for the segment in the request path.', 'ResourceNotFound');
  if (id === undefined) {
    if (ex.method === 'GET') {
      const rows = task.linkedResources.map(linkedResourceJson);
      await ex.sendJson(200, pageOf(rows, ex.query, `${ctx.baseUrl}${ex.rawPath.replace(/^\/v1\.0/, '')}`, Number.MAX_SAFE_INTEGER, `${ctx.baseUrl}/$metadata#lists('${list.id}')/tasks('${task.id}')/linkedResources`));
      return;
    }
    if (ex.method === 'POST') {
      const input = (await readBodyJson(ex, linkedResourceSchema, SMALL_JSON_LIMIT)) as z.infer<typeof linkedResourceSchema>;
      const r = linkedResourceOf(input);
      task.linkedResources.push(r);
      await ex.sendJson(201, { '@odata.context': `${ctx.baseUrl}/$metadata#linkedResources/$entity`, ...linkedResourceJson(r) });
      return;
    }
    throw methodNotAllowed(ex);
  }
  const i = task.linkedResources.findIndex((r) => r.id === id);
  const found = task.linkedResources[i];
  if (!found) throw httpError(404, 'The requested linked resource was not found.', 'ErrorItemNotFound');
  if (ex.method === 'GET') return ex.sendJson(200, linkedResourceJson(found));
  if (ex.method === 'DELETE') {
    task.linkedResources.splice(i, 1);
    return ex.sendEmpty(204);
  }
  throw methodNotAllowed(ex);
}
