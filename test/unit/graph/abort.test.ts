import { PassThrough } from 'node:stream';
import { GraphTodoClient } from '../../../src/graph/todo-client';
import { countingTokens, type Handler, scriptedServers } from './scripted-server';

const { serve, track } = scriptedServers();
async function setup(handler: Handler) {
  const server = await serve(handler);
  // A patient policy: only the abort can end these calls early.
  const client = new GraphTodoClient({
    baseUrl: server.baseUrl,
    tokenProvider: countingTokens(),
    retryPolicy: { maxAttempts: 5, maxTotalMs: 600_000, baseDelayMs: 60_000, maxDelayMs: 300_000 },
  });
  track(client);
  return { server, client };
}

describe('cancellation', () => {
  it('an already aborted signal sends nothing', async () => {
    const { server, client } = await setup(() => ({ status: 200, json: { value: [] } }));
    const ac = new AbortController();
    ac.abort();
    await expect(client.listTaskLists({}, ac.signal)).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(server.requests).toHaveLength(0);
  });

  it('aborting a request Graph has not answered yet is CANCELLED', async () => {
    const ac = new AbortController();
    const { client } = await setup(() => {
      ac.abort();
      return 'hang';
    });
    await expect(client.getTask('l', 't', ac.signal)).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('aborting while waiting out Retry-After is CANCELLED, without another attempt', async () => {
    const ac = new AbortController();
    const { server, client } = await setup(() => {
      setImmediate(() => ac.abort());
      return { status: 429, headers: { 'retry-after': '120' } };
    });
    await expect(client.listTasks('l', {}, ac.signal)).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(server.requests).toHaveLength(1);
  });

  it('aborting a chunk PUT mid-body is CANCELLED', async () => {
    const { server, client } = await setup(() => ({ status: 201 }));
    const ac = new AbortController();
    const body = new PassThrough();
    body.write(Buffer.alloc(1024));
    const put = client.putChunk({
      session: { uploadUrl: `${server.baseUrl}/attachmentSessions/s`, nextExpectedRanges: ['0-'] },
      start: 0,
      end: 9999,
      total: 10_000,
      body,
      signal: ac.signal,
    });
    setImmediate(() => ac.abort());
    await expect(put).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(server.requests).toHaveLength(0);
  });
});
