import fc from 'fast-check';
import { Agent } from 'undici';
import { MAX_ATTACHMENT_BYTES } from '../../../src/errors';
import type { FaultRule } from '../../../src/emulators/faults';
import { GraphTodoClient } from '../../../src/graph/todo-client';
import type { TokenProvider } from '../../../src/graph/types';
import type { RetryPolicy } from '../../../src/retry';
import { createHttpDownloadSource } from '../../../src/sources/http-download';
import { CHUNK_UNIT, DEFAULT_CHUNK_BYTES, SMALL_UPLOAD_LIMIT } from '../../../src/upload/chunk-plan';
import { uploadAttachment } from '../../../src/upload/engine';
import type { UploadOptions, UploadResult, UploadTarget } from '../../../src/upload/types';
import { listByName, startEmulators, type Emulators } from '../../support/emulators';
import { rejection } from '../../support/assertions';

/**
 * The upload engine end to end over real HTTP: bytes from the file host emulator (a Teams-like
 * pre-authorized download URL) through the Graph client into the Graph To Do emulator, with
 * the faults the issue lists. Users notice three things, so those are what is asserted: the
 * attachment's bytes are the file's (SHA-256), there is exactly one, and no chunk broke the
 * 4 MB rule.
 */

const TODO_CHUNK_LIMIT = 4_194_304;
const POLICY: RetryPolicy = { maxAttempts: 8, maxTotalMs: 20_000, baseDelayMs: 2, maxDelayMs: 50, random: () => 0.5 };
const PUT_CHUNK = { method: 'PUT', pathIncludes: '/content' } as const;

let emu: Emulators;
let downloads: Agent;
let listId: string;
let taskId: string;
let token: string;

/** Hands out the current token; a forced refresh gets the newest one (like MSAL after a 401). */
const tokenProvider: TokenProvider & { refreshes: number } = Object.assign(
  async (options?: { forceRefresh?: boolean }): Promise<string> => {
    if (options?.forceRefresh) {
      tokenProvider.refreshes++;
      token = emu.graph.tokens[0] ?? token;
    }
    return token;
  },
  { refreshes: 0 },
);
let client: GraphTodoClient;

beforeAll(async () => {
  emu = await startEmulators({ graph: { seed: true } });
  downloads = new Agent();
  listId = listByName(emu.graph, 'Work').id;
  client = new GraphTodoClient({ baseUrl: emu.graph.baseUrl, tokenProvider, retryPolicy: POLICY });
});

afterAll(async () => {
  await client.close();
  await downloads.close();
  await emu.close();
});

beforeEach(() => {
  emu.graph.faults.clear();
  emu.files.faults.clear();
  emu.graph.setTokens([emu.token]);
  token = emu.token;
  tokenProvider.refreshes = 0;
  taskId = emu.graph.addTask(listId, 'Attach here').id;
  emu.graph.clearRequests();
  emu.files.clearRequests();
});

function target(fileName = 'report.bin'): UploadTarget {
  return { listId, taskId, fileName, contentType: 'application/octet-stream' };
}

interface Hosted {
  url: string;
  size: number;
  sha256: string;
}

function host(size: number, opts: { sendContentLength?: boolean; honorRange?: boolean } = {}): Hosted {
  return emu.files.addFile({ name: 'report.bin', size, ...opts });
}

function upload(file: Hosted, options: UploadOptions = {}): Promise<UploadResult> {
  const source = createHttpDownloadSource(file.url, { allowedHosts: [`127.0.0.1:${emu.files.port}`], allowHttpLoopback: true, dispatcher: downloads });
  return uploadAttachment(source, target(), client, { retryPolicy: POLICY, ...options });
}

/** Exactly one attachment, byte-identical, no chunk over the limit, no session left behind. */
function expectDelivered(file: Hosted, result: UploadResult): void {
  const stored = emu.graph.attachments(listId, taskId);
  expect(stored).toHaveLength(1);
  expect(stored[0]).toMatchObject({ name: 'report.bin', size: file.size, sha256: file.sha256 });
  expect(result.attachmentId).toBe(stored[0]?.id);
  expect(result.size).toBe(file.size);
  const puts = emu.graph.requests.filter((r) => r.method === 'PUT');
  for (const p of puts) expect(p.contentLength ?? 0).toBeLessThanOrEqual(TODO_CHUNK_LIMIT);
  expect(emu.graph.sessionCount()).toBe(0);
}

