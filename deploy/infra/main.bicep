// To Do Attach: everything the bot needs in one resource group. Deployed by `atk provision`
// (m365agents.yml, arm/deploy) or by `az deployment group create` (deploy/README.md).
targetScope = 'resourceGroup'

@minLength(4)
@maxLength(20)
@description('Prefix of every resource name (letters, digits and hyphens).')
param resourceBaseName string

param location string = resourceGroup().location

@allowed([
  'Public'
  'USGov'
  'USGovDoD'
])
@description('Microsoft cloud of the tenant: Public (also M365 GCC), USGov (GCC High) or USGovDoD (DoD). Deploy USGov/USGovDoD into Azure Government.')
param cloud string = 'Public'

@allowed([
  'SingleTenant'
  'UserAssignedMSI'
])
@description('Bot identity. SingleTenant: the Entra app is the bot (secret in Key Vault). UserAssignedMSI: the managed identity is the bot; the Entra app serves the OAuth connection only.')
param botAppType string = 'SingleTenant'

@description('Client id of the Entra app created for SSO (aadApp/create writes AAD_APP_CLIENT_ID).')
param aadAppClientId string

@secure()
@description('Client secret of that Entra app. Stored in Key Vault and in the OAuth connection; never in an app setting or an output.')
param aadAppClientSecret string

@description('Tenant of the Entra app (the tenant whose users use the bot).')
param aadAppTenantId string = tenant().tenantId

@description('Comma-separated tenant ids allowed to use the bot (default: the Entra app\'s tenant).')
param allowedTenants string = ''

@description('Comma-separated hosts the bot may download files from (default: the cloud\'s SharePoint hosts). Prefer your tenant\'s own, e.g. contoso.sharepoint.com,contoso-my.sharepoint.com.')
param allowedDownloadHosts string = ''

@description('Name of the Azure Bot OAuth connection (OAUTH_CONNECTION_NAME).')
param oauthConnectionName string = 'graph'

@description('App Service plan SKU.')
param appServiceSku string = 'P0v3'

@minValue(1)
@maxValue(30)
@description('Number of bot instances (2 or more for availability; they share job state through the storage account).')
param instanceCount int = 2

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSku string = 'Standard_ZRS'

@allowed([
  'F0'
  'S1'
])
param botSku string = 'F0'

@allowed([
  'CommercialDeployment'
  'GCCModerateDeployment'
])
@description('Teams channel environment: GCCModerateDeployment for Microsoft 365 GCC tenants (cloud Public).')
param teamsDeploymentEnvironment string = 'CommercialDeployment'

param keyVaultPurgeProtection bool = true

param logRetentionInDays int = 30

param tags object = {
  app: 'todo-attach'
}

// Per-cloud values. Graph scopes are fully qualified outside Public: short names resolve to
// graph.microsoft.com, which is the wrong resource in GCC High and DoD (identity.md §5).
var clouds = {
  Public: {
    graphRoot: 'https://graph.microsoft.com'
    downloadHosts: '*.sharepoint.com'
  }
  USGov: {
    graphRoot: 'https://graph.microsoft.us'
    downloadHosts: '*.sharepoint.us'
  }
  USGovDoD: {
    graphRoot: 'https://dod-graph.microsoft.us'
    downloadHosts: '*.sharepoint-mil.us'
  }
}
var cloudSettings = clouds[cloud]

// Delegated permissions the token service asks for (deploy/README.md says why each is needed).
var scopePrefix = cloud == 'Public' ? '' : '${cloudSettings.graphRoot}/'
var oauthScopes = 'openid profile offline_access ${scopePrefix}Tasks.ReadWrite ${scopePrefix}Files.Read.All ${scopePrefix}Chat.Read ${scopePrefix}ChannelMessage.Read.All ${scopePrefix}User.Read'

var suffix = uniqueString(resourceGroup().id, resourceBaseName)
var names = {
  identity: 'id-${resourceBaseName}'
  workspace: 'log-${resourceBaseName}'
  appInsights: 'appi-${resourceBaseName}'
  keyVault: 'kv-${take(suffix, 13)}'
  storage: take('st${toLower(replace(resourceBaseName, '-', ''))}${suffix}', 24)
  plan: 'plan-${resourceBaseName}'
  site: '${resourceBaseName}-${take(suffix, 6)}'
  bot: 'bot-${resourceBaseName}'
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: names.workspace
    appInsightsName: names.appInsights
    location: location
    retentionInDays: logRetentionInDays
    tags: tags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyVault'
  params: {
    name: names.keyVault
    location: location
    readerPrincipalId: identity.outputs.principalId
    botAppClientSecret: aadAppClientSecret
    enablePurgeProtection: keyVaultPurgeProtection
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    dataPrincipalId: identity.outputs.principalId
    skuName: storageSku
    tags: tags
  }
}

var botAppId = botAppType == 'UserAssignedMSI' ? identity.outputs.clientId : aadAppClientId

module web 'modules/appservice.bicep' = {
  name: 'web'
  params: {
    planName: names.plan
    siteName: names.site
    location: location
    skuName: appServiceSku
    instanceCount: instanceCount
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    workspaceId: monitoring.outputs.workspaceId
    microsoftAppId: botAppId
    microsoftAppType: botAppType
    microsoftAppTenantId: aadAppTenantId
    appPasswordSecretUri: botAppType == 'SingleTenant' ? keyVault.outputs.secretUri : ''
    oauthConnectionName: oauthConnectionName
    cloud: cloud
    allowedTenants: empty(allowedTenants) ? aadAppTenantId : allowedTenants
    allowedDownloadHosts: empty(allowedDownloadHosts) ? cloudSettings.downloadHosts : allowedDownloadHosts
    // Job records live in Azure Tables (issue 13); the same identity reaches Queues and Blobs.
    storageAccountUrl: storage.outputs.tableEndpoint
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    tags: tags
  }
}

module bot 'modules/bot.bicep' = {
  name: 'bot'
  params: {
    name: names.bot
    displayName: 'To Do Attach'
    endpoint: 'https://${web.outputs.defaultHostName}/api/messages'
    msaAppType: botAppType
    msaAppId: botAppId
    msaAppTenantId: aadAppTenantId
    msaAppMSIResourceId: identity.outputs.resourceId
    sku: botSku
    teamsDeploymentEnvironment: teamsDeploymentEnvironment
    oauthConnectionName: oauthConnectionName
    aadAppClientId: aadAppClientId
    aadAppClientSecret: aadAppClientSecret
    aadAppTenantId: aadAppTenantId
    oauthScopes: oauthScopes
    workspaceId: monitoring.outputs.workspaceId
    tags: tags
  }
}

// Outputs are written to env/.env.<env> by the Agents Toolkit; none of them is a secret.
output AZURE_APP_SERVICE_RESOURCE_ID string = web.outputs.resourceId
output BOT_DOMAIN string = web.outputs.defaultHostName
output BOT_ID string = botAppId
output BOT_TENANT_ID string = aadAppTenantId
output AZURE_BOT_NAME string = bot.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_LOG_ANALYTICS_WORKSPACE_ID string = monitoring.outputs.workspaceId
output APP_IDENTITY_CLIENT_ID string = identity.outputs.clientId
