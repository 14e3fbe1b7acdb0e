import type http from 'node:http';
import type { z } from 'zod';

/** HTTP plumbing of the Bot Connector emulator: path decoding, JSON bodies, error answers. */

// Far above any real activity (Teams refuses messages over ~100 KB); only guards memory.
const MAX_BODY_BYTES = 1_048_576;

/** An error answer in the Bot Framework shape: `{ error: { code, message } }` with this status. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Splits the raw path first, then decodes: conversation ids hold `:` `@` `;` (and maybe `%2F`). */
export function pathSegments(url: string): string[] {
  const path = url.split('?')[0] ?? '';
  return path
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new HttpProblem(400, 'BadArgument', 'The path is not validly percent-encoded.');
      }
    });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function methodNotAllowed(): HttpProblem {
  return new HttpProblem(405, 'MethodNotAllowed', 'This method is not allowed on this route.');
}

export function parseOrProblem<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new HttpProblem(400, 'BadArgument', problems);
  }
  return parsed.data;
}

export async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new HttpProblem(413, 'MessageSizeTooBig', 'The request body is too large.');
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpProblem(400, 'BadArgument', 'The request body is not valid JSON.');
  }
}

export async function readActivity(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readJson(req);
  if (!isRecord(body) || typeof body.type !== 'string' || body.type === '') {
    throw new HttpProblem(400, 'BadArgument', 'The activity must be a JSON object with a type.');
  }
  return body;
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: http.ServerResponse, problem: HttpProblem): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, problem.status, { error: { code: problem.code, message: problem.message } });
}
