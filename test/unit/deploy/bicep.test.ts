import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Node } from 'web-tree-sitter';
import { lintDeployment, literal, objectProperty, propertyValue, type BicepFile } from '../../../tools/bicep/lint';
import { parseBicep, syntaxErrors } from '../../../tools/bicep/parser';
import { formatDiagnostic } from '../../../tools/diagnostics';
import { ROOT } from './fixtures';

const INFRA = path.join(ROOT, 'deploy', 'infra');
const MAIN = path.join(INFRA, 'main.bicep');

function bicepFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? bicepFiles(path.join(dir, e.name)) : e.name.endsWith('.bicep') ? [path.join(dir, e.name)] : [],
  );
}

/** `rel:line:col` of the first occurrence of `needle` in `text`. */
function where(rel: string, text: string, needle: string, offset = 0): string {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`"${needle}" not in ${rel}`);
  const before = text.slice(0, index + offset).split('\n');
  return `${rel}:${before.length}:${(before[before.length - 1]?.length ?? 0) + 1}`;
}

/** Lints the deployment with one file changed (`from` must occur exactly once). */
async function lintWith(rel: string, from: string, to: string): Promise<{ text: string; lines: string[] }> {
  const file = path.join(ROOT, rel);
  const original = readFileSync(file, 'utf8');
  expect(original.split(from)).toHaveLength(2);
  const text = original.replace(from, to);
  const result = await lintDeployment(MAIN, { sources: new Map([[file, text]]) });
  return { text, lines: result.diagnostics.map((d) => formatDiagnostic(d, ROOT)) };
}

