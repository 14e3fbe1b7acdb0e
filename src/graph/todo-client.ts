import type { Dispatcher } from 'undici';
import { AppError } from '../errors';
import type { Logger } from '../log';
import type { RetryPolicy } from '../retry';
import { contentRange } from '../upload/chunk-plan';
import { readNextExpectedRanges } from '../upload/ranges';
import type {
  AttachmentSink,
  AttachmentSummary,
  ChunkAnswer,
  ChunkRequest,
  UploadSessionInfo,
  UploadTarget,
} from '../upload/types';
import { badResponseError } from './errors';
import { GraphHttp, type GraphHttpOptions, type GraphRequestInfo, type GraphResponse, type Target } from './http';
import { parseAttachment, parseLinkedResource, parseTask, parseTaskList, parseTaskNote, readKeyInsensitive, readPage } from './parse';
import {
  attachmentPath,
  attachmentsPath,
  attachmentIdFromLocation,
  createUploadSessionPath,
  linkedResourcesPath,
  listsPath,
  odataQuery,
  taskFilter,
  taskPath,
  tasksPath,
} from './paths';
import { noteMentions, noteWithLine } from './task-note';
import type { LinkedResource, LinkedResourceInput, ListTasksOptions, TaskNote, TodoTask, TodoTaskList, TokenProvider } from './types';

export interface GraphTodoClientOptions {
  /** Graph root, e.g. https://graph.microsoft.com/v1.0 (see graphBaseUrl in clouds.ts). */
  baseUrl: string;
  /** Asked on every request; `{ forceRefresh: true }` after a 401. */
  tokenProvider: TokenProvider;
  retryPolicy?: RetryPolicy;
  /** `/me` (default) or `/users/{id}`; both reach the same To Do data. */
  userPath?: string;
  dispatcher?: Dispatcher;
  logger?: Logger;
  onRequest?: (info: GraphRequestInfo) => void;
  onRetry?: GraphHttpOptions['onRetry'];
}

/** Where an attachment operation applies: a task in a list. */
export type TaskRef = Pick<UploadTarget, 'listId' | 'taskId'>;

/** A guard against a server whose nextLink never ends. */
const MAX_PAGES = 1000;

function tasksQuery(options: Omit<ListTasksOptions, 'limit'>): string {
  return odataQuery({ $filter: taskFilter(options), $orderby: options.orderBy, $top: options.top });
}

/** Microsoft Graph To Do: lists, tasks and task file attachments (incl. upload sessions). */
export class GraphTodoClient implements AttachmentSink {
  private readonly http: GraphHttp;
  private readonly userPath: string;

  constructor(options: GraphTodoClientOptions) {
    this.http = new GraphHttp(options);
    const userPath = (options.userPath ?? '/me').replace(/\/+$/, '');
    this.userPath = userPath.startsWith('/') ? userPath : `/${userPath}`;
  }

  /** Closes keep-alive connections (when the client created its own Agent). */
  close(): Promise<void> {
    return this.http.close();
  }

  private path(p: string): Target {
    return { path: `${this.userPath}${p}` };
  }

  /** Follows `@odata.nextLink` verbatim (same origin only) until `limit` items pass `keep`. */
  private async collect<T>(
    operation: string,
    first: Target,
    parse: (v: unknown) => T | undefined,
    options: { limit?: number | undefined; keep?: (item: T) => boolean; signal?: AbortSignal | undefined },
  ): Promise<T[]> {
    const out: T[] = [];
    let target: Target | undefined = first;
    for (let page = 0; target !== undefined; page++) {
      if (page >= MAX_PAGES) throw badResponseError('the list never ends');
      const res = await this.http.json({ operation, method: 'GET', target, signal: options.signal, replay: 'idempotent' });
      const body = readPage(res.body);
      if (!body) throw badResponseError('a list without values', res.clientRequestId);
      for (const raw of body.value) {
        const item = parse(raw);
        if (item === undefined || (options.keep && !options.keep(item))) continue;
        out.push(item);
        if (options.limit !== undefined && out.length >= options.limit) return out;
      }
      target = body.nextLink === undefined ? undefined : { url: body.nextLink };
    }
    return out;
  }

