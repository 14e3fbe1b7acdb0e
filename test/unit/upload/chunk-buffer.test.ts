import { createHash, randomBytes } from 'node:crypto';
import { ChunkBuffer } from '../../../src/upload/chunk-buffer';
import { OrderedHasher } from '../../../src/upload/hashing';
import { TestSource } from './fixtures';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('OrderedHasher', () => {
  it('hashes each byte once, in order, however often pieces are replayed', async () => {
    const bytes = randomBytes(10_000);
    const h = new OrderedHasher();
    h.update(0, bytes.subarray(0, 4000));
    h.update(0, bytes.subarray(0, 4000)); // replayed chunk
    h.update(3000, bytes.subarray(3000, 7000)); // overlaps what was hashed
    h.update(7000, bytes.subarray(7000));
    expect(h.digest(bytes.length)).toBe(sha(bytes));
  });

  it('gives no digest after a gap or when incomplete', async () => {
    const bytes = randomBytes(100);
    const gap = new OrderedHasher();
    gap.update(0, bytes.subarray(0, 10));
    gap.update(20, bytes.subarray(20));
    expect(gap.intact).toBe(false);
    expect(gap.digest(100)).toBeUndefined();
    const short = new OrderedHasher();
    short.update(0, bytes.subarray(0, 50));
    expect(short.digest(100)).toBeUndefined();
  });
});

async function drain(gen: AsyncGenerator<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of gen) parts.push(p);
  return Buffer.concat(parts);
}

function setup(size: number, opts: { failAt?: number[]; skipByReading?: boolean } = {}) {
  const bytes = randomBytes(size);
  const source = new TestSource(bytes, { failAt: opts.failAt, pieceBytes: 10_000 });
  const hasher = new OrderedHasher();
  const controller = new AbortController();
  const buffer = new ChunkBuffer({ source, total: size, hasher, signal: controller.signal, skipByReading: opts.skipByReading ?? true });
  return { bytes, source, hasher, buffer, controller };
}

describe('ChunkBuffer', () => {
  const live = new AbortController().signal;

  it('gives exactly the bytes of each range, cut at chunk boundaries, and replays from memory', async () => {
    const { bytes, source, buffer, hasher } = setup(100_000);
    expect((await drain(buffer.range(0, 25_000, live))).equals(bytes.subarray(0, 25_000))).toBe(true);
    // The piece that ran past the boundary went back to the stream, not into the buffer.
    expect(buffer.held).toBe(25_000);
    // A failed PUT is replayed from memory.
    expect((await drain(buffer.range(0, 25_000, live))).equals(bytes.subarray(0, 25_000))).toBe(true);
    await buffer.seek(25_000);
    expect(buffer.held).toBe(0);
    expect((await drain(buffer.range(25_000, 100_000, live))).equals(bytes.subarray(25_000))).toBe(true);
    expect(source.opens).toEqual([0]);
    expect(hasher.digest(100_000)).toBe(sha(bytes));
    buffer.close();
  });

  it('serves an offset inside the buffer (partial acceptance) without reopening', async () => {
    const { bytes, source, buffer } = setup(50_000);
    await drain(buffer.range(0, 30_000, live));
    await buffer.seek(12_345);
    expect((await drain(buffer.range(12_345, 50_000, live))).equals(bytes.subarray(12_345))).toBe(true);
    expect(source.opens).toEqual([0]);
    buffer.close();
  });

  it('reopens the source for an offset behind the buffer, hashing nothing twice', async () => {
    const { bytes, source, buffer, hasher } = setup(50_000);
    await drain(buffer.range(0, 30_000, live));
    await buffer.seek(30_000);
    await buffer.seek(0); // a new session starts from byte 0
    expect((await drain(buffer.range(0, 50_000, live))).equals(bytes)).toBe(true);
    expect(source.opens).toEqual([0, 0]);
    expect(hasher.digest(50_000)).toBe(sha(bytes));
    buffer.close();
  });

  it('skips ahead by reading through (keeping the digest) or by reopening (a resumed session)', async () => {
    const reading = setup(60_000);
    await reading.buffer.seek(40_000);
    expect((await drain(reading.buffer.range(40_000, 60_000, live))).equals(reading.bytes.subarray(40_000))).toBe(true);
    expect(reading.source.opens).toEqual([0]);
    expect(reading.hasher.digest(60_000)).toBe(sha(reading.bytes));
    expect(reading.buffer.highWater).toBeLessThanOrEqual(20_000);
    reading.buffer.close();

    const reopening = setup(60_000, { skipByReading: false });
    await reopening.buffer.seek(40_000);
    expect((await drain(reopening.buffer.range(40_000, 60_000, live))).equals(reopening.bytes.subarray(40_000))).toBe(true);
    expect(reopening.source.opens).toEqual([40_000]);
    expect(reopening.hasher.digest(60_000)).toBeUndefined();
    reopening.buffer.close();
  });

  it('a source failure mid-range is kept for the engine, and the next read reopens at the first byte not buffered', async () => {
    const { bytes, source, buffer } = setup(50_000, { failAt: [17_000] });
    await expect(drain(buffer.range(0, 30_000, live))).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', retryable: true });
    expect(buffer.takeFailure()).toMatchObject({ code: 'DOWNLOAD_FAILED' });
    expect(buffer.takeFailure()).toBeUndefined();
    expect(buffer.held).toBe(17_000);
    expect((await drain(buffer.range(0, 50_000, live))).equals(bytes)).toBe(true);
    expect(source.opens).toEqual([0, 17_000]);
    buffer.close();
  });

  it('reads ahead at most up to the limit it is given', async () => {
    const { buffer } = setup(100_000);
    await drain(buffer.range(0, 20_000, live, () => buffer.prefetch(45_000)));
    for (let i = 0; i < 20 && buffer.held < 45_000; i++) await new Promise((r) => setImmediate(r));
    expect(buffer.held).toBe(45_000);
    expect(buffer.highWater).toBe(45_000);
    buffer.close();
  });

  it('stops a range once its PUT is over', async () => {
    const { buffer } = setup(100_000);
    const stop = new AbortController();
    const gen = buffer.range(0, 100_000, stop.signal);
    await gen.next();
    stop.abort();
    const rest = await drain(gen);
    expect(rest.length).toBeLessThan(100_000);
    buffer.close();
  });

  it('refuses a source shorter or longer than the size it announced', async () => {
    const bytes = randomBytes(1000);
    for (const [total, code] of [[1200, 'SOURCE_SIZE_MISMATCH'], [800, 'SOURCE_SIZE_MISMATCH']] as const) {
      const buffer = new ChunkBuffer({ source: new TestSource(bytes), total, hasher: new OrderedHasher(), signal: live, skipByReading: true });
      await expect(drain(buffer.range(0, total, live))).rejects.toMatchObject({ code });
      buffer.close();
    }
  });
});