describe('deploy/infra Bicep, checked offline with tree-sitter-bicep', () => {
  it('every .bicep file under deploy/ parses without a syntax error', async () => {
    const files = bicepFiles(path.join(ROOT, 'deploy'));
    expect(files.map((f) => path.relative(INFRA, f)).sort()).toEqual([
      'main.bicep',
      'modules/appservice.bicep',
      'modules/bot.bicep',
      'modules/identity.bicep',
      'modules/keyvault.bicep',
      'modules/monitoring.bicep',
      'modules/storage.bicep',
    ]);
    for (const f of files) expect(syntaxErrors(await parseBicep(f, readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('main.bicep and the modules it uses pass the lint', async () => {
    const result = await lintDeployment(MAIN);
    expect(result.diagnostics.map((d) => formatDiagnostic(d, ROOT))).toEqual([]);
    expect(result.files.size).toBe(7);
  });

  it('reports a syntax error with file:line:col', async () => {
    const { text, lines } = await lintWith('deploy/infra/modules/bot.bicep', "  sku: {\n    name: sku\n  }", '  sku: {{\n    name: sku\n  }');
    expect(lines[0]).toMatch(new RegExp(`^${where('deploy/infra/modules/bot.bicep', text, 'sku: {{', 5).replace(/\./g, '\\.')}: syntax error`));
  });

  it('reports an unterminated string and a missing brace', async () => {
    const unterminated = await lintWith('deploy/infra/modules/identity.bicep', "'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31'", "'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31");
    expect(unterminated.lines.length).toBeGreaterThan(0);
    expect(unterminated.lines.every((l) => l.startsWith('deploy/infra/modules/identity.bicep:') && l.includes('syntax error'))).toBe(true);
    const missing = await lintWith('deploy/infra/modules/identity.bicep', '  tags: tags\n}', '  tags: tags\n');
    expect(missing.lines).toEqual([expect.stringMatching(/^deploy\/infra\/modules\/identity\.bicep:\d+:\d+: syntax error: /)]);
  });

  it('reports a name used but not declared', async () => {
    const { text, lines } = await lintWith('deploy/infra/main.bicep', 'retentionInDays: logRetentionInDays', 'retentionInDays: logRetentionDays');
    expect(lines).toEqual([
      `${where('deploy/infra/main.bicep', text, 'param logRetentionInDays', 6)}: parameter 'logRetentionInDays' is declared but never used [unused-param]`,
      `${where('deploy/infra/main.bicep', text, 'logRetentionDays')}: 'logRetentionDays' is used but not declared [undeclared]`,
    ]);
  });

  it('reports a misspelt function', async () => {
    const { text, lines } = await lintWith('deploy/infra/main.bicep', "storage: take('st${toLower(", "storage: take('st${toLowr(");
    expect(lines).toEqual([`${where('deploy/infra/main.bicep', text, 'toLowr')}: 'toLowr' is not a Bicep function [unknown-function]`]);
  });

  it('reports module parameters that the module does not declare, lacks, or does not allow', async () => {
    const unknown = await lintWith('deploy/infra/main.bicep', "    workspaceName: names.workspace\n", "    workspaceName: names.workspace\n    colour: 'blue'\n");
    expect(unknown.lines).toEqual([`${where('deploy/infra/main.bicep', unknown.text, 'colour')}: module 'monitoring' (modules/monitoring.bicep) has no parameter 'colour' [module-params]`]);

    const missing = await lintWith('deploy/infra/main.bicep', '    readerPrincipalId: identity.outputs.principalId\n', '');
    expect(missing.lines).toEqual([`${where('deploy/infra/main.bicep', missing.text, 'keyVault ', 0)}: module 'keyVault' (modules/keyvault.bicep) needs parameter 'readerPrincipalId' [module-params]`]);

    const notAllowed = await lintWith('deploy/infra/main.bicep', '    skuName: storageSku\n', "    skuName: 'Premium_LRS'\n");
    expect(notAllowed.lines).toContain(
      `${where('deploy/infra/main.bicep', notAllowed.text, "'Premium_LRS'")}: 'Premium_LRS' is not an allowed value of modules/storage.bicep parameter 'skuName' (Standard_LRS, Standard_ZRS, Standard_GRS, Standard_GZRS) [module-params]`,
    );

    const noFile = await lintWith('deploy/infra/main.bicep', "module storage 'modules/storage.bicep'", "module storage 'modules/storag.bicep'");
    expect(noFile.lines).toEqual([`${where('deploy/infra/main.bicep', noFile.text, "'modules/storag.bicep'")}: module file storag.bicep does not exist [module-path]`]);
  });

  it('reports a resource type or API version nobody checked', async () => {
    const version = await lintWith('deploy/infra/modules/identity.bicep', 'userAssignedIdentities@2023-01-31', 'userAssignedIdentities@2099-01-01');
    expect(version.lines).toEqual([
      `${where('deploy/infra/modules/identity.bicep', version.text, "'Microsoft.ManagedIdentity")}: Microsoft.ManagedIdentity/userAssignedIdentities@2099-01-01 is not a checked API version (known: 2023-01-31) [api-version]`,
    ]);
    const type = await lintWith('deploy/infra/modules/identity.bicep', 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31', 'Microsoft.Sql/servers@2023-05-01-preview');
    expect(type.lines).toEqual([
      `${where('deploy/infra/modules/identity.bicep', type.text, "'Microsoft.Sql")}: resource type Microsoft.Sql/servers is not in the checked list (tools/bicep/known.ts) [resource-type]`,
    ]);
    const noVersion = await lintWith('deploy/infra/modules/identity.bicep', 'userAssignedIdentities@2023-01-31', 'userAssignedIdentities');
    expect(noVersion.lines).toEqual([
      `${where('deploy/infra/modules/identity.bicep', noVersion.text, "'Microsoft.ManagedIdentity")}: resource 'identity' needs a type of the form 'Namespace.Provider/type@yyyy-mm-dd' [resource-type]`,
    ]);
  });

  describe('secrets never reach an output, a variable, a plain app setting or a non-secure module parameter', () => {
    it('an output', async () => {
      const { text, lines } = await lintWith('deploy/infra/main.bicep', 'output BOT_ID string = botAppId', 'output BOT_ID string = aadAppClientSecret');
      expect(lines).toEqual([`${where('deploy/infra/main.bicep', text, 'string = aadAppClientSecret', 9)}: secret 'aadAppClientSecret' is written to output 'BOT_ID' [secret-flow]`]);
    });

    it('a variable', async () => {
      const { text, lines } = await lintWith('deploy/infra/main.bicep', "var botAppId = botAppType == 'UserAssignedMSI' ? identity.outputs.clientId : aadAppClientId", "var botAppId = botAppType == 'UserAssignedMSI' ? identity.outputs.clientId : aadAppClientSecret");
      expect(lines).toEqual([`${where('deploy/infra/main.bicep', text, 'clientId : aadAppClientSecret', 11)}: secret 'aadAppClientSecret' is copied into variable 'botAppId', which is readable [secret-flow]`]);
    });

    it('a module parameter that is not @secure()', async () => {
      const { text, lines } = await lintWith('deploy/infra/main.bicep', '    oauthScopes: oauthScopes\n', '    oauthScopes: aadAppClientSecret\n');
      expect(lines).toContain(`${where('deploy/infra/main.bicep', text, 'aadAppClientSecret\n    workspaceId')}: secret 'aadAppClientSecret' is passed to 'oauthScopes' of modules/bot.bicep, which is not @secure() [secret-flow]`);
    });

    it('a readable resource property (a tag)', async () => {
      const { text, lines } = await lintWith('deploy/infra/modules/keyvault.bicep', '  tags: tags\n  properties: {\n    tenantId', '  tags: union(tags, { s: botAppClientSecret })\n  properties: {\n    tenantId');
      expect(lines).toEqual([
        `${where('deploy/infra/modules/keyvault.bicep', text, 'botAppClientSecret })')}: secret 'botAppClientSecret' is written to Microsoft.KeyVault/vaults tags.s, which is readable; only Key Vault secrets and OAuth connection secrets may hold it [secret-flow]`,
      ]);
    });

    it('a plain app setting that looks like a secret', async () => {
      const { text, lines } = await lintWith('deploy/infra/modules/appservice.bicep', "  OAUTH_CONNECTION_NAME: oauthConnectionName\n", "  OAUTH_CONNECTION_NAME: oauthConnectionName\n  MicrosoftAppPassword: 'hunter2'\n");
      expect(lines).toEqual([`${where('deploy/infra/modules/appservice.bicep', text, "MicrosoftAppPassword: 'hunter2'")}: 'MicrosoftAppPassword' looks like a secret: give it a Key Vault reference or a @secure() parameter [plain-secret]`]);
    });

    it('an account key read with listKeys()', async () => {
      const { text, lines } = await lintWith('deploy/infra/modules/storage.bicep', 'output name string = account.name', 'output name string = account.listKeys().keys[0].value');
      expect(lines).toEqual([`${where('deploy/infra/modules/storage.bicep', text, 'account.listKeys')}: listKeys() reads keys or secrets into the template; use the managed identity instead [no-keys]`]);
    });
  });
});

describe('what the deployment provides', () => {
  let files: Map<string, BicepFile>;
  beforeAll(async () => {
    files = (await lintDeployment(MAIN)).files;
  });
  const file = (rel: string): BicepFile => files.get(path.join(INFRA, rel))!;
  const keys = (obj: Node | undefined): string[] =>
    (obj?.namedChildren ?? []).filter((c): c is Node => c?.type === 'object_property').map((p) => p.namedChildren[0]?.text ?? '');
  const varObject = (f: BicepFile, name: string): Node | undefined => {
    const decl = f.variables.get(name);
    return decl?.descendantsOfType('object')[0] ?? undefined;
  };

  it('has every resource the bot needs, at the API versions we checked', () => {
    const types = [...files.values()].flatMap((f) => f.resources.map((r) => `${r.type}@${r.apiVersion}`)).sort();
    expect(types).toEqual([
      'Microsoft.Authorization/roleAssignments@2022-04-01',
      'Microsoft.Authorization/roleAssignments@2022-04-01',
      'Microsoft.BotService/botServices/channels@2022-09-15',
      'Microsoft.BotService/botServices/connections@2022-09-15',
      'Microsoft.BotService/botServices@2022-09-15',
      'Microsoft.Insights/components@2020-02-02',
      'Microsoft.Insights/diagnosticSettings@2021-05-01-preview',
      'Microsoft.Insights/diagnosticSettings@2021-05-01-preview',
      'Microsoft.KeyVault/vaults/secrets@2023-07-01',
      'Microsoft.KeyVault/vaults@2023-07-01',
      'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31',
      'Microsoft.OperationalInsights/workspaces@2022-10-01',
      'Microsoft.Storage/storageAccounts@2023-01-01',
      'Microsoft.Web/serverfarms@2023-01-01',
      'Microsoft.Web/sites@2023-01-01',
    ]);
  });

  it('writes the app settings the bot reads (src/config.ts names), the password as a Key Vault reference', () => {
    const web = file('modules/appservice.bicep');
    const props = ['botSettings', 'appSettings'].flatMap((v) =>
      (web.variables.get(v)?.descendantsOfType('object_property') ?? []).filter((p): p is Node => p !== null),
    );
    const names = props.map((p) => p.namedChildren[0]?.text);
    expect(names).toEqual([
      'MicrosoftAppId', 'MicrosoftAppType', 'MicrosoftAppTenantId', 'MicrosoftAppPassword',
      'OAUTH_CONNECTION_NAME', 'CLOUD', 'ALLOWED_TENANTS', 'ALLOWED_DOWNLOAD_HOSTS', 'JOB_STORE', 'AZURE_STORAGE_ACCOUNT_URL',
      'AZURE_CLIENT_ID', 'APPLICATIONINSIGHTS_CONNECTION_STRING', 'DATA_DIR', 'LOG_LEVEL', 'NODE_ENV', 'WEBSITE_RUN_FROM_PACKAGE',
      'SCM_DO_BUILD_DURING_DEPLOYMENT', 'WEBSITES_CONTAINER_STOP_TIME_LIMIT',
    ]);
    const value = (name: string): string | undefined => propertyValue(props.find((p) => p.namedChildren[0]?.text === name))?.text;
    expect(value('MicrosoftAppPassword')).toBe("'@Microsoft.KeyVault(SecretUri=${appPasswordSecretUri})'");
    expect(value('JOB_STORE')).toBe("'azure'");
    expect(value('AZURE_STORAGE_ACCOUNT_URL')).toBe('storageAccountUrl');
    expect(web.parsed.source).not.toMatch(/AZURE_STORAGE_CONNECTION_STRING|AccountKey/);
  });

  it('runs Node 22 on Linux App Service, two instances by default, health-checked, no sticky sessions', () => {
    const web = file('modules/appservice.bicep').parsed.source;
    expect(web).toContain("linuxFxVersion: 'NODE|22-lts'");
    expect(web).toContain("appCommandLine: 'node dist/src/main.js'");
    expect(web).toContain("healthCheckPath: '/healthz'");
    expect(web).toContain('capacity: instanceCount');
    expect(web).toContain('clientAffinityEnabled: false');
    expect(web).toContain("type: 'UserAssigned'");
    expect(web).toContain('keyVaultReferenceIdentity: identityResourceId');
    expect(file('main.bicep').params.get('instanceCount')?.hasDefault).toBe(true);
    expect(file('main.bicep').parsed.source).toMatch(/param instanceCount int = 2\n/);
  });

  it('gives the managed identity Tables, Queues and Blobs data access and turns account keys off', () => {
    const storage = file('modules/storage.bicep').parsed.source;
    for (const role of ['0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3', '974c5e8b-45b9-4653-ba55-5f855dd0fb88', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe']) {
      expect(storage).toContain(`'${role}'`);
    }
    expect(storage).toContain('allowSharedKeyAccess: false');
    expect(file('modules/keyvault.bicep').parsed.source).toContain("'4633458b-17de-408a-b874-0445c86b69e6'");
  });

  it('registers the bot with the Teams channel and an Azure AD v2 OAuth connection for SSO', () => {
    const bot = file('modules/bot.bicep');
    const connection = bot.resources.find((r) => r.type === 'Microsoft.BotService/botServices/connections')!;
    const props = propertyValue(objectProperty(connection.body, 'properties'));
    expect(literal(propertyValue(objectProperty(props, 'serviceProviderId')))).toBe('30dd229c-58e3-4a48-bdfd-91ec48eb906c');
    expect(propertyValue(objectProperty(props, 'clientSecret'))?.text).toBe('aadAppClientSecret');
    expect(bot.parsed.source).toContain("value: 'api://botid-${aadAppClientId}'");
    const channel = bot.resources.find((r) => r.type === 'Microsoft.BotService/botServices/channels')!;
    expect(literal(propertyValue(objectProperty(channel.body, 'name')))).toBe('MsTeamsChannel');
    expect(bot.params.get('msaAppType')?.allowed).toEqual(['SingleTenant', 'UserAssignedMSI']);
  });

  it('has values for each cloud: Public, USGov and USGovDoD', () => {
    const main = file('main.bicep');
    expect(main.params.get('cloud')?.allowed).toEqual(['Public', 'USGov', 'USGovDoD']);
    expect(keys(varObject(main, 'clouds'))).toEqual(['Public', 'USGov', 'USGovDoD']);
    expect(main.parsed.source).toContain("graphRoot: 'https://dod-graph.microsoft.us'");
    expect(main.parsed.source).toContain("downloadHosts: '*.sharepoint-mil.us'");
  });

  it('outputs what the toolkit writes to env/.env.<env>, and nothing secret', () => {
    expect([...file('main.bicep').outputs.keys()]).toEqual([
      'AZURE_APP_SERVICE_RESOURCE_ID', 'BOT_DOMAIN', 'BOT_ID', 'BOT_TENANT_ID', 'AZURE_BOT_NAME', 'AZURE_KEY_VAULT_NAME',
      'AZURE_STORAGE_ACCOUNT_NAME', 'AZURE_LOG_ANALYTICS_WORKSPACE_ID', 'APP_IDENTITY_CLIENT_ID',
    ]);
  });
});
