import { startApp } from './app';
import { configOrExit } from './config-or-exit';
import { toAppError } from './errors';
import { createLogger, routeConsoleToLogger } from './log';
import { startTelemetry } from './observability/azure-monitor';

/** Reads the configuration, starts the bot and stops it cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  routeConsoleToLogger(logger);
  // Before the app: its metrics bind to the meter provider registered now.
  const telemetry = startTelemetry(config.appInsightsConnectionString, logger);
  const app = await startApp(config, { logger });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new work, job state saved');
    const shutdown = async (): Promise<void> => {
      await app.stop();
      await telemetry?.shutdown();
    };
    shutdown().then(
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
