import { AppError, GraphError } from '../../../src/errors';
import { errorFromResponse, errorFromThrown, graphCodeForStatus } from '../../../src/graph/errors';
import { GraphTodoClient } from '../../../src/graph/todo-client';
import { countingTokens, startScriptedServer, TEST_POLICY, type ScriptedServer } from './scripted-server';

describe('Graph status → error code', () => {
  it.each([
    [429, 'GRAPH_THROTTLED', true],
    [503, 'GRAPH_UNAVAILABLE', true],
    [500, 'GRAPH_SERVER_ERROR', true],
    [502, 'GRAPH_SERVER_ERROR', true],
    [504, 'GRAPH_SERVER_ERROR', true],
    [401, 'GRAPH_UNAUTHORIZED', false],
    [403, 'GRAPH_FORBIDDEN', false],
    [404, 'GRAPH_NOT_FOUND', false],
    [409, 'GRAPH_CONFLICT', false],
    [413, 'GRAPH_PAYLOAD_TOO_LARGE', false],
    [400, 'GRAPH_BAD_REQUEST', false],
    [416, 'GRAPH_BAD_REQUEST', false],
    [302, 'GRAPH_BAD_RESPONSE', false],
  ])('%i → %s (retryable %s)', (status, code, retryable) => {
    const err = errorFromResponse(status, {}, undefined, { clientRequestId: 'c-1' });
    expect(err).toBeInstanceOf(GraphError);
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err.status).toBe(status);
    expect(graphCodeForStatus(status)).toBe(code);
  });

  it('carries Graph’s error code, request-id from the header, client-request-id and Retry-After', () => {
    const err = errorFromResponse(
      429,
      { 'request-id': 'req-header', 'retry-after': '7' },
      { error: { code: 'TooManyRequests', message: 'see https://graph.microsoft.com/x?token=abc', innerError: { 'request-id': 'req-body' } } },
      { clientRequestId: 'c-2' },
    );
    expect(err).toMatchObject({ code: 'GRAPH_THROTTLED', graphCode: 'TooManyRequests', requestId: 'req-header', clientRequestId: 'c-2', retryAfterMs: 7000 });
    // Graph's own message may quote URLs: it never reaches ours.
    expect(err.message).not.toMatch(/https?:|token=/);
  });

  it('falls back to innerError request-id (any key case) and reads an HTTP-date Retry-After', () => {
    const later = new Date(Date.now() + 60_000).toUTCString();
    const err = errorFromResponse(503, { 'retry-after': later }, { error: { code: 'ServiceUnavailable', innererror: { 'request-id': 'req-inner' } } }, { clientRequestId: 'c' });
    expect(err.requestId).toBe('req-inner');
    expect(err.retryAfterMs).toBeGreaterThan(50_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('uses the caller’s 404 code (task paths, upload sessions)', () => {
    expect(errorFromResponse(404, {}, undefined, { clientRequestId: 'c', notFoundCode: 'TASK_NOT_FOUND' }).code).toBe('TASK_NOT_FOUND');
    expect(errorFromResponse(404, {}, undefined, { clientRequestId: 'c', notFoundCode: 'UPLOAD_SESSION_EXPIRED' }).code).toBe('UPLOAD_SESSION_EXPIRED');
  });

  it('maps socket errors to a retryable NETWORK_ERROR and aborts to CANCELLED', () => {
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    expect(errorFromThrown(reset, { clientRequestId: 'c' })).toMatchObject({ code: 'NETWORK_ERROR', retryable: true, clientRequestId: 'c' });
    const timeout = Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    expect(errorFromThrown(timeout, {}).code).toBe('NETWORK_ERROR');
    const ac = new AbortController();
    ac.abort();
    expect(errorFromThrown(new Error('x'), { signal: ac.signal }).code).toBe('CANCELLED');
    const mine = new AppError('DOWNLOAD_FAILED', 'Reading the file failed.');
    expect(errorFromThrown(mine, {})).toBe(mine);
  });
});

describe('errors over HTTP', () => {
  let server: ScriptedServer;
  let client: GraphTodoClient;
  afterEach(async () => {
    await client.close();
    await server.close();
  });

  it('a missing task is TASK_NOT_FOUND with the request-id and the client-request-id we sent', async () => {
    server = await startScriptedServer(() => ({
      status: 404,
      headers: { 'request-id': 'rid-404' },
      json: { error: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' } },
    }));
    client = new GraphTodoClient({ baseUrl: server.baseUrl, tokenProvider: countingTokens(), retryPolicy: TEST_POLICY });
    const err = (await client.getTask('list-1', 'task-1').catch((e: unknown) => e)) as GraphError;
    expect(err).toBeInstanceOf(GraphError);
    expect(err).toMatchObject({ code: 'TASK_NOT_FOUND', status: 404, graphCode: 'ErrorItemNotFound', requestId: 'rid-404' });
    expect(err.clientRequestId).toBe(server.requests[0]?.headers['client-request-id']);
    expect(err.message).not.toContain(server.origin);
    expect(err.message).not.toContain('tok-');
    expect(server.requests).toHaveLength(1);
  });

  it('a 403 is GRAPH_FORBIDDEN and is not retried', async () => {
    server = await startScriptedServer(() => ({ status: 403, json: { error: { code: 'AccessDenied' } } }));
    client = new GraphTodoClient({ baseUrl: server.baseUrl, tokenProvider: countingTokens(), retryPolicy: TEST_POLICY });
    await expect(client.listTaskLists()).rejects.toMatchObject({ code: 'GRAPH_FORBIDDEN', graphCode: 'AccessDenied' });
    expect(server.requests).toHaveLength(1);
  });

  it('a connection refused is NETWORK_ERROR after the retries', async () => {
    server = await startScriptedServer(() => ({ status: 200, json: { value: [] } }));
    const deadOrigin = server.baseUrl;
    await server.close();
    client = new GraphTodoClient({ baseUrl: deadOrigin, tokenProvider: countingTokens(), retryPolicy: { ...TEST_POLICY, maxAttempts: 2 } });
    await expect(client.listTaskLists()).rejects.toMatchObject({ code: 'NETWORK_ERROR', retryable: true });
  });
});
