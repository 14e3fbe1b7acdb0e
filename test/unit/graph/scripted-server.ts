import { createHash } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TokenProvider } from '../../../src/graph/types';

/** A real HTTP server on port 0 whose answers a test scripts, recording every request. */

export interface RecordedRequest {
  method: string;
  /** Raw request target as sent (path + query, still percent-encoded). */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  sha256: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
}

/** 'hang' never answers; 'reset' drops the connection. */
export type Handler = (req: RecordedRequest, index: number, origin: string) => Reply | 'hang' | 'reset' | Promise<Reply | 'hang' | 'reset'>;

export interface ScriptedServer {
  origin: string;
  /** origin + '/v1.0', like the Graph root. */
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startScriptedServer(handler: Handler): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  let origin = '';
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    const hash = createHash('sha256');
    req.on('data', (d: Buffer) => {
      parts.push(d);
      hash.update(d);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(parts),
        sha256: hash.digest('hex'),
      };
      requests.push(recorded);
      void Promise.resolve(handler(recorded, requests.length - 1, origin)).then((reply) => {
        if (reply === 'hang') return;
        if (reply === 'reset') {
          req.socket.destroy();
          return;
        }
        const body = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? '');
        const headers: Record<string, string> = { ...(reply.json !== undefined ? { 'content-type': 'application/json' } : {}), ...reply.headers };
        res.writeHead(reply.status, headers);
        res.end(body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    baseUrl: `${origin}/v1.0`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A token provider that hands out tok-1, tok-2… and records whether each ask forced a refresh. */
export function countingTokens(): TokenProvider & { calls: Array<{ forceRefresh: boolean }> } {
  const calls: Array<{ forceRefresh: boolean }> = [];
  const provider = async (options?: { forceRefresh?: boolean }): Promise<string> => {
    const forceRefresh = options?.forceRefresh === true;
    calls.push({ forceRefresh });
    // A forced refresh yields a new token; otherwise the cached one.
    const refreshes = calls.filter((c) => c.forceRefresh).length;
    return `tok-${refreshes + 1}`;
  };
  return Object.assign(provider, { calls });
}

export const TEST_POLICY = { maxAttempts: 4, maxTotalMs: 10_000, baseDelayMs: 1, maxDelayMs: 5, random: () => 0 };

/**
 * For a test file: `serve` starts scripted servers and `track` registers clients; both are
 * closed after each test.
 */
export function scriptedServers(): {
  serve(handler: Handler): Promise<ScriptedServer>;
  track<T extends { close(): Promise<void> }>(client: T): T;
} {
  const servers: ScriptedServer[] = [];
  const clients: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return {
    async serve(handler) {
      const s = await startScriptedServer(handler);
      servers.push(s);
      return s;
    },
    track(client) {
      clients.push(client);
      return client;
    },
  };
}
