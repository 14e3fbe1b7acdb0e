import { loadConfig } from '../../src/config';

const CREDENTIALED = { MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'secret', OAUTH_CONNECTION_NAME: 'todo' };

describe('loadConfig', () => {
  test('defaults: local mode on loopback, port 3978, Global cloud, 3,932,160-byte chunks', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3978, localMode: true, bindHost: '127.0.0.1', uploadChunkBytes: 3_932_160, maxConcurrentTransfers: 4 });
    expect(c.graph.cloud).toBe('Public');
    expect(c.graph.baseUrlOverride).toBeUndefined();
  });

  test('credentials switch off local mode and bind all interfaces', () => {
    const c = loadConfig({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'x', MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: 't', OAUTH_CONNECTION_NAME: 'todo' });
    expect(c.localMode).toBe(false);
    expect(c.bindHost).toBe('0.0.0.0');
    expect(c.bot.appType).toBe('SingleTenant');
  });

  test('CARD_TYPEAHEAD: unset leaves the choice to the caller (Teams on, Playground off); set, it wins', () => {
    expect(loadConfig({}).cardTypeahead).toBeUndefined();
    expect(loadConfig({ CARD_TYPEAHEAD: 'false' }).cardTypeahead).toBe(false);
    expect(loadConfig({ CARD_TYPEAHEAD: 'true' }).cardTypeahead).toBe(true);
  });

  test('GRAPH_BASE_URL loses its trailing slash; allow-list entries are trimmed and lower-cased', () => {
    const c = loadConfig({ GRAPH_BASE_URL: 'http://127.0.0.1:5000/v1.0/', ALLOWED_DOWNLOAD_HOSTS: ' *.SharePoint.com, 127.0.0.1:8080 ,' });
    expect(c.graph.baseUrlOverride).toBe('http://127.0.0.1:5000/v1.0');
    expect(c.allowedDownloadHosts).toEqual(['*.sharepoint.com', '127.0.0.1:8080']);
  });

  test.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ GRAPH_BASE_URL: 'graph.microsoft.com' }, 'GRAPH_BASE_URL'],
    [{ GRAPH_CLOUD: 'Mars' }, 'GRAPH_CLOUD'],
    [{ CLOUD: 'Mars' }, 'CLOUD'],
    [{ UPLOAD_CHUNK_BYTES: '5000000' }, 'UPLOAD_CHUNK_BYTES'],
    [{ UPLOAD_CHUNK_BYTES: '1000000' }, 'UPLOAD_CHUNK_BYTES'],
    [{ MAX_CONCURRENT_TRANSFERS: '0' }, 'MAX_CONCURRENT_TRANSFERS'],
    [{ MicrosoftAppId: 'x', LOCAL_GRAPH_TOKEN: 't' }, 'LOCAL_GRAPH_TOKEN'],
    [{ CARD_TYPEAHEAD: 'maybe' }, 'CARD_TYPEAHEAD'],
    [{ START_PLAYGROUND: 'sometimes' }, 'START_PLAYGROUND'],
    [{ ...CREDENTIALED, GRAPH_BASE_URL: 'http://graph.example' }, 'GRAPH_BASE_URL'],
    [{ HTTP_MAX_CONNECTIONS: '0' }, 'HTTP_MAX_CONNECTIONS'],
    [{ MAX_TRANSFERS_PER_USER: 'two' }, 'MAX_TRANSFERS_PER_USER'],
    [{ DOWNLOAD_MIN_BYTES_PER_SECOND: '-1' }, 'DOWNLOAD_MIN_BYTES_PER_SECOND'],
    [{ JOB_RETENTION_DAYS: '0' }, 'JOB_RETENTION_DAYS'],
  ])('%j is refused with a message naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining(name) }));
  });

  // Local mode accepts activities without authentication: it listens on loopback or not at all.
  test.each(['0.0.0.0', '::', '192.168.1.20', 'devbox.example'])('local mode refuses BIND_HOST=%s', (host) => {
    expect(() => loadConfig({ BIND_HOST: host })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/BIND_HOST.*loopback.*MicrosoftAppId/) }));
  });

  test.each(['127.0.0.1', '127.0.0.2', '::1', 'localhost'])('local mode accepts the loopback BIND_HOST=%s', (host) => {
    expect(loadConfig({ BIND_HOST: host }).bindHost).toBe(host);
  });

  test('with credentials any interface may be chosen', () => {
    expect(loadConfig({ ...CREDENTIALED, BIND_HOST: '10.0.0.4' }).bindHost).toBe('10.0.0.4');
  });

  test('limits: HTTP connections and keep-alive, per-user transfers, slow downloads, job retention', () => {
    const d = loadConfig({});
    expect(d.http).toEqual({ maxConnections: 1000, keepAliveTimeoutMs: 65_000 });
    expect(d.maxTransfersPerUser).toBe(2);
    expect(d.downloads).toEqual({ minBytesPerSecond: 32_768, rateWindowMs: 60_000, deadlineMs: 1_800_000 });
    expect(d.jobRetentionMs).toBe(30 * 24 * 3600 * 1000);
    const c = loadConfig({
      HTTP_MAX_CONNECTIONS: '50',
      HTTP_KEEP_ALIVE_SECONDS: '240',
      MAX_TRANSFERS_PER_USER: '1',
      DOWNLOAD_MIN_BYTES_PER_SECOND: '1000',
      DOWNLOAD_RATE_WINDOW_SECONDS: '2',
      DOWNLOAD_DEADLINE_SECONDS: '30',
      JOB_RETENTION_DAYS: '7',
    });
    expect(c.http).toEqual({ maxConnections: 50, keepAliveTimeoutMs: 240_000 });
    expect(c.maxTransfersPerUser).toBe(1);
    expect(c.downloads).toEqual({ minBytesPerSecond: 1000, rateWindowMs: 2000, deadlineMs: 30_000 });
    expect(c.jobRetentionMs).toBe(7 * 24 * 3600 * 1000);
  });
});

