// The bot's host: App Service on Linux, Node 22, two or more instances behind the platform's
// load balancer. Every setting the bot reads is written here (names from src/config.ts).
param planName string
param siteName string
param location string

@description('App Service plan SKU. P0v3 or larger for production; B1 works for a trial (no autoscale).')
param skuName string = 'P0v3'

@minValue(1)
@maxValue(30)
@description('Number of instances. Two or more need JOB_STORE=azure (always set here).')
param instanceCount int = 2

@description('Resource id of the user-assigned managed identity.')
param identityResourceId string

@description('Client id of the managed identity (AZURE_CLIENT_ID for @azure/identity).')
param identityClientId string

@description('Log Analytics workspace that receives the App Service logs.')
param workspaceId string

// Bot Framework settings (botbuilder ConfigurationBotFrameworkAuthentication names).
param microsoftAppId string

@allowed([
  'SingleTenant'
  'UserAssignedMSI'
])
param microsoftAppType string

param microsoftAppTenantId string

@description('Key Vault URI of the Entra app client secret; empty with UserAssignedMSI.')
param appPasswordSecretUri string

param oauthConnectionName string

@allowed([
  'Public'
  'USGov'
  'USGovDoD'
])
param cloud string

@description('Comma-separated tenant ids whose users may use the bot.')
param allowedTenants string

@description('Comma-separated hosts the bot may download files from.')
param allowedDownloadHosts string

@description('Endpoint of the storage service that holds job state (managed identity).')
param storageAccountUrl string

param appInsightsConnectionString string

@description('Per-instance scratch directory (job state lives in the storage account).')
param dataDir string = '/tmp/todo-attach'

@allowed([
  'fatal'
  'error'
  'warn'
  'info'
  'debug'
])
param logLevel string = 'info'

param tags object = {}

var botSettings = union(
  {
    MicrosoftAppId: microsoftAppId
    MicrosoftAppType: microsoftAppType
    MicrosoftAppTenantId: microsoftAppTenantId
  },
  // A Key Vault reference, resolved by App Service with the managed identity: the secret itself
  // is never an app setting.
  empty(appPasswordSecretUri) ? {} : { MicrosoftAppPassword: '@Microsoft.KeyVault(SecretUri=${appPasswordSecretUri})' }
)

var appSettings = union(botSettings, {
  OAUTH_CONNECTION_NAME: oauthConnectionName
  CLOUD: cloud
  ALLOWED_TENANTS: allowedTenants
  ALLOWED_DOWNLOAD_HOSTS: allowedDownloadHosts
  JOB_STORE: 'azure'
  AZURE_STORAGE_ACCOUNT_URL: storageAccountUrl
  AZURE_CLIENT_ID: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  DATA_DIR: dataDir
  LOG_LEVEL: logLevel
  NODE_ENV: 'production'
  // The zip from `npm run stage` is already built with production dependencies only.
  WEBSITE_RUN_FROM_PACKAGE: '1'
  SCM_DO_BUILD_DURING_DEPLOYMENT: 'false'
  // SIGTERM, then this many seconds for running transfers to save their state.
  WEBSITES_CONTAINER_STOP_TIME_LIMIT: '60'
})

resource plan 'Microsoft.Web/serverfarms@2023-01-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'linux'
  sku: {
    name: skuName
    capacity: instanceCount
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2023-01-01' = {
  name: siteName
  location: location
  tags: tags
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    keyVaultReferenceIdentity: identityResourceId
    siteConfig: {
      linuxFxVersion: 'NODE|22-lts'
      appCommandLine: 'node dist/src/main.js'
      alwaysOn: true
      http20Enabled: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      healthCheckPath: '/healthz'
      appSettings: [
        for setting in items(appSettings): {
          name: setting.key
          value: setting.value
        }
      ]
    }
  }
}

resource siteLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: site
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'AppServiceConsoleLogs'
        enabled: true
      }
      {
        category: 'AppServiceHTTPLogs'
        enabled: true
      }
      {
        category: 'AppServicePlatformLogs'
        enabled: true
      }
    ]
  }
}

output resourceId string = site.id
output defaultHostName string = site.properties.defaultHostName
output name string = site.name
