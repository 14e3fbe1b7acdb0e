import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createBufferSource } from '../../../src/sources/buffer-source';
import { createFileSource } from '../../../src/sources/file-source';

async function readAll(stream: Readable): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const p of stream) pieces.push(p as Buffer);
  return Buffer.concat(pieces);
}

const BYTES = randomBytes(200_000);
const signal = (): AbortSignal => new AbortController().signal;

describe('createFileSource', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'file-source-test-'));
    file = path.join(dir, 'data.bin');
    await writeFile(file, BYTES);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads from any offset and probes the size', async () => {
    const source = createFileSource(file);
    expect(source.size).toBeUndefined();
    expect(await source.probeSize?.(signal())).toBe(BYTES.length);
    expect((await readAll(await source.open(0, signal()))).equals(BYTES)).toBe(true);
    expect((await readAll(await source.open(150_001, signal()))).equals(BYTES.subarray(150_001))).toBe(true);
  });

  it('a missing file fails open() itself', async () => {
    await expect(createFileSource(path.join(dir, 'missing')).open(0, signal())).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('createBufferSource', () => {
  it('reads from any offset, with or without announcing its size', async () => {
    expect(createBufferSource(BYTES).size).toBe(BYTES.length);
    const hidden = createBufferSource(BYTES, { announceSize: false, pieceBytes: 1000 });
    expect(hidden.size).toBeUndefined();
    expect((await readAll(await hidden.open(12_345, signal()))).equals(BYTES.subarray(12_345))).toBe(true);
  });

  it('stops when its signal aborts', async () => {
    const controller = new AbortController();
    const stream = await createBufferSource(BYTES, { pieceBytes: 10 }).open(0, controller.signal);
    controller.abort();
    await expect(readAll(stream)).rejects.toBeDefined();
  });
});
