import type { IncomingMessage } from 'node:http';

/**
 * Reads a request body as JSON without help from restify's bodyParser, which inflates gzip
 * without bound (its size limit counts compressed bytes) and writes multipart file parts to
 * TMPDIR before anyone is authenticated. Here: only uncompressed `application/json`, the limit
 * counts the bytes actually read, nothing touches the disk, and the headers are checked before a
 * single body byte is read.
 */

export class BodyRefused extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = 'BodyRefused';
  }
}

const UNSUPPORTED = 'The body must be uncompressed application/json.';

/** 415 unless the headers announce uncompressed JSON (UTF-8 is the only charset JSON allows). */
export function checkJsonHeaders(req: Pick<IncomingMessage, 'headers'>): void {
  const type = req.headers['content-type'];
  if (typeof type !== 'string') throw new BodyRefused(415, UNSUPPORTED);
  const [mediaType = '', ...params] = type.split(';').map((p) => p.trim().toLowerCase());
  if (mediaType !== 'application/json') throw new BodyRefused(415, UNSUPPORTED);
  for (const p of params) {
    if (p === '') continue;
    const [name, value] = p.split('=').map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
    if (name !== 'charset' || (value !== 'utf-8' && value !== 'utf8')) throw new BodyRefused(415, UNSUPPORTED);
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') throw new BodyRefused(415, UNSUPPORTED);
}

/**
 * The body as a JSON object. 413 as soon as more than `maxBytes` arrive (or are announced),
 * 400 when it is not UTF-8 JSON or not an object.
 */
export async function readJsonObject(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  checkJsonHeaders(req);
  const tooLarge = `The body is larger than ${maxBytes} bytes.`;
  if (announcedTooLarge(req, maxBytes)) throw new BodyRefused(413, tooLarge);
  const body = await readUpTo(req, maxBytes, tooLarge);
  let value: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    value = JSON.parse(text);
  } catch {
    throw new BodyRefused(400, 'The body must be a JSON object in UTF-8.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BodyRefused(400, 'The body must be a JSON object.');
  return value as Record<string, unknown>;
}

/**
 * Collects at most `maxBytes`. Past the limit it stops collecting but leaves the stream flowing
 * (not destroyed): the rest is discarded as it arrives, so the client still reads the 413 instead
 * of a reset, and the server's requestTimeout bounds how long that may take.
 */
function readUpTo(req: IncomingMessage, maxBytes: number, tooLarge: string): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const done = (err?: Error): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.on('error', () => undefined);
      if (err) reject(err);
      else resolve(Buffer.concat(parts, size));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        parts.length = 0;
        done(new BodyRefused(413, tooLarge));
        req.resume();
        return;
      }
      parts.push(chunk);
    };
    const onEnd = (): void => done();
    const onError = (err: Error): void => done(err);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
  });
}

/** True when the client announced more than `maxBytes`: not worth reading, close the connection instead. */
export function announcedTooLarge(req: Pick<IncomingMessage, 'headers'>, maxBytes: number): boolean {
  const declared = req.headers['content-length'];
  return declared !== undefined && Number(declared) > maxBytes;
}
