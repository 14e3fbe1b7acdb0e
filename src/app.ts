import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import type { Logger } from 'pino';
import type { Config } from './config';
import { AppError, toAppError } from './errors';
import { graphBaseUrl } from './graph/clouds';
import { GraphTodoClient } from './graph/client';
import { GraphSharesClient } from './graph/shares';
import { todoTaskWebUrl } from './graph/links';
import type { TokenProvider } from './graph/types';
import { Admission } from './jobs/admission';
import { JobRunner } from './jobs/runner';
import { startRetention } from './jobs/retention';
import { JobStore } from './jobs/store';
import type { FileJob } from './jobs/job';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';
import { build } from './server';
import { isUrlAllowed } from './sources/allowed-hosts';
import { DownloadPace } from './sources/download-pace';
import { createHttpDownloadSource } from './sources/http-download';
import { createHostedContentSource } from './sources/hosted-content-source';
import { createShareSource } from './sources/share-source';
import { TodoAttachBot } from './teams/bot';
import { authenticatedActivityHandler } from './teams/authenticated-handler';
import { setUpIdentity, type GraphUser } from './app-identity';
import type { IdentityStack } from './emulators/identity-stack';
import { CardNotifier } from './teams/card-notifier';
import { PickerStore } from './teams/picker-store';
import { DialogOfferStore } from './teams/dialog-offers';
import { prepareSpoolDir } from './upload/spool';
import type { ByteSource } from './upload/types';
import { GraphTodoEmulator } from './emulators/graph-todo';
import { FileHostEmulator } from './emulators/file-host';
import { tracedActivityHandler } from './observability/activity-telemetry';
import { meteredNotifier } from './observability/instrumented';
import { AppMetrics } from './observability/metrics';
import { startMetricsServer, type MetricsServer } from './observability/metrics-server';
import { httpReachable, Readiness } from './observability/readiness';

/** The emulators started inside the process in local mode without GRAPH_BASE_URL. */
export interface BuiltInEmulators {
  graph: GraphTodoEmulator;
  files: FileHostEmulator;
}

export interface AppOptions {
  logger: Logger;
  /** Override the retry schedule (tests use short waits). */
  retryPolicy?: RetryPolicy;
  cardUpdateIntervalMs?: number;
  /** Where figures go (tests read them); a new AppMetrics by default. */
  metrics?: AppMetrics;
}

export interface RunningApp {
  url: string;
  port: number;
  runner: JobRunner;
  store: JobStore;
  emulators: BuiltInEmulators | undefined;
  /** LOCAL_SIGN_IN: the identity emulators the bot authenticates against (undefined otherwise). */
  identityEmulators: IdentityStack | undefined;
  /** The bot's app id ('' in local mode). */
  appId: string;
  metrics: AppMetrics;
  /** GET /metrics on its own listener, when METRICS_PORT is set. */
  metricsUrl: string | undefined;
  /** The /readyz checks; more can be added (e.g. a job store's health). */
  readiness: Readiness;
  stop(): Promise<void>;
}