describe('sizes', () => {
  it.each([
    ['0 bytes', 0],
    ['1 byte', 1],
    ['exactly one chunk', DEFAULT_CHUNK_BYTES],
    ['25 MiB', MAX_ATTACHMENT_BYTES],
  ])('%s arrives intact', async (_label, size) => {
    const file = host(size);
    const result = await upload(file);
    expect(result.sha256).toBe(file.sha256);
    expectDelivered(file, result);
    const puts = emu.graph.requests.filter((r) => r.method === 'PUT').length;
    expect(puts).toBe(size < SMALL_UPLOAD_LIMIT ? 0 : Math.ceil(size / DEFAULT_CHUNK_BYTES));
  });

  it('25 MiB + 1 byte is refused before Graph is called', async () => {
    const err = await rejection(upload(host(MAX_ATTACHMENT_BYTES + 1)));
    expect(err.code).toBe('FILE_TOO_LARGE');
    expect(emu.graph.requests).toHaveLength(0);
  });

  it('a download without Content-Length (chunked) is spooled, then uploaded', async () => {
    const file = host(5_000_000, { sendContentLength: false });
    const result = await upload(file);
    expect(result.sha256).toBe(file.sha256);
    expectDelivered(file, result);
  });
});

describe('faults on the chunk PUTs', () => {
  const chunkBytes = 4 * CHUNK_UNIT;
  const size = 5 * chunkBytes + 4321;

  it.each<[string, FaultRule['action']]>([
    ['429 with Retry-After', { type: 'status', status: 429, retryAfterSeconds: 0.02 }],
    ['503 with Retry-After', { type: 'status', status: 503, retryAfterSeconds: 0.02 }],
    ['500', { type: 'status', status: 500 }],
    ['a reset mid-body', { type: 'reset', afterBodyBytes: 200_000 }],
    ['partial acceptance', { type: 'partial', acceptBytes: 777_777 }],
    ['session expiry', { type: 'expire-session' }],
    ['latency', { type: 'latency', ms: 50 }],
  ])('%s', async (_label, action) => {
    emu.graph.faults.add({ match: { ...PUT_CHUNK, nth: 2 }, action });
    const file = host(size);
    const result = await upload(file, { chunkBytes });
    expect(result.sha256).toBe(file.sha256);
    expectDelivered(file, result);
    expect(emu.graph.faults.list()[0]?.fired).toBe(1);
  });

  it('the final answer lost after To Do completed: one attachment, not two', async () => {
    const puts = Math.ceil(size / chunkBytes);
    // The whole body arrives, so the request is handled; only the 201 is lost.
    emu.graph.faults.add({ match: { ...PUT_CHUNK, nth: puts }, action: { type: 'reset', afterBodyBytes: chunkBytes } });
    const file = host(size);
    const result = await upload(file, { chunkBytes });
    expectDelivered(file, result);
  });

  it('a token that expires mid-upload is refreshed and the chunk resent', async () => {
    const file = host(size);
    let rotated = false;
    const result = await upload(file, {
      chunkBytes,
      onProgress: () => {
        if (rotated) return;
        rotated = true;
        emu.graph.setTokens(['fresh-token']);
      },
    });
    expect(tokenProvider.refreshes).toBeGreaterThanOrEqual(1);
    expect(emu.graph.requests.some((r) => r.method === 'PUT' && r.status === 401)).toBe(true);
    expectDelivered(file, result);
  });
});

describe('the download drops mid-chunk', () => {
  it('resumes the download with Range and the attachment is intact', async () => {
    const chunkBytes = 4 * CHUNK_UNIT;
    const file = host(4 * chunkBytes + 10);
    // Cut the download in the middle of the second chunk.
    emu.files.faults.add({ match: { method: 'GET', nth: 1 }, action: { type: 'reset', afterBodyBytes: chunkBytes + 300_000 } });
    const result = await upload(file, { chunkBytes });
    expect(result.sha256).toBe(file.sha256);
    expectDelivered(file, result);
    const gets = emu.files.requests.filter((r) => r.method === 'GET');
    expect(gets).toHaveLength(2);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1]?.range ?? '')?.[1]);
    // Resumed from the first byte not yet buffered: past the chunk the PUT was sending.
    expect(resumedAt).toBeGreaterThan(chunkBytes);
    expect(resumedAt).toBeLessThanOrEqual(chunkBytes + 300_000);
  });

  it('a download host that ignores Range still gives the right bytes', async () => {
    const chunkBytes = 4 * CHUNK_UNIT;
    const file = host(3 * chunkBytes, { honorRange: false });
    emu.files.faults.add({ match: { method: 'GET', nth: 1 }, action: { type: 'reset', afterBodyBytes: chunkBytes + 100_000 } });
    const result = await upload(file, { chunkBytes });
    expect(result.sha256).toBe(file.sha256);
    expectDelivered(file, result);
  });
});

