/**
 * Parsing of upload-session ranges. Graph answers `"2097152"` (open) or `"2097152-3483321"`
 * (closed); the key is `nextExpectedRanges` on create and `NextExpectedRanges` on chunk
 * answers, so it is read case-insensitively.
 */
export interface ByteRange {
  start: number;
  /** Inclusive end, or undefined when the range is open ("start-" or "start"). */
  end: number | undefined;
}

export function parseRange(text: string): ByteRange {
  const m = /^\s*(\d+)\s*(?:-\s*(\d*)\s*)?$/.exec(text);
  if (!m || m[1] === undefined) throw new RangeError(`not a byte range: ${JSON.stringify(text)}`);
  const start = Number(m[1]);
  const end = m[2] === undefined || m[2] === '' ? undefined : Number(m[2]);
  if (end !== undefined && end < start) throw new RangeError(`range ends before it starts: ${JSON.stringify(text)}`);
  return { start, end };
}

export function parseRanges(values: readonly string[]): ByteRange[] {
  return values.map(parseRange).sort((a, b) => a.start - b.start);
}

/** Reads `nextExpectedRanges` from a JSON body whatever the key's case. */
export function readNextExpectedRanges(body: unknown): string[] | undefined {
  if (!body || typeof body !== 'object') return undefined;
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key.toLowerCase() === 'nextexpectedranges' && Array.isArray(value)) {
      return value.filter((v): v is string => typeof v === 'string');
    }
  }
  return undefined;
}

/**
 * Where to continue: the first missing byte the server names. Any range may be named (not
 * only the first one the client expects), so the earliest start wins.
 */
export function resumeOffset(ranges: readonly ByteRange[]): number | undefined {
  let best: number | undefined;
  for (const r of ranges) if (best === undefined || r.start < best) best = r.start;
  return best;
}