  /**
   * The user's To Do lists. `search` matches display names case-insensitively, here rather
   * than with $filter: the lists endpoint documents no $filter support, and users have few lists.
   */
  listTaskLists(options: { search?: string | undefined; limit?: number | undefined } = {}, signal?: AbortSignal): Promise<TodoTaskList[]> {
    const needle = options.search?.trim().toLowerCase();
    return this.collect('listTaskLists', this.path(listsPath()), parseTaskList, {
      limit: options.limit,
      signal,
      ...(needle ? { keep: (l: TodoTaskList) => l.displayName.toLowerCase().includes(needle) } : {}),
    });
  }

  /** Tasks of a list; `search` is `contains(title,'…')`, `excludeCompleted` adds `status ne 'completed'`. */
  listTasks(listId: string, options: ListTasksOptions = {}, signal?: AbortSignal): Promise<TodoTask[]> {
    return this.collect('listTasks', this.path(`${tasksPath(listId)}${tasksQuery(options)}`), parseTask, { limit: options.limit, signal });
  }

  /**
   * One page of a list's tasks and no more (its `@odata.nextLink` is not followed): a bounded
   * request, e.g. the most recently changed open tasks for ranking (`top` is a hint; the server
   * may answer fewer).
   */
  async listTasksPage(listId: string, options: Omit<ListTasksOptions, 'limit'> = {}, signal?: AbortSignal): Promise<TodoTask[]> {
    const res = await this.http.json({ operation: 'listTasks', method: 'GET', target: this.path(`${tasksPath(listId)}${tasksQuery(options)}`), signal, replay: 'idempotent' });
    const page = readPage(res.body);
    if (!page) throw badResponseError('a list without values', res.clientRequestId);
    const tasks: TodoTask[] = [];
    for (const raw of page.value) {
      const task = parseTask(raw);
      if (task) tasks.push(task);
    }
    return options.top === undefined ? tasks : tasks.slice(0, options.top);
  }

  async getTask(listId: string, taskId: string, signal?: AbortSignal): Promise<TodoTask> {
    const res = await this.readTask(listId, taskId, signal);
    const task = parseTask(res.body);
    if (!task) throw badResponseError('a task without an id', res.clientRequestId);
    return task;
  }

  private readTask(listId: string, taskId: string, signal: AbortSignal | undefined): Promise<GraphResponse> {
    return this.http.json({
      operation: 'getTask',
      method: 'GET',
      target: this.path(taskPath(listId, taskId)),
      signal,
      notFoundCode: 'TASK_NOT_FOUND',
      replay: 'idempotent',
    });
  }

  async createTask(
    listId: string,
    title: string,
    options: { linkedResources?: LinkedResourceInput[] } = {},
    signal?: AbortSignal,
  ): Promise<TodoTask> {
    const res = await this.http.json({
      operation: 'createTask',
      method: 'POST',
      target: this.path(tasksPath(listId)),
      json: { title, ...(options.linkedResources?.length ? { linkedResources: options.linkedResources } : {}) },
      signal,
      // The list missing means the user's pick is stale: same sentence as a missing task.
      notFoundCode: 'TASK_NOT_FOUND',
      // A second POST after an unclear failure would create a second task.
      replay: 'refused-only',
    });
    const task = parseTask(res.body);
    if (!task) throw badResponseError('a task without an id', res.clientRequestId);
    return task;
  }

