import { createHash } from 'node:crypto';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExchangeDeduplicator, type ConditionalRecordStore } from '../../../src/identity/exchange-dedup';
import { FileRecordStore } from '../../../src/jobs/record-store';

/**
 * The record contract any ConditionalRecordStore must keep (the file store today; an Azure
 * Storage one would run the same checks), and the de-duplication built on it.
 */
describe('FileRecordStore: ETag-guarded records', () => {
  let dir: string;
  let store: FileRecordStore;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'records-'));
    store = await FileRecordStore.open(dir);
  });
  afterEach(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  contract(() => store);

  it('old records are swept while the store is open (a server running for months), not only when it opens', async () => {
    const running = await FileRecordStore.open(dir, { maxAgeMs: 60_000, sweepIntervalMs: 5 });
    try {
      await running.createIfAbsent('old', 'x');
      await running.createIfAbsent('fresh', 'y');
      const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
      await utimes(path.join(running.dir, `${createHash('sha256').update('old').digest('hex')}.json`), tenMinutesAgo, tenMinutesAgo);
      // Waits for the sweep (an event), bounded so a store that never sweeps fails instead of hanging.
      const deadline = Date.now() + 10_000;
      while ((await running.read('old')) !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect(await running.read('old')).toBeUndefined();
      expect((await running.read('fresh'))?.value).toBe('y');
    } finally {
      running.close();
    }
  });

  it('keys of any text are safe file names inside DATA_DIR/records', async () => {
    await store.createIfAbsent('../../etc/passwd', 'x');
    expect((await store.read('../../etc/passwd'))?.value).toBe('x');
  });
});

function contract(get: () => ConditionalRecordStore): void {
  it('creates once: If-None-Match', async () => {
    const s = get();
    const etag = await s.createIfAbsent('k', 'one');
    expect(etag).toEqual(expect.any(String));
    expect(await s.createIfAbsent('k', 'two')).toBeUndefined();
    expect(await s.read('k')).toEqual({ value: 'one', etag });
    expect(await s.read('missing')).toBeUndefined();
  });

  it('of many concurrent creations exactly one wins', async () => {
    const s = get();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => s.createIfAbsent('race', `v${i}`)));
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
  });

  it('replaces only with the current ETag: If-Match', async () => {
    const s = get();
    const first = (await s.createIfAbsent('k', 'one')) as string;
    const second = await s.replaceIf('k', 'two', first);
    expect(second).toEqual(expect.any(String));
    expect(await s.replaceIf('k', 'three', first)).toBeUndefined();
    expect((await s.read('k'))?.value).toBe('two');
    const both = await Promise.all([s.replaceIf('k', 'a', second as string), s.replaceIf('k', 'b', second as string)]);
    expect(both.filter((r) => r !== undefined)).toHaveLength(1);
  });
}

describe('ExchangeDeduplicator', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dedup-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const ref = { channelId: 'msteams', conversationId: 'a:1', userId: '29:megan', exchangeId: 'e1' };

  it('the same exchange from three Teams clients at once: exactly one claim', async () => {
    const dedup = new ExchangeDeduplicator(await FileRecordStore.open(dir));
    const claims = await Promise.all([dedup.claim(ref), dedup.claim(ref), dedup.claim(ref)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await dedup.claim(ref)).toBe(false);
    expect(await dedup.claim({ ...ref, exchangeId: 'e2' })).toBe(true);
    expect(await dedup.claim({ ...ref, conversationId: 'a:2' })).toBe(true);
  });

  it('is per user: another user’s exchange with the same id in the same conversation is processed (and does not block theirs)', async () => {
    const dedup = new ExchangeDeduplicator(await FileRecordStore.open(dir));
    expect(await dedup.claim({ ...ref, userId: '29:adele' })).toBe(true);
    expect(await dedup.claim(ref)).toBe(true);
    expect(await dedup.claim(ref)).toBe(false);
  });

  it('holds across a restart (a new store on the same DATA_DIR), and expires after its time', async () => {
    let now = 1_000_000;
    const first = new ExchangeDeduplicator(await FileRecordStore.open(dir), 60_000, () => now);
    expect(await first.claim(ref)).toBe(true);
    const again = new ExchangeDeduplicator(await FileRecordStore.open(dir), 60_000, () => now);
    expect(await again.claim(ref)).toBe(false);
    now += 61_000;
    const later = await Promise.all([again.claim(ref), again.claim(ref)]);
    expect(later.filter(Boolean)).toHaveLength(1);
  });
});
