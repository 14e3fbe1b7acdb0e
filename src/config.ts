import path from 'node:path';
import { z } from 'zod';
import { IdentityEnvSchema, resolveIdentity, type IdentityConfig } from './config-identity';
import { AppError } from './errors';
import { isLoopbackHost } from './sources/allowed-hosts';
import { DEFAULT_CHUNK_BYTES, validateChunkSize } from './upload/chunk-plan';

/**
 * Every environment variable the app reads is read and validated here, once. Nothing else in
 * src/ touches process.env: other modules receive the typed Config.
 */

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const port = (fallback: number) =>
  optionalString.pipe(
    z
      .string()
      .regex(/^\d+$/, 'must be a port number (0-65535)')
      .transform(Number)
      .refine((n) => n >= 0 && n <= 65535, 'must be a port number (0-65535)')
      .optional(),
  ).transform((v) => v ?? fallback);

const positiveInt = (fallback: number, max = Number.MAX_SAFE_INTEGER) =>
  optionalString.pipe(
    z
      .string()
      .regex(/^\d+$/, 'must be a whole number')
      .transform(Number)
      .refine((n) => n >= 1 && n <= max, `must be between 1 and ${max}`)
      .optional(),
  ).transform((v) => v ?? fallback);

const httpUrl = optionalString.pipe(
  z
    .string()
    .refine((v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'https:' || u.protocol === 'http:';
      } catch {
        return false;
      }
    }, 'must be an absolute http(s) URL such as https://graph.microsoft.com/v1.0')
    .transform((v) => v.replace(/\/+$/, ''))
    .optional(),
);

const hostList = optionalString.transform((v) =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter((h) => h.length > 0),
);

const EnvSchema = z.object({
  PORT: port(3978),
  BIND_HOST: optionalString,
  GRAPH_BASE_URL: httpUrl,
  LOCAL_GRAPH_TOKEN: optionalString,
  ALLOWED_DOWNLOAD_HOSTS: hostList,
  DATA_DIR: optionalString,
  LOG_LEVEL: optionalString.pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional()),
  UPLOAD_CHUNK_BYTES: positiveInt(DEFAULT_CHUNK_BYTES, 4_000_000),
  MAX_CONCURRENT_TRANSFERS: positiveInt(4, 64),
  PLAYGROUND_PORT: port(56150),
  COMPANION_PORT: port(3980),
  CARD_TYPEAHEAD: optionalString.pipe(
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
      .transform((v) => v === 'true' || v === '1' || v === 'yes')
      .optional(),
  ),
  // Limits against slow or greedy clients and hosts (issue 10): see README "Configuration".
  HTTP_MAX_CONNECTIONS: positiveInt(1000, 1_000_000),
  HTTP_KEEP_ALIVE_SECONDS: positiveInt(65, 3600),
  MAX_TRANSFERS_PER_USER: positiveInt(2, 64),
  DOWNLOAD_MIN_BYTES_PER_SECOND: positiveInt(32_768, 1_000_000_000),
  DOWNLOAD_RATE_WINDOW_SECONDS: positiveInt(60, 3600),
  DOWNLOAD_DEADLINE_SECONDS: positiveInt(1800, 86_400),
  JOB_RETENTION_DAYS: positiveInt(30, 3650),
  // Observability (issue 15): see README "Operating it".
  METRICS_PORT: optionalString.pipe(
    z
      .string()
      .regex(/^\d+$/, 'must be a port number (0-65535)')
      .transform(Number)
      .refine((n) => n >= 0 && n <= 65535, 'must be a port number (0-65535)')
      .optional(),
  ),
  METRICS_HOST: optionalString,
  APPLICATIONINSIGHTS_CONNECTION_STRING: optionalString.pipe(
    z
      .string()
      .regex(/(^|;)\s*InstrumentationKey\s*=\s*[^;\s]+/i, 'must be an Application Insights connection string (InstrumentationKey=…;IngestionEndpoint=…)')
      .optional(),
  ),
  LOG_FORMAT: optionalString.pipe(z.enum(['auto', 'pretty', 'json'], { error: 'must be auto, pretty or json' }).optional()),
  MAX_PENDING_TRANSFERS_PER_USER: positiveInt(10, 1000),
  FILE_MESSAGES_PER_MINUTE_PER_USER: positiveInt(30, 10_000),
  START_PLAYGROUND: optionalString.pipe(
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
      .transform((v) => v === 'true' || v === '1' || v === 'yes')
      .optional(),
  ),
});

