import { startApp } from './app';
import { configOrExit } from './config-or-exit';
import { toAppError } from './errors';
import { createLogger, routeConsoleToLogger } from './log';

/** Reads the configuration, starts the bot and stops it cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger({ level: config.logLevel });
  routeConsoleToLogger(logger);
  const app = await startApp(config, { logger });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new work, job state saved');
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: toAppError(err).toLog() }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`To Do Attach could not start: ${toAppError(err).message}\n`);
  process.exit(1);
});
