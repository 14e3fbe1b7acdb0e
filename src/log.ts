import pino, { type Logger, type DestinationStream } from 'pino';
import pinoPretty from 'pino-pretty';
import { redactText, redactValue } from './redact';

export type { Logger } from 'pino';

/**
 * Every log line passes through redaction here (src/redact.ts), so no token, download URL or
 * upload URL can be written even if a caller logs a raw object.
 */
export function createLogger(options: { level?: string; destination?: DestinationStream; name?: string; format?: LogFormat } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'todo-attach',
      level: options.level ?? 'info',
      formatters: {
        log: (obj) => redactValue(obj) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const redacted = args.map((a) => (typeof a === 'string' ? redactText(a) : redactValue(a))) as Parameters<typeof method>;
          method.apply(this, redacted);
        },
      },
      serializers: { err: (e: unknown) => redactValue(e) },
    },
    options.destination ?? consoleDestination(options.format ?? 'json'),
  );
}

/** auto: human-readable lines on a terminal (npm start in a shell), JSON lines otherwise (a log collector). */
export type LogFormat = 'auto' | 'pretty' | 'json';

function consoleDestination(format: LogFormat): DestinationStream | undefined {
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  if (!pretty) return undefined;
  // In-process and synchronous (no worker transport): lines appear in order with what npm start prints.
  return pinoPretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,name', sync: true });
}

/** A logger that drops everything (tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Libraries that write to the console (botbuilder prints some token-validation failures, with
 * key material, through console.error) go through the logger instead, redacted, at debug
 * level: a refused activity is reported once, by us, as a warning.
 */
export function routeConsoleToLogger(logger: Logger): void {
  const write = (level: 'debug' | 'info', args: unknown[]): void => {
    const text = args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
    logger[level]({ source: 'console' }, text.slice(0, 2000));
  };
  console.error = (...args: unknown[]) => write('debug', args);
  console.warn = (...args: unknown[]) => write('debug', args);
  console.log = (...args: unknown[]) => write('info', args);
}