describe('cancel', () => {
  const chunkBytes = 4 * CHUNK_UNIT;

  it('between chunks: CANCELLED, the session deleted, nothing attached', async () => {
    const controller = new AbortController();
    const err = await rejection(upload(host(4 * chunkBytes), { chunkBytes, signal: controller.signal, onProgress: () => controller.abort() }));
    expect(err.code).toBe('CANCELLED');
    expect(emu.graph.requests.some((r) => r.method === 'DELETE')).toBe(true);
    expect(emu.graph.sessionCount()).toBe(0);
    expect(emu.graph.attachments(listId, taskId)).toHaveLength(0);
  });

  it('during a slow PUT: the PUT is aborted, the session deleted, nothing attached', async () => {
    emu.graph.faults.add({ match: { ...PUT_CHUNK, nth: 2 }, action: { type: 'latency', ms: 5_000 } });
    const controller = new AbortController();
    const promise = upload(host(4 * chunkBytes), { chunkBytes, signal: controller.signal });
    const poll = setInterval(() => {
      if (emu.graph.requests.filter((r) => r.method === 'PUT').length >= 2) controller.abort();
    }, 5);
    try {
      const err = await rejection(promise);
      expect(err.code).toBe('CANCELLED');
    } finally {
      clearInterval(poll);
    }
    expect(emu.graph.sessionCount()).toBe(0);
    expect(emu.graph.attachments(listId, taskId)).toHaveLength(0);
  });
});

describe('property: whatever the size, chunk size and faults', () => {
  const size = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: SMALL_UPLOAD_LIMIT + 10 }) },
    { weight: 3, arbitrary: fc.integer({ min: SMALL_UPLOAD_LIMIT, max: 8 * 1_048_576 }) },
    { weight: 1, arbitrary: fc.integer({ min: 8 * 1_048_576, max: MAX_ATTACHMENT_BYTES }) },
  );
  const chunk = fc.integer({ min: 1, max: Math.floor(4_000_000 / CHUNK_UNIT) }).map((k) => k * CHUNK_UNIT);
  const putFault: fc.Arbitrary<FaultRule['action']> = fc.oneof(
    fc.constantFrom<FaultRule['action']>(
      { type: 'status', status: 429, retryAfterSeconds: 0.01 },
      { type: 'status', status: 503, retryAfterSeconds: 0.01 },
      { type: 'status', status: 500 },
      { type: 'status', status: 502 },
      { type: 'expire-session' },
      { type: 'latency', ms: 5 },
    ),
    fc.integer({ min: 0, max: 3_000_000 }).map((n): FaultRule['action'] => ({ type: 'reset', afterBodyBytes: n })),
    fc.integer({ min: 0, max: 3_000_000 }).map((n): FaultRule['action'] => ({ type: 'partial', acceptBytes: n })),
  );
  const faults = fc.array(fc.record({ nth: fc.integer({ min: 1, max: 12 }), action: putFault }), { maxLength: 4 });
  // Small files: one POST that may be throttled, fail, or be handled with its answer lost.
  const postFault: fc.Arbitrary<FaultRule['action']> = fc.constantFrom<FaultRule['action']>(
    { type: 'status', status: 429, retryAfterSeconds: 0.01 },
    { type: 'status', status: 503, retryAfterSeconds: 0.01 },
    { type: 'status', status: 500 },
    { type: 'reset', afterBodyBytes: 0 },
    { type: 'reset', afterBodyBytes: 10_000_000 },
  );
  const postFaults = fc.array(fc.record({ nth: fc.integer({ min: 1, max: 3 }), action: postFault }), { maxLength: 2 });
  const downloadCut = fc.option(fc.integer({ min: 1, max: MAX_ATTACHMENT_BYTES }), { nil: undefined });

  it('stores the same bytes, once, in chunks within the limit', async () => {
    await fc.assert(
      fc.asyncProperty(size, chunk, faults, postFaults, downloadCut, async (bytes, chunkBytes, putFaults, smallFaults, cut) => {
        emu.graph.faults.clear();
        emu.files.faults.clear();
        taskId = emu.graph.addTask(listId, 'Property').id;
        emu.graph.clearRequests();
        // At most two expiries: three session restarts is where the engine is meant to give up.
        let expiries = 0;
        for (const f of putFaults) {
          if (f.action.type === 'expire-session' && ++expiries > 2) continue;
          emu.graph.faults.add({ match: { ...PUT_CHUNK, nth: f.nth }, action: f.action });
        }
        if (bytes < SMALL_UPLOAD_LIMIT) {
          for (const f of smallFaults) emu.graph.faults.add({ match: { method: 'POST', pathIncludes: '/attachments', nth: f.nth }, action: f.action });
        }
        if (cut !== undefined && cut < bytes) emu.files.faults.add({ match: { method: 'GET', nth: 1 }, action: { type: 'reset', afterBodyBytes: cut } });
        const file = host(bytes);
        const result = await upload(file, { chunkBytes });
        expect(result.sha256).toBe(file.sha256);
        expectDelivered(file, result);
      }),
      { numRuns: 25, seed: 20240601, endOnFailure: true },
    );
  });
});
