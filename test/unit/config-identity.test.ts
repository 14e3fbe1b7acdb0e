import { loadConfig } from '../../src/config';

const APP = '00000000-0000-0000-0000-000000000001';
const TENANT = 'c0ffee00-1111-4222-8333-444455556666';
const BASE = { MicrosoftAppId: APP, MicrosoftAppPassword: 'secret', OAUTH_CONNECTION_NAME: 'todo-graph' };

function refused(env: Record<string, string>, name: string): void {
  expect(() => loadConfig(env)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining(name) }));
}

describe('CLOUD presets fill the whole Bot Framework group (identity.md §5)', () => {
  test('Public (default): token.botframework.com, botframework.com login, SharePoint hosts', () => {
    const c = loadConfig(BASE);
    expect(c.cloud).toBe('Public');
    expect(c.botFramework).toEqual({
      ChannelService: undefined,
      ValidateAuthority: true,
      OAuthUrl: 'https://token.botframework.com',
      ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
      ToChannelFromBotOAuthScope: 'https://api.botframework.com',
      ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
      ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
      ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
      CallerId: 'urn:botframework:azure',
    });
    expect(c.graph.cloud).toBe('Public');
    expect(c.allowedDownloadHosts).toEqual(['*.sharepoint.com']);
  });

  test('USGov (GCC High): tokengcch token service, not the api.botframework.azure.us that ChannelService alone gives', () => {
    const c = loadConfig({ ...BASE, CLOUD: 'USGov' });
    expect(c.botFramework).toMatchObject({
      ChannelService: 'https://botframework.azure.us',
      OAuthUrl: 'https://tokengcch.botframework.azure.us',
      ToChannelFromBotLoginUrl: 'https://login.microsoftonline.us/MicrosoftServices.onmicrosoft.us',
      ToChannelFromBotOAuthScope: 'https://api.botframework.us',
      ToBotFromChannelTokenIssuer: 'https://api.botframework.us',
      ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.azure.us/v1/.well-known/openidconfiguration',
      CallerId: 'urn:botframework:azureusgov',
    });
    expect(c.allowedDownloadHosts).toEqual(['*.sharepoint.us']);
  });

  test('USGovDoD: apiDoD token service and sharepoint-mil.us', () => {
    const c = loadConfig({ ...BASE, CLOUD: 'USGovDoD' });
    expect(c.botFramework.OAuthUrl).toBe('https://apiDoD.botframework.azure.us');
    expect(c.botFramework.ToChannelFromBotOAuthScope).toBe('https://api.botframework.us');
    expect(c.allowedDownloadHosts).toEqual(['*.sharepoint-mil.us']);
  });

  test('an explicit key overrides its preset value only', () => {
    const c = loadConfig({ ...BASE, CLOUD: 'USGov', OAuthUrl: 'https://europe.token.botframework.com/', ValidateAuthority: 'false' });
    expect(c.botFramework.OAuthUrl).toBe('https://europe.token.botframework.com');
    expect(c.botFramework.ValidateAuthority).toBe(false);
    expect(c.botFramework.ToChannelFromBotOAuthScope).toBe('https://api.botframework.us');
  });

  test('China is refused with a sentence', () => {
    refused({ ...BASE, CLOUD: 'China' }, 'no task attachments');
  });

  test('GRAPH_CLOUD still works, with a deprecation warning', () => {
    const c = loadConfig({ ...BASE, GRAPH_CLOUD: 'USGovL5' });
    expect(c.cloud).toBe('USGovDoD');
    expect(c.warnings.join(' ')).toMatch(/GRAPH_CLOUD is deprecated: use CLOUD=USGovDoD/);
    refused({ ...BASE, GRAPH_CLOUD: 'China' }, 'CLOUD: China');
    refused({ ...BASE, GRAPH_CLOUD: 'USGovL4', CLOUD: 'Public' }, 'GRAPH_CLOUD');
  });

  test('plain http only for loopback endpoints (the emulators)', () => {
    expect(loadConfig({ ...BASE, OAuthUrl: 'http://127.0.0.1:9/' }).botFramework.OAuthUrl).toBe('http://127.0.0.1:9');
    refused({ ...BASE, OAuthUrl: 'http://token.example.com' }, 'OAuthUrl');
    refused({ ...BASE, ToChannelFromBotLoginUrl: 'http://login.example.com/x' }, 'ToChannelFromBotLoginUrl');
  });
});