export type Env = Record<string, string | undefined>;

/** Identity settings (bot, botFramework, cloud, graphAuth, allowedTenants…): see src/config-identity.ts. */
export interface Config extends IdentityConfig {
  port: number;
  /** Interface to listen on: loopback in local mode unless BIND_HOST says otherwise. */
  bindHost: string;
  /**
   * No MicrosoftAppId: loopback only, built-in emulators, and (unless LOCAL_SIGN_IN) unauthenticated
   * activities accepted.
   */
  localMode: boolean;
  /** Plain http to loopback hosts is allowed (local mode, or Graph pointed at a loopback emulator). */
  allowHttpLoopback: boolean;
  graph: {
    cloud: IdentityConfig['cloud'];
    /** Explicit Graph root (GRAPH_BASE_URL) or undefined to use the cloud's endpoint. */
    baseUrlOverride: string | undefined;
    localToken: string | undefined;
  };
  allowedDownloadHosts: string[] | undefined;
  dataDir: string;
  logLevel: string;
  uploadChunkBytes: number;
  maxConcurrentTransfers: number;
  playgroundPort: number;
  companionPort: number;
  /**
   * Typeahead (`Data.Query`) on the list and task pickers. Undefined: on for Teams (`npm run
   * serve`), off under `npm start`, whose Agents Playground renders Data.Query inputs as empty
   * search boxes; the cards then offer their static first page and a search field instead.
   */
  cardTypeahead: boolean | undefined;
  /** `npm start` also starts the Agents Playground (START_PLAYGROUND=false: bot and companion page only). */
  startPlayground: boolean;
  /** The bot's HTTP server: open connections at most, idle keep-alive (timeouts: src/server.ts). */
  http: { maxConnections: number; keepAliveTimeoutMs: number };
  /** Transfers of one user running at once (MAX_CONCURRENT_TRANSFERS is the total). */
  maxTransfersPerUser: number;
  /** A download slower than this over the window, or longer than the deadline, fails (it would hold a slot). */
  downloads: { minBytesPerSecond: number; rateWindowMs: number; deadlineMs: number };
  /** Finished job records are deleted this long after they ended. */
  jobRetentionMs: number;
  /**
   * Transfers one user may have queued or running at once; more are refused politely, so one
   * user sending 100 files does not fill the queue others wait in (MAX_TRANSFERS_PER_USER is
   * how many of them run at once).
   */
  maxPendingTransfersPerUser: number;
  /** Messages with files one user may send per minute before the bot asks them to wait. */
  fileMessagesPerMinutePerUser: number;
  /** GET /metrics on its own listener: undefined = not served (METRICS_PORT unset). */
  metrics: { port: number; host: string } | undefined;
  /** Traces and metrics to Application Insights (@azure/monitor-opentelemetry) when set. */
  appInsightsConnectionString: string | undefined;
  /** auto: human-readable on a terminal, JSON lines otherwise. */
  logFormat: 'auto' | 'pretty' | 'json';
}

