import { configOrExit } from '../config-or-exit';
import { toAppError } from '../errors';
import { createLogger, routeConsoleToLogger } from '../log';
import { startLocalStack, type LocalStack } from '../playground/local-stack';

/**
 * `npm start`: the local playground in one command, no account needed. Starts the bot in
 * local mode (with the built-in To Do and file host emulators), the companion page and the
 * Microsoft 365 Agents Playground, prints where to go, and stops everything on Ctrl+C.
 */

function banner(stack: LocalStack): string {
  const pg = stack.playground.status();
  const lines = ['', '─'.repeat(72), 'To Do Attach — local playground (no Microsoft account needed)', ''];
  if (pg.state === 'running' && pg.url) {
    lines.push(`  1. Open first, the Agents Playground (the Teams chat with the bot):  ${pg.url}`);
    lines.push(`  2. Then, in another tab, the companion page (send a file, To Do, network):  ${stack.companion.url}`);
    lines.push('', '  Send a file from the companion page: the bot’s card appears in the Playground’s chat.');
  } else {
    lines.push(`  The Agents Playground is NOT running: ${pg.reason ?? 'unknown reason'}.`);
    lines.push(`  Open the companion page (To Do and network panels work without it):  ${stack.companion.url}`);
  }
  if (stack.app.identityEmulators) {
    lines.push('', '  LOCAL_SIGN_IN: the bot asks you to sign in first. Press Sign in on its card, accept the', '  emulated sign-in page and type the six-digit code it shows into the chat.');
  }
  lines.push(`  The bot listens on ${stack.botEndpoint}`, '', '  Press Ctrl+C to stop everything.', '─'.repeat(72), '');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  routeConsoleToLogger(logger);
  process.stdout.write('Starting the bot, the companion page and the Agents Playground…\n');
  let stack: LocalStack;
  try {
    stack = await startLocalStack(config, {
      logger,
      onPlaygroundOutput: (line) => process.stdout.write(`[playground] ${line}\n`),
      onPlaygroundExit: (status) =>
        process.stderr.write(`\nThe Agents Playground stopped: ${status.reason ?? 'unknown reason'}. The bot and the companion page keep running; restart npm start to get it back.\n`),
    });
  } catch (err) {
    process.stderr.write(`To Do Attach could not start: ${toAppError(err).message}\n`);
    process.exit(1);
  }
  process.stdout.write(banner(stack));

  // Never leave the Playground behind, even if this process ends abruptly.
  process.on('exit', () => stack.playground.killNow());
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      process.stderr.write('Stopping right away.\n');
      process.exit(130);
    }
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the Playground, the companion page and the bot…\n`);
    stack.stop().then(
      () => {
        process.stdout.write('Stopped.\n');
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`Shutdown failed: ${toAppError(err).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

void main();
