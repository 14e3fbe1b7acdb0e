import type { Logger } from 'pino';
import { startApp, type BuiltInEmulators, type RunningApp } from '../app';
import type { Config } from '../config';
import { AppError } from '../errors';
import type { RetryPolicy } from '../retry';
import { startChannelProxy } from './channel-proxy';
import { startCompanion, type CompanionServer, type PlaygroundStatus } from './companion-server';
import { PlaygroundProcess } from './playground-process';
import { busyPortMessage, freePort, isAddressInUse, isPortFree } from './ports';

/**
 * Everything `npm start` runs, in one call (tests start the same thing on free ports): the bot
 * in local mode with its built-in emulators, the companion page, and the Agents Playground as
 * a child process. The Playground is optional: if it cannot start, the rest keeps running and
 * its status says why.
 */

export interface LocalStackOptions {
  logger: Logger;
  retryPolicy?: RetryPolicy;
  cardUpdateIntervalMs?: number;
  /** Each line the Playground prints (already redacted). */
  onPlaygroundOutput?: (line: string) => void;
  onPlaygroundExit?: (status: PlaygroundStatus) => void;
  playgroundCliPath?: string;
  playgroundReadyTimeoutMs?: number;
}

export interface LocalStack {
  app: RunningApp;
  emulators: BuiltInEmulators;
  companion: CompanionServer;
  playground: PlaygroundProcess;
  /** The bot's messaging endpoint the Playground talks to. */
  botEndpoint: string;
  stop(): Promise<void>;
}

export async function startLocalStack(config: Config, options: LocalStackOptions): Promise<LocalStack> {
  if (!config.localMode) {
    throw new AppError('CONFIG_INVALID', 'npm start runs the local playground, which needs local mode: unset MicrosoftAppId (LOCAL_SIGN_IN=true npm start tries sign-in locally; npm run serve runs the bot for Teams).');
  }
  if (config.graph.baseUrlOverride !== undefined) {
    throw new AppError('CONFIG_INVALID', 'npm start uses the built-in To Do emulator: unset GRAPH_BASE_URL (npm run serve runs the bot against another Graph).');
  }

  // Checked first, so a busy port is reported before the emulators start at all.
  if (config.port !== 0 && !(await isPortFree(config.port, config.bindHost))) {
    throw new AppError('CONFIG_INVALID', busyPortMessage('the bot', config.port, 'PORT'));
  }
  let app: RunningApp;
  try {
    // The Agents Playground has no typeahead: its picker cards get static choices and a
    // search field unless CARD_TYPEAHEAD says otherwise.
    app = await startApp({ ...config, cardTypeahead: config.cardTypeahead ?? false }, { logger: options.logger, retryPolicy: options.retryPolicy, cardUpdateIntervalMs: options.cardUpdateIntervalMs });
  } catch (err) {
    if (isAddressInUse(err)) throw new AppError('CONFIG_INVALID', busyPortMessage('the bot', config.port, 'PORT'), { cause: err });
    throw err;
  }
  const emulators = app.emulators;
  if (!emulators) {
    await app.stop();
    throw new AppError('INTERNAL', 'The built-in emulators did not start.');
  }
  let botEndpoint = `http://127.0.0.1:${app.port}/api/messages`;
  // LOCAL_SIGN_IN: the Playground sends unsigned activities; the proxy signs them as the channel would.
  const proxy = app.identityEmulators ? await startChannelProxy({ botEndpoint, appId: app.appId, openid: app.identityEmulators.openid }) : undefined;
  if (proxy) botEndpoint = proxy.endpoint;

  const playground = new PlaygroundProcess({
    port: 0,
    botEndpoint,
    onOutput: options.onPlaygroundOutput,
    onUnexpectedExit: options.onPlaygroundExit,
    cliPath: options.playgroundCliPath,
    readyTimeoutMs: options.playgroundReadyTimeoutMs,
  });

  let companion: CompanionServer;
  try {
    companion = await startCompanion({ emulators, playground, logger: options.logger, port: config.companionPort });
  } catch (err) {
    await proxy?.close();
    await app.stop();
    if (isAddressInUse(err)) throw new AppError('CONFIG_INVALID', busyPortMessage('the companion page', config.companionPort, 'COMPANION_PORT'), { cause: err });
    throw err;
  }

  if (!config.startPlayground) {
    playground.disable('START_PLAYGROUND=false, so it was not started');
  } else {
    // The Playground needs an explicit port and silently takes a random one when it is busy.
    const port = config.playgroundPort === 0 ? await freePort() : config.playgroundPort;
    if (config.playgroundPort !== 0 && !(await isPortFree(port))) {
      playground.unavailable(busyPortMessage('the Agents Playground', port, 'PLAYGROUND_PORT'));
    } else {
      playground.setPort(port);
      await playground.start();
    }
  }

  let stopped: Promise<void> | undefined;
  return {
    app,
    emulators,
    companion,
    playground,
    botEndpoint,
    stop() {
      stopped ??= (async () => {
        await playground.stop();
        await companion.close();
        await proxy?.close();
        await app.stop();
      })();
      return stopped;
    },
  };
}
