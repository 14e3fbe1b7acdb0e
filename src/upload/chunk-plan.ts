/**
 * Chunk sizes for To Do upload sessions. "Chunks are at most 4 MB" without saying which MB:
 * stay under both 4,000,000 and 4,194,304. Multiples of 320 KiB follow Graph's upload guidance.
 */
export const CHUNK_UNIT = 327_680; // 320 KiB
export const MAX_CHUNK_BYTES = 4_000_000;
export const DEFAULT_CHUNK_BYTES = 12 * CHUNK_UNIT; // 3,932,160
/**
 * How far the source is read ahead of the chunk being sent, while To Do considers it: enough to
 * cover the round trip between two PUTs (pipeline.ratio stays at 1.0 on an 8 MiB/s link both
 * ways), so a transfer holds one chunk plus at most this (issue 15: one chunk + 1 MiB).
 */
export const READ_AHEAD_BYTES = 1_048_576;
/** Files below this go through one POST with contentBytes ("small file: under 3 MB"). */
export const SMALL_UPLOAD_LIMIT = 3 * 1_048_576;

/** Returns a sentence describing why a chunk size is invalid, or undefined if it is fine. */
export function validateChunkSize(bytes: number): string | undefined {
  if (!Number.isInteger(bytes) || bytes <= 0) return 'must be a positive whole number of bytes';
  if (bytes % CHUNK_UNIT !== 0) return `must be a multiple of 327680 (320 KiB), got ${bytes}`;
  if (bytes > MAX_CHUNK_BYTES) return `must not exceed 4000000 (To Do's 4 MB chunk limit), got ${bytes}`;
  return undefined;
}

export interface ChunkSpan {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive (as in Content-Range). */
  end: number;
}

/** The next chunk to send starting at `offset` for a file of `total` bytes. */
export function nextChunk(offset: number, total: number, chunkBytes: number): ChunkSpan {
  if (offset < 0 || offset >= total) throw new RangeError(`offset ${offset} outside file of ${total} bytes`);
  return { start: offset, end: Math.min(offset + chunkBytes, total) - 1 };
}

/** Every chunk of a file uploaded from 0 without interruption. */
export function planChunks(total: number, chunkBytes: number): ChunkSpan[] {
  const spans: ChunkSpan[] = [];
  for (let offset = 0; offset < total; offset += chunkBytes) spans.push(nextChunk(offset, total, chunkBytes));
  return spans;
}

export function contentRange(span: ChunkSpan, total: number): string {
  return `bytes ${span.start}-${span.end}/${total}`;
}

/**
 * The next chunk inside a missing range the server named: never past the range's end, so a
 * server that asks for "0-999" and "5000-" gets exactly those bytes.
 */
export function nextChunkInRange(range: { start: number; end: number | undefined }, total: number, chunkBytes: number): ChunkSpan {
  const span = nextChunk(range.start, total, chunkBytes);
  return range.end === undefined ? span : { start: span.start, end: Math.min(span.end, range.end) };
}
