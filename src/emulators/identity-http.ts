import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Faults } from './faults';
import { applyFaults, closeServer, Exchange, handleAdmin, httpError, listen, origin, type RequestLogEntry, unlimitedAbortController } from './http-util';
import { Shaping } from './shaping';

/** Small HTTP helpers shared by the identity emulators (Entra ID, OpenID, token service). */

const FORM_LIMIT = 64 * 1024;

/** An `application/x-www-form-urlencoded` body (OAuth token requests). */
export async function readForm(ex: Exchange): Promise<URLSearchParams> {
  const type = ex.req.headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw httpError(400, 'The request body must be application/x-www-form-urlencoded.', 'invalid_request');
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of ex.body()) {
    size += chunk.length;
    if (size > FORM_LIMIT) throw httpError(413, 'The request body is too large.', 'invalid_request');
    parts.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(parts).toString('utf8'));
}

/** The bearer token of a request, or undefined. */
export function bearerOf(ex: Exchange): string | undefined {
  const h = ex.req.headers.authorization;
  const m = h === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

/** Sends a small HTML page (the emulated sign-in pages). */
export function sendHtml(ex: Exchange, status: number, title: string, bodyHtml: string): Promise<void> {
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
button{font-size:1rem;padding:.5rem 1.2rem}#code{font-size:2rem;letter-spacing:.3rem;font-weight:bold}</style>
</head><body>${bodyHtml}</body></html>`;
  const body = Buffer.from(page, 'utf8');
  return ex.send(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, 'cache-control': 'no-store' }, body);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An OAuth 2.0 error answer (`{ error, error_description }`), as Entra ID sends them. */
export function sendOAuthError(ex: Exchange, status: number, error: string, description: string): Promise<void> {
  return ex.sendJson(status, { error, error_description: description, error_codes: [], timestamp: new Date().toISOString(), trace_id: ex.requestId, correlation_id: ex.clientRequestId });
}

/**
 * The common frame of the identity emulators: an HTTP server on loopback, a fault list applied
 * to every service request, the shared `/_emulator/…` admin routes, and a request log.
 */
export abstract class IdentityEmulatorServer {
  readonly faults = new Faults();
  /** Every service request (admin routes excluded), in arrival order. */
  readonly requests: RequestLogEntry[] = [];
  readonly origin: string;
  private readonly shaping = new Shaping();
  protected readonly closing = unlimitedAbortController();

  protected constructor(
    private readonly server: Server,
    readonly port: number,
    host: string,
  ) {
    this.origin = origin(host, port);
  }

  /** Creates the server and binds it; `make` builds the emulator once the port is known. */
  protected static async listenWith<T extends IdentityEmulatorServer>(host: string, port: number, make: (server: Server, port: number) => T): Promise<T> {
    let emulator: T | undefined;
    const server = createServer((req, res) => {
      if (emulator) void emulator.dispatch(req, res);
      else res.destroy();
    });
    const bound = await listen(server, host, port);
    emulator = make(server, bound);
    return emulator;
  }

  async close(): Promise<void> {
    this.closing.abort();
    await closeServer(this.server);
  }

  /** What `GET /_emulator/state` shows besides faults. */
  protected abstract state(): Record<string, unknown>;
  /** Handles one service request (faults already applied). */
  protected abstract route(ex: Exchange): Promise<void>;

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const admin = (req.url ?? '').startsWith('/_emulator/');
    const ex = new Exchange(req, res, { shaping: undefined, signal: this.closing.signal });
    try {
      if (admin) {
        await handleAdmin(ex, { faults: this.faults, shaping: this.shaping, state: () => this.state() });
        return;
      }
      const entry: RequestLogEntry = { method: ex.method, path: ex.rawPath, status: 0 };
      this.requests.push(entry);
      ex.logEntry = entry;
      const { handled } = await applyFaults(ex, this.faults, this.closing.signal);
      if (handled) return;
      await this.route(ex);
    } catch (err) {
      await ex.fail(err);
    }
  }
}
