import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppMetrics } from './metrics';

/**
 * GET /metrics on a listener of its own (METRICS_PORT, on METRICS_HOST: loopback by default),
 * never on the bot's public port: the figures tell how busy the bot is and which errors it
 * meets, which is for the operator's scraper, not for the internet.
 */
export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(metrics: AppMetrics, options: { port: number; host: string }): Promise<MetricsServer> {
  // No chained writeHead(): restify replaces it process-wide with one that returns nothing.
  const answer = (res: ServerResponse, status: number, headers: Record<string, string>, body: string | undefined): void => {
    res.statusCode = status;
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.end(body);
  };
  const text = { 'content-type': 'text/plain; charset=utf-8' };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return answer(res, 404, text, 'Not found: the metrics are at /metrics.\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, { ...text, allow: 'GET, HEAD' }, 'Only GET.\n');
    metrics.text().then(
      (body) => answer(res, 200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }, req.method === 'HEAD' ? undefined : body),
      () => answer(res, 500, text, 'The metrics could not be collected.\n'),
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  server.maxConnections = 64;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
