import restify from 'restify';
import type { Logger } from 'pino';
import { announcedTooLarge, BodyRefused, checkJsonHeaders, readJsonObject } from './http/json-body';
import { hostIsLoopback } from './http/loopback-host';
import type { ReadinessReport } from './observability/readiness';

/** Bounds on what one client can hold: connections, slow headers and bodies, idle keep-alive. */
export interface HttpLimits {
  /** Open connections at most; more are dropped at once (Node's server.maxConnections). */
  maxConnections: number;
  /** Time to receive a request's headers (slowloris). */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included (a dripping 1 MiB body). */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open; above the front proxy's own idle timeout. */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxConnections: 1000,
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
};

/** Far above any Teams activity (Teams refuses messages over ~100 KB); counted after decoding. */
export const MAX_ACTIVITY_BYTES = 1_048_576;

export interface ServerDeps {
  /** Authenticates one inbound activity (already parsed into req.body) and runs the bot on it (src/teams/authenticated-handler.ts). */
  handleActivity: (req: restify.Request, res: restify.Response) => Promise<void>;
  logger: Logger;
  /** True once stored jobs are loaded: /healthz answers 200 only then. */
  isReady: () => boolean;
  /** False once shutdown began: new activities get 503 so Teams retries elsewhere. */
  isAccepting: () => boolean;
  limits?: Partial<HttpLimits>;
  /**
   * Credentialed mode: a POST /api/messages without `Authorization: Bearer …` gets its 401
   * before its body is read (the 1 MiB buffer is only for requests that may authenticate).
   */
  requireBearer?: boolean;
  /**
   * Local mode (npm start): every request must name the server by a loopback name in `Host`
   * (421 otherwise): a web page using DNS rebinding must not read the developer's To Do.
   */
  loopbackHostOnly?: boolean;
  /** GET /readyz: the named readiness checks (src/observability/readiness.ts). */
  readiness?: { report(): Promise<ReadinessReport> };
}

/** Builds the HTTP server without listening (fastify's build/listen split): tests use port 0. */
export function build(deps: ServerDeps): restify.Server {
  const server = restify.createServer({ name: 'todo-attach', handleUncaughtExceptions: false });
  const limits = { ...DEFAULT_HTTP_LIMITS, ...deps.limits };
  server.server.maxConnections = limits.maxConnections;
  server.server.headersTimeout = limits.headersTimeoutMs;
  server.server.requestTimeout = limits.requestTimeoutMs;
  server.server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  if (deps.loopbackHostOnly) {
    server.pre((req, res, next) => {
      if (hostIsLoopback(req)) return next();
      deps.logger.warn({ host: String(req.headers.host ?? '').slice(0, 100) }, 'refused a request naming a host other than loopback (local mode)');
      refuse(req, res, 421, 'In local mode the bot answers only as http://127.0.0.1 or http://localhost.');
      return next(false);
    });
  }
  // No restify bodyParser: it inflates gzip without bound and spools multipart parts to TMPDIR
  // before authentication. The body is read below, as JSON only (src/http/json-body.ts).

  server.post('/api/messages', async (req, res) => {
    try {
      // Headers first: a refused body is never read, let alone inflated or parsed.
      if (deps.requireBearer && !/^Bearer \S/i.test(req.headers.authorization ?? '')) {
        deps.logger.warn({ reason: 'no bearer token' }, 'refused an activity that failed authentication');
        refuse(req, res, 401, 'Unauthorized');
        return;
      }
      checkJsonHeaders(req);
      if (!deps.isAccepting() || !deps.isReady()) {
        refuse(req, res, 503, 'The bot is starting or stopping; try again shortly.');
        return;
      }
      req.body = await readJsonObject(req, MAX_ACTIVITY_BYTES);
    } catch (err) {
      if (!(err instanceof BodyRefused)) throw err;
      refuse(req, res, err.status, err.message);
      return;
    }
    try {
      await deps.handleActivity(req, res);
    } catch (err) {
      deps.logger.error({ err }, 'activity processing failed');
      if (!res.headersSent) res.send(500, { error: 'The activity could not be processed.' });
    }
  });

  server.get('/healthz', async (_req, res) => {
    if (deps.isReady() && deps.isAccepting()) res.send(200, { status: 'ok' });
    else res.send(503, { status: deps.isAccepting() ? 'starting' : 'stopping' });
  });

  // Readiness, apart from liveness: a dependency out of reach takes an instance out of rotation
  // without anyone restarting it.
  server.get('/readyz', async (_req, res) => {
    if (!deps.isReady() || !deps.isAccepting()) {
      res.send(503, { status: deps.isAccepting() ? 'starting' : 'stopping', checks: {} });
      return;
    }
    const report = (await deps.readiness?.report()) ?? { ready: true, checks: {} };
    res.send(report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'not ready', checks: report.checks });
  });

  return server;
}

/**
 * Answers a refused request. Node discards an unread body after the answer (so the client reads
 * it rather than a reset), within requestTimeout; a body announced as too large is not worth
 * even that: the connection closes instead.
 */
function refuse(req: restify.Request, res: restify.Response, status: number, message: string): void {
  if (!req.complete && announcedTooLarge(req, MAX_ACTIVITY_BYTES)) res.setHeader('connection', 'close');
  res.send(status, { error: message });
}