/** Wires the real parts together and listens. main.ts calls this; so do integration tests. */
export async function startApp(config: Config, options: AppOptions): Promise<RunningApp> {
  const { logger } = options;
  let emulators: BuiltInEmulators | undefined;
  let baseUrl: string;
  let localToken = config.graph.localToken;
  const allowedHosts = [...(config.allowedDownloadHosts ?? [])];

  for (const warning of config.warnings) logger.warn(warning);
  if (config.localMode) {
    logger.warn('LOCAL MODE: MicrosoftAppId is not set, so activities are accepted without authentication. Never expose this server beyond your machine.');
  }
  if (config.localMode && config.graph.baseUrlOverride === undefined) {
    // No LOCAL_GRAPH_TOKEN: the emulator makes up a random token for this run.
    const graph = await GraphTodoEmulator.start(localToken === undefined ? {} : { tokens: [localToken] });
    const files = await FileHostEmulator.start({});
    emulators = { graph, files };
    baseUrl = graph.baseUrl;
    localToken ??= graph.tokens[0];
    allowedHosts.push(new URL(files.baseUrl).host);
    logger.info({ graph: graph.baseUrl, files: files.baseUrl }, 'started the built-in Graph To Do and file host emulators');
  } else {
    baseUrl = graphBaseUrl(config.graph.cloud, config.graph.baseUrlOverride);
  }

  const retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const metrics = options.metrics ?? new AppMetrics();
  // Bot authentication and Graph tokens by mode (local, delegated, application, LOCAL_SIGN_IN).
  const identity = await setUpIdentity(config, { logger, retryPolicy, localToken, graphEmulator: emulators?.graph, metrics });
  const tokenFor = (user: GraphUser): TokenProvider => identity.tokenFor(user);
  // One connection pool for Graph and one for downloads, shared by every user's client.
  const graphPool = new Agent({ keepAliveTimeout: 30_000, connections: 32 });
  // Explicit timeouts: a host that stops sending (undici's body timeout, which does not run
  // while the reader applies backpressure) fails within one rate window; one that drips is
  // caught by the DownloadPace of each transfer.
  const downloadPool = new Agent({
    keepAliveTimeout: 10_000,
    connections: 32,
    headersTimeout: 30_000,
    bodyTimeout: config.downloads.rateWindowMs,
  });
  const graphObserver = {
    onRequest: (info: { operation: string; status?: number; durationMs: number }) => metrics.graphRequest(info),
    onRetry: (info: { code: string; waitMs: number }) => metrics.retry(info.code, info.waitMs),
  };
  const graphFor = (user: GraphUser): GraphTodoClient =>
    new GraphTodoClient({ baseUrl, tokenProvider: tokenFor(user), userPath: identity.userPathFor(user), retryPolicy, logger, dispatcher: graphPool, ...graphObserver });
  const sharesFor = (user: GraphUser): GraphSharesClient =>
    new GraphSharesClient({ baseUrl, tokenProvider: tokenFor(user), retryPolicy, logger, dispatcher: graphPool, ...graphObserver });
  const sourceFor = (file: Pick<FileJob, 'source'>, user: GraphUser): ByteSource => {
    const source = file.source;
    // One pace per file: its deadline spans every request made for it.
    const pace = new DownloadPace(config.downloads);
    if (identity.appOnlyGraph && source.kind !== 'download') {
      // Read with the app's Files.Read.All, a file the user cannot open would reach their task.
      // (A Teams download link is one Teams gave the user's own message: no such question.)
      throw new AppError('SOURCE_NOT_SUPPORTED', 'GRAPH_AUTH=application does not read shared files or hosted images on behalf of users.');
    }
    switch (source.kind) {
      case 'download':
        // Dropped when the job ended (src/jobs/retention.ts): Teams' link would have expired anyway.
        if (source.url === undefined) throw new AppError('DOWNLOAD_EXPIRED', 'The download link is no longer kept for this transfer.');
        return createHttpDownloadSource(source.url, { allowedHosts, allowHttpLoopback: config.allowHttpLoopback, dispatcher: downloadPool, pace });
      case 'share':
        // SharePoint/OneDrive files: Graph /shares with the user's delegated token, bytes from the download host.
        return createShareSource(source.sharingUrl, { shares: sharesFor(user), allowedHosts, allowHttpLoopback: config.allowHttpLoopback, dispatcher: downloadPool, pace });
      case 'hosted-content':
        return createHostedContentSource(source.contentUrl, { graphBaseUrl: baseUrl, tokenProvider: tokenFor(user), allowHttpLoopback: config.allowHttpLoopback, dispatcher: graphPool, pace });
    }
  };
  const probeSize = async (source: FileJob['source'], signal: AbortSignal, user?: GraphUser): Promise<number | undefined> => {
    const s = sourceFor({ source }, user ?? { userId: '' });
    try {
      return await s.probeSize?.(signal);
    } finally {
      // The probe's response body is not needed: the transfer downloads again when it starts.
      s.close?.();
    }
  };
  const taskUrl = (listId: string, taskId: string): string => todoTaskWebUrl(config.graph.cloud, taskId, listId);

  const { store, corrupt } = await JobStore.open(config.dataDir, logger);
  const spoolDir = path.join(config.dataDir, 'spool');
  await prepareSpoolDir(spoolDir);
  for (const c of corrupt) logger.error({ file: path.basename(c.file), reason: c.reason }, 'a stored job record was corrupt and has been set aside');

  const adapter = identity.botAuth.adapter;
  adapter.onTurnError = async (_context, err) => {
    logger.error({ err: toAppError(err).toLog() }, 'unhandled error in a turn');
  };

  const runner = new JobRunner({
    store,
    notifier: meteredNotifier(new CardNotifier(adapter, identity.appId, taskUrl), metrics),
    sinkFor: (job) => graphFor(job),
    linkerFor: (job) => graphFor(job),
    sourceFor: (job, file) => sourceFor(file, job),
    logger,
    maxConcurrent: config.maxConcurrentTransfers,
    maxConcurrentPerUser: config.maxTransfersPerUser,
    chunkBytes: config.uploadChunkBytes,
    retryPolicy,
    cardUpdateIntervalMs: options.cardUpdateIntervalMs,
    spoolDir,
    observer: metrics,
  });
  metrics.watchQueue(() => runner.queueFigures());
  const admission = new Admission((userId) => runner.pendingFor(userId), {
    maxPendingPerUser: config.maxPendingTransfersPerUser,
    fileMessagesPerMinute: config.fileMessagesPerMinutePerUser,
  });
  // A transfer that waited too long for its user's sign-in ends; its card says why.
  const retention = await startRetention(store, { retentionMs: config.jobRetentionMs, onEnded: (job) => runner.showOutcome(job) }, logger);

  const bot = new TodoAttachBot({
    logger,
    store,
    runner,
    admission,
    pickers: new PickerStore(),
    dialogOffers: new DialogOfferStore(),
    botAppId: identity.appId,
    channelAudience: config.botFramework.ToChannelFromBotOAuthScope,
    graphFor,
    probeSize,
    isDurableLocation: (url) => isUrlAllowed(url, allowedHosts, { allowHttpLoopback: config.allowHttpLoopback }),
    typeahead: config.cardTypeahead ?? true,
    taskUrl,
  });

  let ready = false;
  let accepting = true;
  const readiness = new Readiness()
    .add({ name: 'jobs', check: async () => {
      if (!ready) throw new Error('The stored jobs are still being loaded.');
    } })
    // Any answer from Graph's root counts (401 without a token): the service is there.
    .add(httpReachable('graph', emulators ? 'The built-in Graph To Do emulator' : 'Microsoft Graph', `${baseUrl}/`, graphPool));
  if (emulators) readiness.add(httpReachable('files', 'The built-in file host emulator', `${emulators.files.baseUrl}/`, downloadPool));
  const handleActivity = authenticatedActivityHandler(adapter, identity.front(bot, runner), {
    logger,
    allowedTenants: config.allowedTenants,
    // Local mode, LOCAL_SIGN_IN included: replies go to the emulators and the Playground only.
    loopbackServiceUrlsOnly: config.localMode,
  });
  const server = build({
    handleActivity: tracedActivityHandler(handleActivity, metrics),
    readiness,
    logger,
    isReady: () => ready,
    isAccepting: () => accepting,
    requireBearer: identity.botAuth.required,
    loopbackHostOnly: config.localMode,
    limits: { maxConnections: config.http.maxConnections, keepAliveTimeoutMs: config.http.keepAliveTimeoutMs },
  });
  let metricsServer: MetricsServer | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.bindHost, () => resolve());
    });
    if (config.metrics) metricsServer = await startMetricsServer(metrics, config.metrics);
  } catch (err) {
    // A busy port must not leave the pools and the built-in emulators running.
    if (server.server.listening) server.close();
    retention.stop();
    await runner.shutdown();
    await Promise.all([graphPool.close(), downloadPool.close()]);
    if (emulators) await Promise.all([emulators.graph.close(), emulators.files.close()]);
    await identity.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  if (metricsServer) logger.info({ url: metricsServer.url }, 'metrics are served (Prometheus text)');
  const resumed = runner.resumeAll();
  ready = true;
  logger.info({ port, host: config.bindHost, resumed }, 'bot is listening');

  return {
    url: `http://${urlHost(config.bindHost)}:${port}`,
    port,
    runner,
    store,
    emulators,
    identityEmulators: identity.emulators,
    appId: identity.appId,
    metrics,
    metricsUrl: metricsServer?.url,
    readiness,
    async stop() {
      accepting = false;
      retention.stop();
      await metricsServer?.close();
      await runner.shutdown();
      server.close();
      // restify's close waits for keep-alive sockets; end them so shutdown is prompt.
      server.server.closeAllConnections?.();
      await Promise.all([graphPool.close(), downloadPool.close()]);
      if (emulators) await Promise.all([emulators.graph.close(), emulators.files.close()]);
      await identity.close();
    },
  };
}

/** Where this process can reach its own server: a wildcard bind is reached on loopback; IPv6 in brackets. */
function urlHost(bindHost: string): string {
  if (bindHost === '0.0.0.0' || bindHost === '::') return '127.0.0.1';
  return bindHost.includes(':') ? `[${bindHost}]` : bindHost;
}