/** Reads and validates configuration; throws CONFIG_INVALID naming each bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  const parsedIdentity = IdentityEnvSchema.safeParse(env);
  const issues = [...(parsed.success ? [] : parsed.error.issues), ...(parsedIdentity.success ? [] : parsedIdentity.error.issues)];
  if (!parsed.success || !parsedIdentity.success) {
    const problems = issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new AppError('CONFIG_INVALID', `Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const problems: string[] = [];
  const identity = resolveIdentity(parsedIdentity.data, problems);
  const chunkProblem = validateChunkSize(e.UPLOAD_CHUNK_BYTES);
  if (chunkProblem) problems.push(`UPLOAD_CHUNK_BYTES: ${chunkProblem}`);
  const localMode = identity.bot.appId === undefined;
  if (!localMode && e.LOCAL_GRAPH_TOKEN !== undefined) problems.push('LOCAL_GRAPH_TOKEN: only allowed in local mode (MicrosoftAppId unset)');
  if (identity.localSignIn && e.LOCAL_GRAPH_TOKEN !== undefined) problems.push('LOCAL_GRAPH_TOKEN: LOCAL_SIGN_IN gets its tokens by signing in; unset it');
  const graphLoopback = e.GRAPH_BASE_URL !== undefined && isLoopbackHost(new URL(e.GRAPH_BASE_URL).hostname);
  if (!localMode && e.GRAPH_BASE_URL?.startsWith('http:') && !graphLoopback) {
    problems.push('GRAPH_BASE_URL: plain http is only allowed in local mode or for a loopback address (an emulator)');
  }
  if (localMode && e.BIND_HOST !== undefined && !isLoopbackHost(e.BIND_HOST)) {
    // Local mode accepts activities without authentication: anyone who can reach it drives it.
    problems.push(
      `BIND_HOST: local mode (MicrosoftAppId unset) accepts activities without authentication, so it listens on loopback only (127.0.0.1, ::1, localhost); set MicrosoftAppId to listen on ${e.BIND_HOST}`,
    );
  }
  if (localMode && e.METRICS_HOST !== undefined && !isLoopbackHost(e.METRICS_HOST)) {
    problems.push(`METRICS_HOST: local mode listens on loopback only (127.0.0.1, ::1, localhost); set MicrosoftAppId to serve metrics on ${e.METRICS_HOST}`);
  }
  if (e.METRICS_HOST !== undefined && e.METRICS_PORT === undefined) problems.push('METRICS_HOST: set METRICS_PORT too (metrics are served only on a port of their own)');
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
    problems.push('METRICS_PORT: must differ from PORT (metrics are never served on the bot’s public port)');
  }
  if (problems.length > 0) throw new AppError('CONFIG_INVALID', `Invalid configuration: ${problems.join('; ')}`);
  return {
    ...identity,
    port: e.PORT,
    bindHost: e.BIND_HOST ?? (localMode ? '127.0.0.1' : '0.0.0.0'),
    localMode,
    allowHttpLoopback: localMode || (graphLoopback && e.GRAPH_BASE_URL?.startsWith('http:') === true),
    graph: {
      cloud: identity.cloud,
      baseUrlOverride: e.GRAPH_BASE_URL,
      localToken: e.LOCAL_GRAPH_TOKEN,
    },
    allowedDownloadHosts: e.ALLOWED_DOWNLOAD_HOSTS ?? (localMode ? undefined : [...identity.defaultDownloadHosts]),
    dataDir: path.resolve(e.DATA_DIR ?? './data'),
    logLevel: e.LOG_LEVEL ?? 'info',
    uploadChunkBytes: e.UPLOAD_CHUNK_BYTES,
    maxConcurrentTransfers: e.MAX_CONCURRENT_TRANSFERS,
    playgroundPort: e.PLAYGROUND_PORT,
    companionPort: e.COMPANION_PORT,
    cardTypeahead: e.CARD_TYPEAHEAD,
    startPlayground: e.START_PLAYGROUND ?? true,
    http: { maxConnections: e.HTTP_MAX_CONNECTIONS, keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_SECONDS * 1000 },
    maxTransfersPerUser: e.MAX_TRANSFERS_PER_USER,
    downloads: {
      minBytesPerSecond: e.DOWNLOAD_MIN_BYTES_PER_SECOND,
      rateWindowMs: e.DOWNLOAD_RATE_WINDOW_SECONDS * 1000,
      deadlineMs: e.DOWNLOAD_DEADLINE_SECONDS * 1000,
    },
    jobRetentionMs: e.JOB_RETENTION_DAYS * 24 * 3600 * 1000,
    maxPendingTransfersPerUser: Math.max(e.MAX_PENDING_TRANSFERS_PER_USER, e.MAX_TRANSFERS_PER_USER),
    fileMessagesPerMinutePerUser: e.FILE_MESSAGES_PER_MINUTE_PER_USER,
    metrics: e.METRICS_PORT === undefined ? undefined : { port: e.METRICS_PORT, host: e.METRICS_HOST ?? '127.0.0.1' },
    appInsightsConnectionString: e.APPLICATIONINSIGHTS_CONNECTION_STRING,
    logFormat: e.LOG_FORMAT ?? 'auto',
  };
}

/**
 * The environment for a child process the dev orchestrator starts (the Agents Playground):
 * this process's environment (PATH, HOME…) with `extra` on top. Kept here because nothing
 * else in src/ reads process.env.
 */
export function childProcessEnv(extra: Record<string, string>, env: Env = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return { ...out, ...extra };
}
