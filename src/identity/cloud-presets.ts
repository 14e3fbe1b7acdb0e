/**
 * What one CLOUD setting stands for: the Bot Framework endpoints botbuilder's
 * ConfigurationBotFrameworkAuthentication takes (under their own key names), and the hosts
 * Teams files are downloaded from. Graph roots live in src/graph/clouds.ts.
 *
 * Sources (reference/identity.md §5): bot-docs "how-to-deploy-gov-cloud-high", "ref-oauth-
 * redirect-urls", botframework-connector's AuthenticationConstants / GovernmentConstants.
 * ChannelService alone is not enough in the US Government clouds: botbuilder then uses
 * `https://api.botframework.azure.us` as the token service, while Teams GCC High needs
 * `tokengcch…` and DoD `apiDoD…`. So every preset names the whole explicit group.
 */

export const SUPPORTED_CLOUDS = ['Public', 'USGov', 'USGovDoD'] as const;
export type SupportedCloud = (typeof SUPPORTED_CLOUDS)[number];

/**
 * The explicit group of ConfigurationBotFrameworkAuthentication keys. When any one of them is
 * set botbuilder uses all of them as given, with no per-key defaults, so they travel together.
 */
export interface BotFrameworkEndpoints {
  /** Only informative once the explicit group is set (botbuilder then ignores it). */
  ChannelService: string | undefined;
  /** The Bot Framework Token Service (user tokens of the OAuth connection). */
  OAuthUrl: string;
  /** Where the bot gets its own token for the connector and the token service. */
  ToChannelFromBotLoginUrl: string;
  ToChannelFromBotOAuthScope: string;
  /** `iss` of the tokens Teams (the channel) sends with each activity. */
  ToBotFromChannelTokenIssuer: string;
  /** OpenID metadata whose keys sign those tokens. */
  ToBotFromChannelOpenIdMetadataUrl: string;
  ToBotFromEmulatorOpenIdMetadataUrl: string;
  CallerId: string;
}

/** US Government (GCC High); DoD below differs in its token service. */
const GOV: BotFrameworkEndpoints = {
  ChannelService: 'https://botframework.azure.us',
  OAuthUrl: 'https://tokengcch.botframework.azure.us',
  ToChannelFromBotLoginUrl: 'https://login.microsoftonline.us/MicrosoftServices.onmicrosoft.us',
  ToChannelFromBotOAuthScope: 'https://api.botframework.us',
  ToBotFromChannelTokenIssuer: 'https://api.botframework.us',
  ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.azure.us/v1/.well-known/openidconfiguration',
  ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.us/cab8a31a-1906-4287-a0d8-4eef66b95f6e/v2.0/.well-known/openid-configuration',
  CallerId: 'urn:botframework:azureusgov',
};

export const BOT_FRAMEWORK_PRESETS: Record<SupportedCloud, BotFrameworkEndpoints> = {
  Public: {
    ChannelService: undefined,
    OAuthUrl: 'https://token.botframework.com',
    ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
    ToChannelFromBotOAuthScope: 'https://api.botframework.com',
    ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
    ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
    ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
    CallerId: 'urn:botframework:azure',
  },
  USGov: GOV,
  // DoD differs from GCC High in its token service only (bot-docs, how-to-deploy-gov-cloud-high).
  USGovDoD: { ...GOV, OAuthUrl: 'https://apiDoD.botframework.azure.us' },
};

/** SharePoint/OneDrive hosts of each cloud: where Teams keeps the files users share. */
export const DEFAULT_DOWNLOAD_HOSTS: Record<SupportedCloud, readonly string[]> = {
  Public: ['*.sharepoint.com'],
  USGov: ['*.sharepoint.us'],
  USGovDoD: ['*.sharepoint-mil.us'],
};

/** The old GRAPH_CLOUD names (before CLOUD), for the deprecation path. */
export const LEGACY_CLOUD_NAMES: Record<string, SupportedCloud | 'China'> = {
  Global: 'Public',
  USGovL4: 'USGov',
  USGovL5: 'USGovDoD',
  China: 'China',
};