  /** `POST …/tasks/{id}/linkedResources`: points the task back at where it came from (e.g. a Teams message). */
  async addLinkedResource(listId: string, taskId: string, resource: LinkedResourceInput, signal?: AbortSignal): Promise<{ id: string }> {
    const res = await this.http.json({
      operation: 'addLinkedResource',
      method: 'POST',
      target: this.path(linkedResourcesPath(listId, taskId)),
      json: resource,
      signal,
      notFoundCode: 'TASK_NOT_FOUND',
      // A second POST after an unclear failure would link the message twice.
      replay: 'refused-only',
    });
    const id = readKeyInsensitive(res.body, 'id');
    if (typeof id !== 'string') throw badResponseError('a linked resource without an id', res.clientRequestId);
    return { id };
  }

  listLinkedResources(listId: string, taskId: string, signal?: AbortSignal): Promise<LinkedResource[]> {
    return this.collect('listLinkedResources', this.path(linkedResourcesPath(listId, taskId)), parseLinkedResource, { signal });
  }

  /** The task's note (`body`); To Do answers text even for a note written as HTML. */
  async getTaskNote(listId: string, taskId: string, signal?: AbortSignal): Promise<TaskNote> {
    return parseTaskNote((await this.readTask(listId, taskId, signal)).body);
  }

  /**
   * Adds `line` to the end of the task's note unless the note already mentions `unlessMentions`.
   * Read, then write at once (To Do documents no If-Match for tasks): the user's text is kept,
   * escaped when it came as text (see task-note.ts). Repeating the PATCH sets the same note.
   */
  async appendToTaskNote(listId: string, taskId: string, line: string, unlessMentions: string, signal?: AbortSignal): Promise<'added' | 'present'> {
    const note = await this.getTaskNote(listId, taskId, signal);
    if (noteMentions(note, unlessMentions)) return 'present';
    await this.http.json({
      operation: 'updateTaskNote',
      method: 'PATCH',
      target: this.path(taskPath(listId, taskId)),
      // Only `body` is sent: PATCH changes what it names and nothing else.
      json: { body: { contentType: 'html', content: noteWithLine(note, line) } },
      signal,
      notFoundCode: 'TASK_NOT_FOUND',
      replay: 'idempotent',
    });
    return 'added';
  }

  listAttachments(target: TaskRef, signal?: AbortSignal): Promise<AttachmentSummary[]> {
    return this.collect('listAttachments', this.path(attachmentsPath(target.listId, target.taskId)), parseAttachment, { signal });
  }

  async createSmallAttachment(target: UploadTarget, bytes: Buffer, signal?: AbortSignal): Promise<AttachmentSummary> {
    const res = await this.http.json({
      operation: 'createSmallAttachment',
      method: 'POST',
      target: this.path(attachmentsPath(target.listId, target.taskId)),
      json: {
        '@odata.type': '#microsoft.graph.taskFileAttachment',
        name: target.fileName,
        contentBytes: bytes.toString('base64'),
        contentType: target.contentType || 'application/octet-stream',
      },
      signal,
      notFoundCode: 'TASK_NOT_FOUND',
      // Replaying after an unclear failure could attach the file twice.
      replay: 'refused-only',
    });
    const attachment = parseAttachment(res.body);
    if (!attachment) throw badResponseError('an attachment without an id', res.clientRequestId);
    return { ...attachment, name: attachment.name || target.fileName, size: attachment.size || bytes.length };
  }

  async createUploadSession(target: UploadTarget, size: number, signal?: AbortSignal): Promise<UploadSessionInfo> {
    if (!Number.isInteger(size) || size <= 0) {
      // An upload session cannot take an empty file: those go through createSmallAttachment.
      throw new AppError('INTERNAL', 'An upload session needs a file of at least one byte.');
    }
    const res = await this.http.json({
      operation: 'createUploadSession',
      method: 'POST',
      target: this.path(createUploadSessionPath(target.listId, target.taskId)),
      json: { attachmentInfo: { attachmentType: 'file', name: target.fileName, size } },
      signal,
      notFoundCode: 'TASK_NOT_FOUND',
      // A spare session holds no attachment and expires on its own: safe to ask again.
      replay: 'idempotent',
    });
    // The API page says 200, the guide says 201: every 2xx with an uploadUrl will do.
    const uploadUrl = readKeyInsensitive(res.body, 'uploadUrl');
    if (typeof uploadUrl !== 'string' || uploadUrl === '') throw badResponseError('an upload session without an upload URL', res.clientRequestId);
    if (!this.http.isSameOrigin(uploadUrl)) throw badResponseError('the upload session points outside Microsoft Graph', res.clientRequestId);
    const expiration = readKeyInsensitive(res.body, 'expirationDateTime');
    return {
      uploadUrl,
      ...(typeof expiration === 'string' ? { expirationDateTime: expiration } : {}),
      nextExpectedRanges: readNextExpectedRanges(res.body) ?? ['0-'],
    };
  }

