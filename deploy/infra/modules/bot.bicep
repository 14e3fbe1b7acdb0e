// The Azure Bot: its messaging endpoint, the Teams channel and the OAuth connection the Bot
// Framework Token Service uses for Teams SSO (OAUTH_CONNECTION_NAME).
param name string
param displayName string

@description('https URL of the bot\'s /api/messages.')
param endpoint string

@allowed([
  'SingleTenant'
  'UserAssignedMSI'
])
param msaAppType string

@description('The bot\'s app id: the Entra app (SingleTenant) or the managed identity\'s client id.')
param msaAppId string

param msaAppTenantId string

@description('Resource id of the managed identity (UserAssignedMSI only).')
param msaAppMSIResourceId string = ''

@allowed([
  'F0'
  'S1'
])
param sku string = 'F0'

@allowed([
  'CommercialDeployment'
  'GCCModerateDeployment'
])
@description('GCCModerateDeployment for Microsoft 365 GCC tenants; CommercialDeployment otherwise.')
param teamsDeploymentEnvironment string = 'CommercialDeployment'

param oauthConnectionName string

@description('Entra app used by the OAuth connection (client id).')
param aadAppClientId string

@secure()
param aadAppClientSecret string

@description('Tenant whose users sign in through the connection.')
param aadAppTenantId string

@description('Space-separated delegated Graph scopes the connection asks for.')
param oauthScopes string

@description('Workspace that receives the bot\'s request logs.')
param workspaceId string

param tags object = {}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: name
  location: 'global'
  kind: 'azurebot'
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    displayName: displayName
    endpoint: endpoint
    msaAppType: msaAppType
    msaAppId: msaAppId
    msaAppTenantId: msaAppTenantId
    msaAppMSIResourceId: msaAppType == 'UserAssignedMSI' ? msaAppMSIResourceId : null
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
      deploymentEnvironment: teamsDeploymentEnvironment
    }
  }
}

// Teams SSO: Azure AD v2 provider; the token exchange URL is the Entra app's Application ID URI
// (identity.md §1), the same string as webApplicationInfo.resource in the Teams manifest.
resource oauth 'Microsoft.BotService/botServices/connections@2022-09-15' = {
  parent: bot
  name: oauthConnectionName
  location: 'global'
  properties: {
    serviceProviderDisplayName: 'Azure Active Directory v2'
    serviceProviderId: '30dd229c-58e3-4a48-bdfd-91ec48eb906c'
    clientId: aadAppClientId
    clientSecret: aadAppClientSecret
    scopes: oauthScopes
    parameters: [
      {
        key: 'tenantID'
        value: aadAppTenantId
      }
      {
        key: 'tokenExchangeUrl'
        value: 'api://botid-${aadAppClientId}'
      }
    ]
  }
}

resource botLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: bot
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'BotRequest'
        enabled: true
      }
    ]
  }
}

output name string = bot.name
