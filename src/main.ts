import { startApp } from './app';
import { loadConfig } from './config';
import { toAppError } from './errors';
import { createLogger } from './log';

/** Reads the configuration, starts the bot and stops it cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${toAppError(err).message}\n`);
    process.exit(2);
  }
  const logger = createLogger({ level: config.logLevel });
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