describe('observability and per-user limits (issue 15)', () => {
  it('serves no metrics without METRICS_PORT; with it, on loopback unless told', () => {
    expect(loadConfig({}).metrics).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '9464' }).metrics).toEqual({ port: 9464, host: '127.0.0.1' });
  });

  it('refuses metrics on the public port, a metrics host beyond loopback in local mode, and a host without a port', () => {
    expect(() => loadConfig({ PORT: '3978', METRICS_PORT: '3978' })).toThrow(/METRICS_PORT: must differ from PORT/);
    expect(() => loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' })).toThrow(/METRICS_HOST: local mode listens on loopback only/);
    expect(() => loadConfig({ METRICS_HOST: '127.0.0.1' })).toThrow(/METRICS_HOST: set METRICS_PORT too/);
  });

  it('takes an Application Insights connection string, and refuses something that is not one', () => {
    const cs = 'InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/';
    expect(loadConfig({ APPLICATIONINSIGHTS_CONNECTION_STRING: cs }).appInsightsConnectionString).toBe(cs);
    expect(loadConfig({}).appInsightsConnectionString).toBeUndefined();
    expect(() => loadConfig({ APPLICATIONINSIGHTS_CONNECTION_STRING: 'https://example.net' })).toThrow(/APPLICATIONINSIGHTS_CONNECTION_STRING/);
  });

  it('per-user limits default to 10 waiting or running and 30 file messages a minute; never below the running cap', () => {
    expect(loadConfig({})).toEqual(expect.objectContaining({ maxPendingTransfersPerUser: 10, fileMessagesPerMinutePerUser: 30, logFormat: 'auto' }));
    expect(loadConfig({ MAX_TRANSFERS_PER_USER: '4', MAX_PENDING_TRANSFERS_PER_USER: '2' }).maxPendingTransfersPerUser).toBe(4);
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT: must be auto, pretty or json/);
  });
});
