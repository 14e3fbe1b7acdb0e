import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { silentLogger } from '../../../src/log';
import { azureMonitorOptions, startTelemetry } from '../../../src/observability/azure-monitor';
import { runTsChild } from '../../support/ts-child';

jest.setTimeout(90_000);

/** Telemetry envelopes as Application Insights' ingestion (Breeze, /v2.1/track) receives them. */
interface Envelope {
  name: string;
  data?: { baseType?: string; baseData?: { name?: string; properties?: Record<string, string>; metrics?: Array<{ name: string; value: number }> } };
}

/** A self-signed certificate for 127.0.0.1 (the exporter only speaks https; the child trusts it). */
async function certificate(dir: string): Promise<{ key: Buffer; cert: Buffer; certFile: string }> {
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  return { key: await readFile(keyFile), cert: await readFile(certFile), certFile };
}

function fakeIngestion(tls: { key: Buffer; cert: Buffer }): Promise<{ server: Server; url: string; envelopes: Envelope[]; bodies: string[] }> {
  const envelopes: Envelope[] = [];
  const bodies: string[] = [];
  const server = createServer(tls, (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      let raw = Buffer.concat(parts);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const text = raw.toString('utf8');
      bodies.push(`${req.method} ${req.url} ${text}`);
      try {
        const parsed = JSON.parse(text) as Envelope | Envelope[];
        envelopes.push(...(Array.isArray(parsed) ? parsed : [parsed]));
      } catch {
        for (const line of text.split('\n').filter(Boolean)) envelopes.push(JSON.parse(line) as Envelope);
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ itemsReceived: envelopes.length, itemsAccepted: envelopes.length, errors: [] }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/`, envelopes, bodies })));
}

test('without APPLICATIONINSIGHTS_CONNECTION_STRING nothing of Azure Monitor is loaded or started', () => {
  const load = jest.fn();
  expect(startTelemetry(undefined, silentLogger(), load)).toBeUndefined();
  expect(load).not.toHaveBeenCalled();
});

test('the distro gets our spans only: automatic HTTP instrumentation (it records URLs) and live metrics off, every span kept', () => {
  const options = azureMonitorOptions('InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=http://127.0.0.1:1/');
  expect(options.instrumentationOptions?.http?.enabled).toBe(false);
  expect(options.instrumentationOptions?.azureSdk?.enabled).toBe(false);
  expect(options.enableLiveMetrics).toBe(false);
  expect(options).toEqual(expect.objectContaining({ samplingRatio: 1, tracesPerSecond: 0 }));
});

test('with the connection string, spans (Graph request-id as a property) and metrics reach the ingestion endpoint, with no URL or token', async () => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'todo-attach-ai-'));
  const tls = await certificate(tmp);
  const ingestion = await fakeIngestion(tls);
  const child = runTsChild(path.join(__dirname, '../../support/children/app-insights.ts'), {
    APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=11111111-2222-4333-8444-555555555555;IngestionEndpoint=${ingestion.url}`,
    // The SDK's own usage reports go to Microsoft, not to the configured resource: off here.
    APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
    APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
    NODE_EXTRA_CA_CERTS: tls.certFile,
    TMPDIR: tmp,
  });
  try {
    expect(await child.firstLine).toMatch(/^done \d+$/);
    const names = ingestion.envelopes.map((e) => e.data?.baseData?.name);
    const dependency = ingestion.envelopes.find((e) => e.data?.baseType === 'RemoteDependencyData' && e.data.baseData?.name === 'graph listTaskLists');
    expect(dependency?.data?.baseData?.properties).toEqual(
      expect.objectContaining({ 'graph.request_id': expect.stringMatching(/^[0-9a-f-]{36}$/), 'graph.client_request_id': expect.stringMatching(/^[0-9a-f-]{36}$/) }),
    );
    expect(names).toContain('transfer');
    const metricNames = ingestion.envelopes.flatMap((e) => e.data?.baseData?.metrics?.map((m) => m.name) ?? []);
    expect(metricNames).toEqual(expect.arrayContaining(['todo_attach_transfers_total', 'todo_attach_upload_bytes_total']));
    const all = ingestion.bodies.join('\n');
    expect(all).not.toMatch(/\/me\/todo|Bearer|eyJ/);
  } finally {
    await child.stop();
    await new Promise<void>((resolve) => ingestion.server.close(() => resolve()));
    await rm(tmp, { recursive: true, force: true });
  }
});