describe('credentials and sign-in settings', () => {
  test('an OAuth connection is required for delegated Graph access', () => {
    refused({ MicrosoftAppId: APP, MicrosoftAppPassword: 's' }, 'OAUTH_CONNECTION_NAME');
    expect(loadConfig(BASE).bot.oauthConnectionName).toBe('todo-graph');
  });

  test('SSO_CONNECTION_NAME is read as a deprecated name', () => {
    const c = loadConfig({ MicrosoftAppId: APP, MicrosoftAppPassword: 's', SSO_CONNECTION_NAME: 'old' });
    expect(c.bot.oauthConnectionName).toBe('old');
    expect(c.warnings.join(' ')).toMatch(/SSO_CONNECTION_NAME is deprecated/);
  });

  test('secret, certificate or managed identity: exactly one', () => {
    refused({ MicrosoftAppId: APP, OAUTH_CONNECTION_NAME: 'c' }, 'MicrosoftAppPassword');
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----';
    const thumb = 'A'.repeat(40);
    const cert = loadConfig({ MicrosoftAppId: APP, OAUTH_CONNECTION_NAME: 'c', CertificateThumbprint: thumb, CertificatePrivateKey: pem });
    expect(cert.bot.certificateThumbprint).toBe(thumb);
    refused({ ...BASE, CertificateThumbprint: thumb, CertificatePrivateKey: pem }, 'not both');
    refused({ MicrosoftAppId: APP, OAUTH_CONNECTION_NAME: 'c', CertificateThumbprint: thumb }, 'set both');
    const msi = loadConfig({ MicrosoftAppId: APP, OAUTH_CONNECTION_NAME: 'c', MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppTenantId: TENANT });
    expect(msi.bot.appType).toBe('UserAssignedMSI');
    refused({ ...BASE, MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppTenantId: TENANT }, 'managed identity');
    refused({ ...BASE, MicrosoftAppType: 'SingleTenant' }, 'MicrosoftAppTenantId');
  });

  test('ALLOWED_TENANTS: explicit list, else the app’s tenant for single-tenant apps, else every tenant', () => {
    expect(loadConfig({ ...BASE, ALLOWED_TENANTS: ` ${TENANT.toUpperCase()} , ` }).allowedTenants).toEqual([TENANT]);
    expect(loadConfig({ ...BASE, MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: TENANT }).allowedTenants).toEqual([TENANT]);
    expect(loadConfig(BASE).allowedTenants).toBeUndefined();
    refused({ ...BASE, ALLOWED_TENANTS: 'contoso.com' }, 'ALLOWED_TENANTS');
  });

  test('GRAPH_AUTH=application needs the bot’s own secret or certificate', () => {
    expect(loadConfig({ MicrosoftAppId: APP, MicrosoftAppPassword: 's', GRAPH_AUTH: 'application' }).graphAuth).toBe('application');
    refused({ GRAPH_AUTH: 'application' }, 'GRAPH_AUTH');
    refused({ GRAPH_AUTH: 'both' }, 'GRAPH_AUTH');
  });

  test('LOCAL_SIGN_IN stays on loopback and needs no account', () => {
    const c = loadConfig({ LOCAL_SIGN_IN: 'true' });
    expect(c).toMatchObject({ localMode: true, localSignIn: true, bindHost: '127.0.0.1' });
    refused({ ...BASE, LOCAL_SIGN_IN: 'true' }, 'LOCAL_SIGN_IN');
  });

  test('every problem is reported at once', () => {
    expect(() => loadConfig({ MicrosoftAppId: APP, CLOUD: 'China' })).toThrow(/CLOUD: China.*MicrosoftAppPassword.*OAUTH_CONNECTION_NAME/);
  });
});
