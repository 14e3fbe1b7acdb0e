/**
 * The Microsoft Graph To Do client, in small files: http.ts (token, ids, retries, origin
 * rule), errors.ts (status → code), paths.ts (encoded paths, OData), parse.ts (JSON → types),
 * todo-client.ts (the operations), links.ts (To Do web links). Import from here.
 */
export { GraphTodoClient, type GraphTodoClientOptions, type TaskRef } from './todo-client';
export type { GraphRequestInfo } from './http';
export { errorFromResponse, graphCodeForStatus } from './errors';
export { todoTaskWebUrl } from './links';
export { graphBaseUrl, graphBaseUrlFromConfig } from './clouds';
