// Log Analytics (the App Service and Azure Bot logs) and a workspace-based Application Insights
// (the app's traces and metrics through APPLICATIONINSIGHTS_CONNECTION_STRING).
param workspaceName string
param appInsightsName string
param location string

@minValue(30)
@maxValue(730)
@description('Days Log Analytics keeps data.')
param retentionInDays int = 30

param tags object = {}

resource workspace 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  kind: 'web'
  tags: tags
  properties: {
    Application_Type: 'Node.JS'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
  }
}

output workspaceId string = workspace.id
output workspaceName string = workspace.name
output appInsightsName string = appInsights.name
// An ingestion address, not a credential: Microsoft documents the connection string as safe to
// keep in app settings (it only lets a client send telemetry).
output appInsightsConnectionString string = appInsights.properties.ConnectionString
