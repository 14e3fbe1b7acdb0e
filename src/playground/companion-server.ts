import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { BuiltInEmulators } from '../app';
import { AppError, toAppError } from '../errors';
import { hostIsLoopback } from '../http/loopback-host';
import { contentTypeFor } from '../sources/content-type';
import { channelFilePost, personalFileMessage, sharedFileAddress } from './file-activities';
import { BandwidthInput, FaultInput, NetworkControls } from './network-controls';
import type { PlaygroundApi } from './playground-api';
import { staticFile } from './static-files';
import { todoSnapshot } from './todo-snapshot';

/**
 * The companion page's server: the page itself and a small JSON API for what the Agents
 * Playground lacks — sending a file to the bot as Teams would, watching the To Do emulator,
 * and shaping or breaking the network. Loopback only. The page never sees a download URL:
 * this server builds the activity, so the file host's tempauth secret stays here.
 */

export type PlaygroundState = 'starting' | 'running' | 'unavailable' | 'disabled';

export interface PlaygroundStatus {
  state: PlaygroundState;
  /** Address to open in a browser, once known. */
  url?: string;
  /** Why it is not running, as a sentence. */
  reason?: string;
}

/** How the companion server reaches the Playground (which may be starting, running or absent). */
export interface PlaygroundLink {
  status(): PlaygroundStatus;
  /** The API of the running Playground; undefined unless `status().state === 'running'`. */
  api(): PlaygroundApi | undefined;
}

export interface CompanionOptions {
  emulators: BuiltInEmulators;
  playground: PlaygroundLink;
  logger: Logger;
  host?: string;
  port?: number;
}

export interface CompanionServer {
  url: string;
  port: number;
  network: NetworkControls;
  close(): Promise<void>;
}

/** A picked file is held in memory by the file host: keep it bounded. */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;
/** Generated files are produced on the fly, so they may be larger (e.g. to see the 25 MB refusal). */
export const MAX_GENERATED_BYTES = 1024 * 1024 * 1024;

const TARGETS = ['personal', 'channel'] as const;
type Target = (typeof TARGETS)[number];

const fileName = z
  .string({ error: 'must be text' })
  .trim()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  // Control characters and path separators do not occur in Teams file names.
  .refine((v) => !/[\u0000-\u001f\u007f/\\]/.test(v), 'must not contain slashes or control characters');

const GenerateInput = z.strictObject({
  name: fileName,
  size: z.number({ error: 'must be a number of bytes' }).int('must be a whole number').min(0, 'cannot be negative').max(MAX_GENERATED_BYTES, `must be at most ${MAX_GENERATED_BYTES} bytes`),
  target: z.enum(TARGETS, { error: 'must be personal or channel' }).default('personal'),
});

const JSON_LIMIT = 16 * 1024;

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

class HttpProblem extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function statusOf(err: AppError): number {
  if (err.code === 'BAD_REQUEST') return err.status !== undefined && err.status >= 400 && err.status < 500 ? 400 : 502;
  if (err.code === 'GRAPH_NOT_FOUND') return 404;
  if (err.code === 'NETWORK_ERROR') return 502;
  return 500;
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'The input is not valid.';
  const where = issue.path.length > 0 ? issue.path.join('.') : 'The input';
  return `${where} ${issue.message.replace(/\.$/, '')}.`;
}

