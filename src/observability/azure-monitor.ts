import type { AzureMonitorOpenTelemetryOptions } from '@azure/monitor-opentelemetry';
import type { Logger } from 'pino';

/**
 * Application Insights through `@azure/monitor-opentelemetry`, only when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set. Without it the package is not even loaded: its
 * exporters, statsbeat, live metrics and resource detectors all reach for outside hosts, and
 * neither the tests nor `npm start` may call anything beyond loopback.
 *
 * Call it before anything creates spans or metrics (main.ts does, before startApp): the
 * OpenTelemetry API binds instruments to the meter provider registered at that moment.
 */

export interface Telemetry {
  /** Flushes what is buffered and stops the exporters. */
  shutdown(): Promise<void>;
}

type Distro = Pick<typeof import('@azure/monitor-opentelemetry'), 'useAzureMonitor' | 'shutdownAzureMonitor'>;

/** Loaded on demand (see above); tests pass their own. */
export type DistroLoader = () => Distro;

const loadDistro: DistroLoader = () =>
  // A plain require, only on this path: nothing of the distro exists in a process without the setting.
  require('@azure/monitor-opentelemetry') as Distro;

export function startTelemetry(connectionString: string | undefined, logger: Logger, load: DistroLoader = loadDistro): Telemetry | undefined {
  if (connectionString === undefined) return undefined;
  const distro = load();
  distro.useAzureMonitor(azureMonitorOptions(connectionString));
  logger.info('traces and metrics go to Application Insights (APPLICATIONINSIGHTS_CONNECTION_STRING)');
  return { shutdown: () => distro.shutdownAzureMonitor() };
}

/**
 * Only our own spans and metrics (src/observability/tracing.ts, metrics.ts): the automatic HTTP
 * instrumentation is off because it records full URLs, and ours carry Teams download links and
 * upload session URLs (secrets). Every span is kept: a bot's traffic is small, and the rare
 * failed transfer is exactly what a rate-limiting sampler would drop. Live Metrics is off (it
 * holds a connection to its own endpoint open).
 */
export function azureMonitorOptions(connectionString: string): AzureMonitorOpenTelemetryOptions {
  const off = { enabled: false };
  return {
    azureMonitorExporterOptions: { connectionString },
    samplingRatio: 1,
    tracesPerSecond: 0,
    enableLiveMetrics: false,
    enableStandardMetrics: true,
    instrumentationOptions: {
      http: off,
      azureSdk: off,
      mongoDb: off,
      mySql: off,
      postgreSql: off,
      redis: off,
      redis4: off,
      bunyan: off,
      winston: off,
    },
  };
}
