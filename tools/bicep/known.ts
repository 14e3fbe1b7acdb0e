/**
 * Resource types and API versions this project has checked against the Azure REST API reference.
 * A resource outside this table fails the lint, so whoever adds one looks its version up first.
 */
export const KNOWN_API_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  'Microsoft.ManagedIdentity/userAssignedIdentities': ['2023-01-31'],
  'Microsoft.Web/serverfarms': ['2022-09-01', '2023-01-01', '2023-12-01', '2024-04-01'],
  'Microsoft.Web/sites': ['2022-09-01', '2023-01-01', '2023-12-01', '2024-04-01'],
  'Microsoft.BotService/botServices': ['2021-03-01', '2022-09-15'],
  'Microsoft.BotService/botServices/channels': ['2021-03-01', '2022-09-15'],
  'Microsoft.BotService/botServices/connections': ['2021-03-01', '2022-09-15'],
  'Microsoft.KeyVault/vaults': ['2022-07-01', '2023-07-01'],
  'Microsoft.KeyVault/vaults/secrets': ['2022-07-01', '2023-07-01'],
  'Microsoft.Storage/storageAccounts': ['2023-01-01', '2023-05-01'],
  'Microsoft.Authorization/roleAssignments': ['2022-04-01'],
  'Microsoft.OperationalInsights/workspaces': ['2022-10-01', '2023-09-01'],
  'Microsoft.Insights/components': ['2020-02-02'],
  'Microsoft.Insights/diagnosticSettings': ['2021-05-01-preview'],
};

/** Bicep functions and decorators the lint accepts as call targets (a typo is reported). */
export const BICEP_FUNCTIONS: ReadonlySet<string> = new Set([
  // decorators
  'allowed', 'batchSize', 'description', 'discriminator', 'export', 'maxLength', 'maxValue', 'metadata',
  'minLength', 'minValue', 'sealed', 'secure',
  // any, arrays and objects
  'any', 'array', 'coalesce', 'concat', 'contains', 'empty', 'filter', 'first', 'flatten', 'indexOf',
  'intersection', 'items', 'join', 'last', 'lastIndexOf', 'length', 'map', 'max', 'min', 'range', 'reduce',
  'skip', 'sort', 'take', 'toObject', 'union', 'objectKeys', 'shallowMerge', 'tryGet',
  // strings and numbers
  'base64', 'base64ToJson', 'base64ToString', 'bool', 'dataUri', 'dataUriToString', 'endsWith', 'format',
  'guid', 'int', 'json', 'newGuid', 'padLeft', 'replace', 'split', 'startsWith', 'string', 'substring',
  'toLower', 'toUpper', 'trim', 'uniqueString', 'uri', 'uriComponent', 'uriComponentToString',
  'dateTimeAdd', 'dateTimeFromEpoch', 'dateTimeToEpoch', 'utcNow',
  // deployment and scope
  'deployment', 'environment', 'managementGroup', 'resourceGroup', 'subscription', 'tenant',
  'extensionResourceId', 'managementGroupResourceId', 'pickZones', 'providers', 'reference', 'resourceId',
  'subscriptionResourceId', 'tenantResourceId', 'getSecret',
  // files (read at build time)
  'loadFileAsBase64', 'loadJsonContent', 'loadTextContent', 'loadYamlContent',
]);

/** Names that are namespaces, not symbols (`az.resourceGroup()`, `sys.concat()`). */
export const BICEP_NAMESPACES: ReadonlySet<string> = new Set(['az', 'sys']);

/**
 * Where a @secure() value may go: the property of the resource type that stores it write-only.
 * Anywhere else (an output, a variable, an app setting, a tag) it would be readable.
 */
export const SECRET_SINKS: ReadonlyArray<{ type: string; path: string }> = [
  { type: 'Microsoft.KeyVault/vaults/secrets', path: 'properties.value' },
  { type: 'Microsoft.BotService/botServices/connections', path: 'properties.clientSecret' },
];