export async function startCompanion(options: CompanionOptions): Promise<CompanionServer> {
  const { emulators, playground, logger } = options;
  const host = options.host ?? '127.0.0.1';
  const network = new NetworkControls(emulators);
  let port = 0;

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const readBody = async (req: IncomingMessage, limit: number, tooLarge: string): Promise<Buffer> => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > limit) throw new HttpProblem(413, tooLarge);
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      const b = chunk as Buffer;
      size += b.length;
      if (size > limit) throw new HttpProblem(413, tooLarge);
      parts.push(b);
    }
    return Buffer.concat(parts, size);
  };

  const readJson = async (req: IncomingMessage): Promise<unknown> => {
    const body = await readBody(req, JSON_LIMIT, 'The request is too large.');
    try {
      return JSON.parse(body.toString('utf8')) as unknown;
    } catch {
      throw new HttpProblem(400, 'The body must be JSON.');
    }
  };

  const runningPlayground = (): PlaygroundApi => {
    const api = playground.api();
    if (api) return api;
    const s = playground.status();
    const why = s.state === 'starting' ? 'The Agents Playground is still starting; try again in a few seconds.' : `The Agents Playground is not running${s.reason ? `: ${s.reason}` : '.'}`;
    throw new HttpProblem(503, why);
  };

  /** Puts the file where the bot can download it and has the Playground deliver the message. */
  const deliver = async (file: { id: string; name: string; url: string; size: number; sha256: string }, target: Target) => {
    const api = runningPlayground();
    const ids = await api.config();
    if (target === 'personal') {
      const template = await api.template(ids.personalChatId);
      await api.sendCustomActivity(personalFileMessage(template, ids, file));
      logger.info({ file: file.name, size: file.size }, 'companion page: sent a file message to the bot in the personal chat');
      return { name: file.name, size: file.size, sha256: file.sha256, target, where: `your personal chat with ${ids.bot.name}` };
    }
    if (!ids.channel) throw new HttpProblem(409, 'The Agents Playground has no team channel to post in.');
    // A message action reads a channel file through Graph /shares, as in Teams: the Graph
    // emulator must know the post's address and redirect its content to the file host.
    emulators.graph.addSharedFile({ webUrl: sharedFileAddress(file), name: file.name, size: file.size, downloadUrl: file.url, mimeType: contentTypeFor(file.name) });
    await api.postToConversation(ids.channel.id, channelFilePost(ids, file));
    logger.info({ file: file.name, size: file.size }, 'companion page: posted a channel message with a file');
    return { name: file.name, size: file.size, sha256: file.sha256, target, where: `${ids.channel.teamName} › ${ids.channel.name}` };
  };

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const key = `${req.method ?? 'GET'} ${url.pathname}`;
    switch (key) {
      case 'GET /api/status':
        send(res, 200, { playground: playground.status(), limits: { maxUploadBytes: MAX_UPLOAD_BYTES, maxGeneratedBytes: MAX_GENERATED_BYTES } });
        return;
      case 'POST /api/files': {
        const name = fileName.safeParse(url.searchParams.get('name') ?? '');
        if (!name.success) throw new HttpProblem(400, `The file name ${name.error.issues[0]?.message ?? 'is not valid'}.`);
        const target = z.enum(TARGETS).safeParse(url.searchParams.get('target') ?? 'personal');
        if (!target.success) throw new HttpProblem(400, 'target must be personal or channel.');
        runningPlayground();
        const content = await readBody(req, MAX_UPLOAD_BYTES, `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB; use a generated file to try larger sizes.`);
        const hosted = emulators.files.addFile({ name: name.data, content, contentType: contentTypeFor(name.data) });
        send(res, 200, await deliver(hosted, target.data));
        return;
      }
      case 'POST /api/files/generate': {
        const input = GenerateInput.safeParse(await readJson(req));
        if (!input.success) throw new HttpProblem(400, describe(input.error));
        runningPlayground();
        const hosted = emulators.files.addFile({ name: input.data.name, size: input.data.size, seed: randomInt(1, 2 ** 31), contentType: contentTypeFor(input.data.name) });
        send(res, 200, await deliver(hosted, input.data.target));
        return;
      }
      case 'GET /api/todo':
        send(res, 200, todoSnapshot(emulators.graph));
        return;
      case 'GET /api/todo/attachment': {
        const list = url.searchParams.get('list') ?? '';
        const task = url.searchParams.get('task') ?? '';
        const id = url.searchParams.get('id') ?? '';
        const meta = emulators.graph.attachments(list, task).find((a) => a.id === id);
        if (!meta) throw new HttpProblem(404, 'That attachment does not exist (any more).');
        const bytes = emulators.graph.attachmentBytes(list, task, id);
        res.writeHead(200, {
          ...SECURITY_HEADERS,
          'content-type': meta.contentType,
          'content-length': bytes.length,
          'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(meta.name)}`,
          'x-content-sha256': meta.sha256,
        });
        res.end(bytes);
        return;
      }
      case 'GET /api/network':
        send(res, 200, network.state());
        return;
      case 'PUT /api/network/bandwidth': {
        const input = BandwidthInput.safeParse(await readJson(req));
        if (!input.success) throw new HttpProblem(400, describe(input.error));
        network.setBandwidth(input.data.bytesPerSecond);
        logger.info({ bytesPerSecond: input.data.bytesPerSecond }, 'companion page: bandwidth limit changed');
        send(res, 200, network.state());
        return;
      }
      case 'POST /api/network/faults': {
        const input = FaultInput.safeParse(await readJson(req));
        if (!input.success) throw new HttpProblem(400, describe(input.error));
        const armed = network.arm(input.data.kind);
        logger.info({ fault: input.data.kind }, 'companion page: fault armed on the Graph emulator');
        send(res, 200, { armed, ...network.state() });
        return;
      }
      case 'DELETE /api/network/faults':
        network.clearFaults();
        send(res, 200, network.state());
        return;
      default:
        break;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      const file = staticFile(url.pathname);
      if (file) {
        res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': file.contentType, 'content-length': file.body.length });
        res.end(req.method === 'HEAD' ? undefined : file.body);
        return;
      }
    }
    throw new HttpProblem(404, 'There is nothing here.');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      // DNS rebinding: a page from another site may resolve its own name to 127.0.0.1.
      if (!hostIsLoopback(req, port)) throw new HttpProblem(421, 'Open this page as http://127.0.0.1 or http://localhost.');
      // Cross-site requests: a custom header cannot be sent without a CORS preflight, which
      // this server never grants, so only the page itself can change anything.
      if (req.method !== 'GET' && req.method !== 'HEAD' && req.headers['x-companion'] !== '1') throw new HttpProblem(403, 'Requests that change something must come from the companion page.');
      await route(req, res, new URL(req.url ?? '/', 'http://companion.invalid'));
    } catch (err) {
      if (!(err instanceof HttpProblem)) logger.warn({ err: toAppError(err).toLog() }, 'companion page request failed');
      const status = err instanceof HttpProblem ? err.status : statusOf(toAppError(err));
      const message = err instanceof HttpProblem || err instanceof AppError ? err.message : 'Something went wrong; see the terminal for details.';
      if (res.headersSent) res.destroy();
      else {
        // Unread upload bytes: answer, then close instead of reading megabytes we refuse.
        if (!req.complete) res.setHeader('connection', 'close');
        send(res, status, { error: message });
      }
    }
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    network,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
