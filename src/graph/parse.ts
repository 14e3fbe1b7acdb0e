import type { AttachmentSummary } from '../upload/types';
import type { LinkedResource, TaskNote, TodoTask, TodoTaskList } from './types';

/**
 * Narrowing Graph's JSON into our types. Graph adds properties over time, so unknown keys are
 * ignored; an item without the fields we rely on (an id, a name) is dropped rather than guessed.
 */

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** A property whatever its key's case (Graph's examples mix camelCase and PascalCase). */
export function readKeyInsensitive(body: unknown, key: string): unknown {
  const o = asRecord(body);
  if (!o) return undefined;
  if (key in o) return o[key];
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(o)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function str(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function parseTaskList(value: unknown): TodoTaskList | undefined {
  const o = asRecord(value);
  const id = o && str(o, 'id');
  if (!o || id === undefined) return undefined;
  return {
    id,
    displayName: str(o, 'displayName') ?? '',
    ...optional('isOwner', typeof o['isOwner'] === 'boolean' ? o['isOwner'] : undefined),
    ...optional('isShared', typeof o['isShared'] === 'boolean' ? o['isShared'] : undefined),
    ...optional('wellknownListName', str(o, 'wellknownListName')),
  };
}

export function parseTask(value: unknown): TodoTask | undefined {
  const o = asRecord(value);
  const id = o && str(o, 'id');
  if (!o || id === undefined) return undefined;
  return {
    id,
    title: str(o, 'title') ?? '',
    ...optional('status', str(o, 'status')),
    ...optional('importance', str(o, 'importance')),
    ...optional('hasAttachments', typeof o['hasAttachments'] === 'boolean' ? o['hasAttachments'] : undefined),
    ...optional('createdDateTime', str(o, 'createdDateTime')),
    ...optional('lastModifiedDateTime', str(o, 'lastModifiedDateTime')),
    ...optional('dueDateTime', dueDateTimeOf(o['dueDateTime'])),
  };
}

/** `dueDateTime` is a dateTimeTimeZone (`{ dateTime, timeZone }`); To Do writes UTC. */
function dueDateTimeOf(value: unknown): string | undefined {
  const o = asRecord(value);
  const dateTime = o && str(o, 'dateTime');
  return dateTime === undefined || dateTime === '' ? undefined : dateTime;
}

/** The task's `body` (an itemBody); an absent or odd body reads as an empty text note. */
export function parseTaskNote(task: unknown): TaskNote {
  const body = asRecord(asRecord(task)?.['body']);
  const content = body && str(body, 'content');
  const type = body && str(body, 'contentType');
  return { content: content ?? '', contentType: type?.toLowerCase() === 'html' ? 'html' : 'text' };
}

export function parseLinkedResource(value: unknown): LinkedResource | undefined {
  const o = asRecord(value);
  const id = o && str(o, 'id');
  if (!o || id === undefined) return undefined;
  return {
    id,
    ...optional('webUrl', str(o, 'webUrl')),
    ...optional('applicationName', str(o, 'applicationName')),
    ...optional('displayName', str(o, 'displayName')),
    ...optional('externalId', str(o, 'externalId')),
  };
}

export function parseAttachment(value: unknown): AttachmentSummary | undefined {
  const o = asRecord(value);
  const id = o && str(o, 'id');
  if (!o || id === undefined) return undefined;
  const size = o['size'];
  return {
    id,
    name: str(o, 'name') ?? '',
    size: typeof size === 'number' && Number.isFinite(size) ? size : 0,
    ...optional('lastModifiedDateTime', str(o, 'lastModifiedDateTime')),
  };
}

/** One page of a Graph collection: `{ value: [...], "@odata.nextLink"? }`. */
export function readPage(body: unknown): { value: unknown[]; nextLink: string | undefined } | undefined {
  const o = asRecord(body);
  if (!o || !Array.isArray(o['value'])) return undefined;
  const next = o['@odata.nextLink'];
  return { value: o['value'] as unknown[], nextLink: typeof next === 'string' && next !== '' ? next : undefined };
}
