import { AppError } from '../errors';

/**
 * Graph paths and OData query text. To Do ids are base64-like and may contain `=`, `-`, `_`,
 * `+` and `/`, so every path segment is URL-encoded on its own (graph-todo reference, "Ids").
 */

/** Joins path segments, encoding each one; `todoPath('lists', id)` → `/todo/lists/{id}`. */
export function encodeSegments(...segments: readonly string[]): string {
  return segments.map((s) => `/${encodeURIComponent(s)}`).join('');
}

/**
 * `/users/{id}`: another user's resources, for app-only tokens (GRAPH_AUTH=application; `/me`
 * needs a delegated token). Only an Entra object id (a GUID) is accepted.
 */
export function userPath(aadObjectId: string | undefined): string {
  if (aadObjectId === undefined || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(aadObjectId)) {
    throw new AppError('BAD_REQUEST', 'Teams did not say who you are in Microsoft Entra ID, so your tasks cannot be found.');
  }
  return `/users/${aadObjectId.toLowerCase()}`;
}

export function listsPath(): string {
  return '/todo/lists';
}

export function tasksPath(listId: string): string {
  return `${listsPath()}${encodeSegments(listId, 'tasks')}`;
}

export function taskPath(listId: string, taskId: string): string {
  return `${listsPath()}${encodeSegments(listId, 'tasks', taskId)}`;
}

export function linkedResourcesPath(listId: string, taskId: string): string {
  return `${taskPath(listId, taskId)}/linkedResources`;
}

export function attachmentsPath(listId: string, taskId: string): string {
  return `${taskPath(listId, taskId)}/attachments`;
}

export function attachmentPath(listId: string, taskId: string, attachmentId: string): string {
  return `${attachmentsPath(listId, taskId)}${encodeSegments(attachmentId)}`;
}

export function createUploadSessionPath(listId: string, taskId: string): string {
  return `${attachmentsPath(listId, taskId)}/createUploadSession`;
}

/** An OData string literal: single quotes are escaped by doubling them (OData ABNF, SQUOTE-in-string). */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * A query string from OData system options. Built by hand rather than with URLSearchParams,
 * which would write `$filter` as `%24filter` and spaces as `+`.
 */
export function odataQuery(options: Record<string, string | number | undefined>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    parts.push(`${key}=${encodeURIComponent(String(value))}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/** `$filter` for tasks: title contains the search text and/or not completed, joined with `and`. */
export function taskFilter(options: { search?: string; excludeCompleted?: boolean }): string | undefined {
  const clauses: string[] = [];
  if (options.search !== undefined && options.search.trim() !== '') clauses.push(`contains(title,${odataString(options.search.trim())})`);
  if (options.excludeCompleted) clauses.push(`status ne 'completed'`);
  return clauses.length === 0 ? undefined : clauses.join(' and ');
}

/**
 * The attachment id at the end of an upload session's `Location` header:
 * `…/Attachments('{id}')`. The segment name's case varies and the id may be percent-encoded.
 */
export function attachmentIdFromLocation(location: string | undefined): string | undefined {
  if (location === undefined || location.trim() === '') return undefined;
  let text = location.trim();
  try {
    text = decodeURIComponent(text);
  } catch {
    // A malformed escape: read the header as it is.
  }
  const m = /attachments\('((?:[^']|'')+)'\)\/?(?:[?#].*)?$/i.exec(text);
  if (!m || m[1] === undefined) return undefined;
  return m[1].replace(/''/g, "'");
}
