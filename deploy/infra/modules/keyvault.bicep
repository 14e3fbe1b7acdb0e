// Key Vault for the one secret the app has: the Entra app's client secret. The web app reads it
// through a Key Vault reference with the managed identity; it never appears in app settings,
// parameters files or outputs.
param name string
param location string

@description('Object id of the managed identity that reads the secret.')
param readerPrincipalId string

@secure()
@description('Client secret of the Entra app (empty: no secret is stored, e.g. certificate or managed-identity setups).')
param botAppClientSecret string

@description('Name of the secret that holds the Entra app client secret.')
param secretName string = 'bot-app-client-secret'

@description('Purge protection keeps deleted secrets for the retention period; recommended for production.')
param enablePurgeProtection bool = true

param tags object = {}

// Built-in role "Key Vault Secrets User": read secret values, nothing else.
var secretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(botAppClientSecret)) {
  parent: vault
  name: secretName
  properties: {
    value: botAppClientSecret
    contentType: 'Entra app client secret (To Do Attach bot and OAuth connection)'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, readerPrincipalId, secretsUserRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUserRoleId)
    principalId: readerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name
output vaultUri string = vault.properties.vaultUri
// Versionless URI: the app picks up a rotated secret without a redeployment.
output secretUri string = '${vault.properties.vaultUri}secrets/${secretName}'
