import { GraphTodoClient } from '../../../src/graph/client';
import { GraphTodoEmulator } from '../../../src/emulators/graph-todo';
import { silentLogger } from '../../../src/log';
import { startTelemetry } from '../../../src/observability/azure-monitor';
import { AppMetrics } from '../../../src/observability/metrics';
import { inSpan } from '../../../src/observability/tracing';

/**
 * The real @azure/monitor-opentelemetry in a process of its own, sending to the test's loopback
 * ingestion endpoint (APPLICATIONINSIGHTS_CONNECTION_STRING): a Graph request inside a transfer
 * span, and a metric. Prints "done" once the telemetry is flushed.
 *
 * Test only: the distro always asks the Azure instance metadata address for VM attributes,
 * which is outside loopback; that one detector answers nothing here.
 */
const azure = require('@opentelemetry/resource-detector-azure') as { azureVmDetector: { detect: () => unknown } };
azure.azureVmDetector.detect = () => ({ attributes: {} });

async function main(): Promise<void> {
  const telemetry = startTelemetry(process.env['APPLICATIONINSIGHTS_CONNECTION_STRING'], silentLogger());
  if (!telemetry) throw new Error('no telemetry without the connection string');
  const graph = await GraphTodoEmulator.start();
  const token = graph.tokens[0] ?? '';
  const client = new GraphTodoClient({ baseUrl: graph.baseUrl, tokenProvider: async () => token });
  const metrics = new AppMetrics();
  await inSpan('transfer', { attributes: { 'transfer.id': 'job-1', 'transfer.files': 1 } }, () => client.listTaskLists({ limit: 10 }, AbortSignal.timeout(5000)));
  metrics.transferEnded('done');
  metrics.bytesAccepted(1234);
  await client.close();
  await graph.close();
  await telemetry.shutdown();
  process.stdout.write(`done ${token.length}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
