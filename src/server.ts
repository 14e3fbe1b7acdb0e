import restify from 'restify';
import type { Logger } from 'pino';

export interface ServerDeps {
  /** Authenticates one inbound activity and runs the bot on it (src/teams/authenticated-handler.ts). */
  handleActivity: (req: restify.Request, res: restify.Response) => Promise<void>;
  logger: Logger;
  /** True once stored jobs are loaded: /healthz answers 200 only then. */
  isReady: () => boolean;
  /** False once shutdown began: new activities get 503 so Teams retries elsewhere. */
  isAccepting: () => boolean;
}

/** Builds the HTTP server without listening (fastify's build/listen split): tests use port 0. */
export function build(deps: ServerDeps): restify.Server {
  const server = restify.createServer({ name: 'todo-attach', handleUncaughtExceptions: false });
  // restify needs the body parsed before /api/messages, or the adapter answers 400.
  server.use(restify.plugins.bodyParser({ maxBodySize: 1_048_576, mapParams: false }));

  server.post('/api/messages', async (req, res) => {
    if (!deps.isAccepting() || !deps.isReady()) {
      res.send(503, { error: 'The bot is starting or stopping; try again shortly.' });
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

  return server;
}
