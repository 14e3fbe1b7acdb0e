import { Readable } from 'node:stream';
import type { GraphRequestInfo } from '../../../src/graph/http';
import { GraphTodoClient } from '../../../src/graph/todo-client';
import { createLogger } from '../../../src/log';
import type { RetryPolicy } from '../../../src/retry';
import { countingTokens, TEST_POLICY, type ScriptedServer, scriptedServers } from './scripted-server';

const { serve, track } = scriptedServers();

function setup(server: ScriptedServer, policy: RetryPolicy = TEST_POLICY) {
  const tokens = countingTokens();
  const infos: GraphRequestInfo[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'warn', destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) } });
  const client = new GraphTodoClient({ baseUrl: server.baseUrl, tokenProvider: tokens, retryPolicy: policy, logger, onRequest: (i) => infos.push(i) });
  track(client);
  return { client, tokens, infos, logs };
}

const ok = { status: 200, json: { value: [] } };
const unauthorized = { status: 401, json: { error: { code: 'InvalidAuthenticationToken' } } };
const chunkOf = (server: ScriptedServer) => ({
  session: { uploadUrl: `${server.baseUrl}/attachmentSessions/s1`, nextExpectedRanges: ['0-'] },
  start: 0,
  end: 2,
  total: 10,
  body: Readable.from([Buffer.from('abc')]),
  signal: new AbortController().signal,
});

describe('401: refresh the token once', () => {
  it('replays a JSON request once with a force-refreshed token', async () => {
    const server = await serve((req, i) => (i === 0 ? unauthorized : ok));
    const { client, tokens } = setup(server);
    await expect(client.listTasks('l')).resolves.toEqual([]);
    expect(server.requests.map((r) => r.headers['authorization'])).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    expect(tokens.calls).toEqual([{ forceRefresh: false }, { forceRefresh: true }]);
  });

  it('a second 401 with the fresh token is final: GRAPH_UNAUTHORIZED, not retryable', async () => {
    const server = await serve(() => unauthorized);
    const { client, tokens } = setup(server);
    await expect(client.listTasks('l')).rejects.toMatchObject({ code: 'GRAPH_UNAUTHORIZED', retryable: false, graphCode: 'InvalidAuthenticationToken' });
    expect(server.requests).toHaveLength(2);
    expect(tokens.calls).toEqual([{ forceRefresh: false }, { forceRefresh: true }]);
  });

  it('a chunk PUT cannot be replayed: 401 is thrown retryable and the next request forces a refresh', async () => {
    const server = await serve((req, i) => (i === 0 ? unauthorized : { status: 200, json: { NextExpectedRanges: ['3-'] } }));
    const { client, tokens } = setup(server);
    await expect(client.putChunk(chunkOf(server))).rejects.toMatchObject({ code: 'GRAPH_UNAUTHORIZED', retryable: true });
    expect(server.requests).toHaveLength(1);
    // The engine resends from its buffer; this time with a fresh token.
    await expect(client.putChunk(chunkOf(server))).resolves.toEqual({ done: false, nextExpectedRanges: ['3-'] });
    expect(server.requests.map((r) => r.headers['authorization'])).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    expect(tokens.calls).toEqual([{ forceRefresh: false }, { forceRefresh: true }]);
  });

  it('a 401 on a request whose token was just force-refreshed is not retryable', async () => {
    const server = await serve(() => unauthorized);
    const { client } = setup(server);
    await expect(client.putChunk(chunkOf(server))).rejects.toMatchObject({ retryable: true });
    await expect(client.putChunk(chunkOf(server))).rejects.toMatchObject({ code: 'GRAPH_UNAUTHORIZED', retryable: false });
    expect(server.requests.map((r) => r.headers['authorization'])).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });
});

describe('retries', () => {
  it('retries 429 / 503 / 500 in order, waiting what Retry-After says (capped by the policy)', async () => {
    const answers = [
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 503 },
      { status: 500 },
      ok,
    ];
    const server = await serve((req, i) => answers[i] ?? ok);
    const policy: RetryPolicy = { maxAttempts: 5, maxTotalMs: 10_000, baseDelayMs: 2, maxDelayMs: 20, random: () => 0 };
    const { client, infos, logs } = setup(server, policy);
    await expect(client.listTaskLists()).resolves.toEqual([]);
    expect(infos.map((i) => [i.attempt, i.status])).toEqual([
      [1, 429],
      [2, 503],
      [3, 500],
      [4, 200],
    ]);
    // Retry-After 1 s capped at maxDelayMs 20; then backoff base*2^(n-1), half of it with random() = 0.
    expect(logs.map((l) => [l['code'], l['waitMs']])).toEqual([
      ['GRAPH_THROTTLED', 20],
      ['GRAPH_UNAVAILABLE', 2],
      ['GRAPH_SERVER_ERROR', 4],
    ]);
    expect(new Set(server.requests.map((r) => r.headers['client-request-id'])).size).toBe(4);
    // Logs carry codes and ids, never the URL or the token.
    expect(JSON.stringify(logs)).not.toContain(server.origin);
    expect(JSON.stringify(logs)).not.toContain('tok-');
    for (const r of server.requests) expect(r.headers['authorization']).toBe('Bearer tok-1');
  });

  it('gives up after maxAttempts with the last error, its Retry-After and request-id', async () => {
    const server = await serve(() => ({ status: 429, headers: { 'retry-after': '3', 'request-id': 'rid-429' } }));
    const { client } = setup(server, { ...TEST_POLICY, maxAttempts: 3 });
    await expect(client.listTaskLists()).rejects.toMatchObject({ code: 'GRAPH_THROTTLED', retryAfterMs: 3000, requestId: 'rid-429' });
    expect(server.requests).toHaveLength(3);
  });

  it('replays a GET after a dropped connection', async () => {
    const server = await serve((req, i) => (i === 0 ? 'reset' : { status: 200, json: { id: 't', title: 'Task' } }));
    const { client } = setup(server);
    await expect(client.getTask('l', 't')).resolves.toEqual({ id: 't', title: 'Task' });
    expect(server.requests).toHaveLength(2);
  });

  it('never creates a task twice: a 504 is not replayed, a 429 is', async () => {
    const failing = await serve(() => ({ status: 504 }));
    const a = setup(failing);
    await expect(a.client.createTask('l', 'Once')).rejects.toMatchObject({ code: 'GRAPH_SERVER_ERROR', retryable: true });
    expect(failing.requests).toHaveLength(1);

    const throttled = await serve((req, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '0' } } : { status: 201, json: { id: 'n1', title: 'Once' } }));
    const b = setup(throttled);
    await expect(b.client.createTask('l', 'Once')).resolves.toMatchObject({ id: 'n1' });
    expect(throttled.requests).toHaveLength(2);
  });
});