  /**
   * PUTs one chunk to `{uploadUrl}/content`, streaming the body (never buffered here). Not
   * retried here: the engine holds the bytes and decides whether to send them again.
   */
  async putChunk(req: ChunkRequest): Promise<ChunkAnswer> {
    const length = req.end - req.start + 1;
    const res = await this.http.stream({
      operation: 'putChunk',
      method: 'PUT',
      url: `${req.session.uploadUrl}/content`,
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(length),
        'content-range': contentRange({ start: req.start, end: req.end }, req.total),
      },
      body: req.body,
      signal: req.signal,
      notFoundCode: 'UPLOAD_SESSION_EXPIRED',
      // 416: the server holds other bytes than we assumed; its ranges say where to go on.
      alsoAccept: [416],
    });
    const ranges = readNextExpectedRanges(res.body);
    const location = res.headers['location'];
    const locationText = Array.isArray(location) ? location[0] : location;
    if (res.status === 201 || (res.status === 200 && ranges === undefined && locationText !== undefined)) {
      return { done: true, attachmentId: attachmentIdFromLocation(locationText) };
    }
    if (ranges !== undefined && ranges.length > 0) return { done: false, nextExpectedRanges: ranges };
    if (res.status === 416) throw badResponseError('the chunk was refused without saying which bytes are missing', res.clientRequestId, { status: 416 });
    // Asking the session (getUploadSession) or resending will tell where it stands.
    throw badResponseError('a chunk answer without the next expected ranges', res.clientRequestId, { retryable: true, status: res.status });
  }

  async getUploadSession(session: UploadSessionInfo, signal?: AbortSignal): Promise<UploadSessionInfo> {
    const res = await this.http.json({
      operation: 'getUploadSession',
      method: 'GET',
      target: { url: session.uploadUrl },
      signal,
      notFoundCode: 'UPLOAD_SESSION_EXPIRED',
      replay: 'idempotent',
    });
    const ranges = readNextExpectedRanges(res.body);
    if (ranges === undefined) throw badResponseError('an upload session without the next expected ranges', res.clientRequestId);
    const expiration = readKeyInsensitive(res.body, 'expirationDateTime');
    const expirationDateTime = typeof expiration === 'string' ? expiration : session.expirationDateTime;
    return { uploadUrl: session.uploadUrl, nextExpectedRanges: ranges, ...(expirationDateTime !== undefined ? { expirationDateTime } : {}) };
  }

  /** Cancels a session (DELETE on the upload URL itself, no /content). Already gone (404) is fine. */
  async deleteUploadSession(session: UploadSessionInfo, signal?: AbortSignal): Promise<void> {
    await this.http.json({
      operation: 'deleteUploadSession',
      method: 'DELETE',
      target: { url: session.uploadUrl },
      signal,
      alsoAccept: [404],
      replay: 'idempotent',
    });
  }

  async deleteAttachment(listId: string, taskId: string, attachmentId: string, signal?: AbortSignal): Promise<void> {
    await this.http.json({
      operation: 'deleteAttachment',
      method: 'DELETE',
      target: this.path(attachmentPath(listId, taskId, attachmentId)),
      signal,
      replay: 'idempotent',
    });
  }
}
