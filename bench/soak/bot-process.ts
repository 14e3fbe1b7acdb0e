import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { startApp, type RunningApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';

/**
 * The bot under soak, in a process of its own (started by soak.ts with the emulators' settings in
 * its environment), so its memory is measured apart from the emulators and the driver. Logs go
 * to DATA_DIR/bot.log. Over IPC it answers `rss` with its memory and `stop` with what is still
 * open once the app has stopped (handles that outlive a stop are leaks).
 */

export type ToBot = { op: 'rss' } | { op: 'stop' };
export type FromBot =
  | { type: 'ready'; url: string; metricsUrl: string | undefined }
  | { type: 'rss'; rss: number; heapUsed: number; arrayBuffers: number }
  | { type: 'stopped'; openHandles: string[] }
  | { type: 'failed'; message: string };

function send(message: FromBot): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createWriteStream(path.join(config.dataDir, 'bot.log'), { flags: 'a' });
  const logger = createLogger({ level: config.logLevel, destination: log });
  const app: RunningApp = await startApp(config, { logger });
  process.on('message', (m: ToBot) => {
    if (m.op === 'rss') {
      const u = process.memoryUsage();
      send({ type: 'rss', rss: u.rss, heapUsed: u.heapUsed, arrayBuffers: u.arrayBuffers });
      return;
    }
    void (async () => {
      await app.stop();
      await new Promise<void>((resolve) => log.end(() => resolve()));
      // What still keeps this process alive besides the IPC channel to the driver.
      const openHandles = process.getActiveResourcesInfo().filter((t) => t !== 'PipeWrap' && t !== 'TTYWrap');
      send({ type: 'stopped', openHandles });
      process.disconnect?.();
    })();
  });
  send({ type: 'ready', url: app.url, metricsUrl: app.metricsUrl });
}

main().catch((err: unknown) => {
  send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
