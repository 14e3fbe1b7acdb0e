import {
  CHUNK_UNIT,
  contentRange,
  DEFAULT_CHUNK_BYTES,
  MAX_CHUNK_BYTES,
  nextChunk,
  nextChunkInRange,
  planChunks,
  SMALL_UPLOAD_LIMIT,
  validateChunkSize,
} from '../../../src/upload/chunk-plan';
import { parseRange, parseRanges, readNextExpectedRanges, resumeOffset } from '../../../src/upload/ranges';

describe('chunk sizes', () => {
  it('the default is 12 × 320 KiB, under both readings of "4 MB"', () => {
    expect(DEFAULT_CHUNK_BYTES).toBe(3_932_160);
    expect(DEFAULT_CHUNK_BYTES).toBeLessThan(4_000_000);
    expect(validateChunkSize(DEFAULT_CHUNK_BYTES)).toBeUndefined();
    expect(SMALL_UPLOAD_LIMIT).toBe(3_145_728);
  });

  it.each([
    [CHUNK_UNIT, undefined],
    [12 * CHUNK_UNIT, undefined],
    [13 * CHUNK_UNIT, 'must not exceed 4000000'], // 4,259,840
    [2_097_152, 'multiple of 327680'], // the documentation's example chunk
    [0, 'positive'],
    [-CHUNK_UNIT, 'positive'],
    [1.5, 'positive'],
  ])('validateChunkSize(%d)', (bytes, problem) => {
    const result = validateChunkSize(bytes);
    if (problem === undefined) expect(result).toBeUndefined();
    else expect(result).toContain(problem);
  });

  it('no valid chunk size exceeds the 4 MB limit', () => {
    for (let k = 1; k * CHUNK_UNIT <= 5_000_000; k++) {
      if (validateChunkSize(k * CHUNK_UNIT) === undefined) expect(k * CHUNK_UNIT).toBeLessThanOrEqual(MAX_CHUNK_BYTES);
    }
  });
});

describe('planning chunks', () => {
  it("splits the documentation's 3,483,322-byte example as its Content-Range headers say", () => {
    // The page uses 2,097,152-byte chunks; the planner itself takes any size.
    expect(planChunks(3_483_322, 2_097_152).map((s) => contentRange(s, 3_483_322))).toEqual([
      'bytes 0-2097151/3483322',
      'bytes 2097152-3483321/3483322',
    ]);
  });

  it.each([
    [1, 1],
    [DEFAULT_CHUNK_BYTES, 1],
    [DEFAULT_CHUNK_BYTES + 1, 2],
    [26_214_400, 7],
  ])('%d bytes → %d chunks covering every byte once', (size, count) => {
    const spans = planChunks(size, DEFAULT_CHUNK_BYTES);
    expect(spans).toHaveLength(count);
    expect(spans[0]?.start).toBe(0);
    expect(spans.at(-1)?.end).toBe(size - 1);
    for (let i = 1; i < spans.length; i++) expect(spans[i]?.start).toBe((spans[i - 1]?.end ?? -2) + 1);
  });

  it('nothing to plan for 0 bytes; nextChunk refuses offsets outside the file', () => {
    expect(planChunks(0, DEFAULT_CHUNK_BYTES)).toEqual([]);
    expect(() => nextChunk(10, 10, CHUNK_UNIT)).toThrow(RangeError);
    expect(() => nextChunk(-1, 10, CHUNK_UNIT)).toThrow(RangeError);
  });

  it('a chunk never passes the end of a closed range the server named', () => {
    expect(nextChunkInRange({ start: 0, end: 999 }, 10_000, CHUNK_UNIT)).toEqual({ start: 0, end: 999 });
    expect(nextChunkInRange({ start: 5000, end: undefined }, 10_000, 4096)).toEqual({ start: 5000, end: 9095 });
    expect(nextChunkInRange({ start: 5000, end: 99_999 }, 10_000, CHUNK_UNIT)).toEqual({ start: 5000, end: 9999 });
  });
});

describe('range parsing', () => {
  it.each([
    ['2097152', { start: 2_097_152, end: undefined }],
    ['2097152-', { start: 2_097_152, end: undefined }],
    ['2097152-3483321', { start: 2_097_152, end: 3_483_321 }],
    [' 0 - 9 ', { start: 0, end: 9 }],
  ])('parseRange(%j)', (text, range) => {
    expect(parseRange(text)).toEqual(range);
  });

  it.each(['', 'abc', '-5', '10-5', 'bytes 0-1'])('rejects %j', (text) => {
    expect(() => parseRange(text)).toThrow(RangeError);
  });

  it('sorts ranges and resumes from the earliest missing byte, whichever the server lists first', () => {
    const ranges = parseRanges(['5000-', '0-999']);
    expect(ranges.map((r) => r.start)).toEqual([0, 5000]);
    expect(resumeOffset(parseRanges(['5000-', '1000-1999']))).toBe(1000);
    expect(resumeOffset([])).toBeUndefined();
  });

  it('reads nextExpectedRanges whatever the key case (create is camelCase, chunk answers PascalCase)', () => {
    expect(readNextExpectedRanges({ nextExpectedRanges: ['0-'] })).toEqual(['0-']);
    expect(readNextExpectedRanges({ NextExpectedRanges: ['2097152'] })).toEqual(['2097152']);
    expect(readNextExpectedRanges({ NEXTEXPECTEDRANGES: ['1-', 7] })).toEqual(['1-']);
    expect(readNextExpectedRanges({ other: 1 })).toBeUndefined();
    expect(readNextExpectedRanges(null)).toBeUndefined();
  });
});
