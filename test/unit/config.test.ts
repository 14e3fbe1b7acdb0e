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
  ])('%j is refused with a message naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining(name) }));
  });
});
