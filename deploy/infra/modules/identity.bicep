// The app's user-assigned managed identity: it reads Key Vault references and the storage
// account's data (no keys anywhere). With botAppType 'UserAssignedMSI' it is also the bot's identity.
@description('Name of the managed identity.')
param name string

@description('Azure region.')
param location string

param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output resourceId string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
output tenantId string = identity.properties.tenantId
