import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type Activity, type ConfigurationBotFrameworkAuthenticationOptions, type InvokeResponse, type TurnContext } from 'botbuilder';
import { ClaimsIdentity, type UserTokenClient } from 'botframework-connector';
import type { BotIdentity } from '../config-identity';
import type { BotFrameworkEndpoints } from '../identity/cloud-presets';
import { MsalCredentialsFactory } from './msal-credentials';

/**
 * The Bot Framework side of authentication, all in botbuilder's hands: inbound activities are
 * validated by ConfigurationBotFrameworkAuthentication (no JWT code of ours), outbound calls and
 * the token service use the bot's credential. Without an app id (local mode) authentication is
 * off, as botbuilder does it.
 */

/**
 * CloudAdapter with its authenticate-and-run step reachable: `process` writes a 500 (and a stack
 * trace to the console) for some authentication failures, and `processActivityDirect` drops
 * the invoke response, so the HTTP side (authenticated-handler.ts) calls this instead.
 */
export class TeamsAdapter extends CloudAdapter {
  authenticateAndRun(authorization: string, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(authorization, activity, logic);
  }
}

export interface BotAuthSettings {
  bot: BotIdentity;
  /** undefined: local mode, authentication off. */
  botFramework: (BotFrameworkEndpoints & { ValidateAuthority: boolean }) | undefined;
}

export interface BotAuthentication {
  adapter: TeamsAdapter;
  auth: ConfigurationBotFrameworkAuthentication;
  /** True when activities must carry a valid channel token. */
  required: boolean;
  /**
   * A token service client acting as the bot with no inbound activity (background jobs, after a
   * restart): only the bot's credentials are needed (identity.md §2).
   */
  backgroundUserTokenClient(): Promise<UserTokenClient>;
}

/** The options handed to ConfigurationBotFrameworkAuthentication: botbuilder's own key names, the whole explicit group. */
export function botFrameworkOptions(settings: BotAuthSettings): ConfigurationBotFrameworkAuthenticationOptions {
  const { bot, botFramework } = settings;
  if (bot.appId === undefined || botFramework === undefined) return {};
  return {
    MicrosoftAppId: bot.appId,
    MicrosoftAppType: bot.appType,
    ...(bot.tenantId !== undefined ? { MicrosoftAppTenantId: bot.tenantId } : {}),
    ...(bot.appPassword !== undefined ? { MicrosoftAppPassword: bot.appPassword } : {}),
    ...(bot.certificateThumbprint !== undefined ? { CertificateThumbprint: bot.certificateThumbprint } : {}),
    ...(bot.certificatePrivateKey !== undefined ? { CertificatePrivateKey: bot.certificatePrivateKey } : {}),
    ...(botFramework.ChannelService !== undefined ? { ChannelService: botFramework.ChannelService } : {}),
    ValidateAuthority: botFramework.ValidateAuthority,
    OAuthUrl: botFramework.OAuthUrl,
    ToChannelFromBotLoginUrl: botFramework.ToChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: botFramework.ToChannelFromBotOAuthScope,
    ToBotFromChannelTokenIssuer: botFramework.ToBotFromChannelTokenIssuer,
    ToBotFromChannelOpenIdMetadataUrl: botFramework.ToBotFromChannelOpenIdMetadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: botFramework.ToBotFromEmulatorOpenIdMetadataUrl,
    CallerId: botFramework.CallerId,
  };
}

export function createBotAuthentication(settings: BotAuthSettings): BotAuthentication {
  const { bot } = settings;
  const options = botFrameworkOptions(settings);
  const appId = bot.appId;
  const required = appId !== undefined && settings.botFramework !== undefined;
  // Secret or certificate: our msal-node factory. A managed identity: botbuilder's own.
  const factory =
    required && bot.appType !== 'UserAssignedMSI'
      ? new MsalCredentialsFactory(
          appId,
          {
            secret: bot.appPassword,
            certificate: bot.certificateThumbprint !== undefined && bot.certificatePrivateKey !== undefined ? { thumbprint: bot.certificateThumbprint, privateKey: bot.certificatePrivateKey } : undefined,
          },
          bot.appType === 'SingleTenant' ? bot.tenantId : undefined,
        )
      : undefined;
  const auth = new ConfigurationBotFrameworkAuthentication(options, factory);
  const adapter = new TeamsAdapter(auth);
  let background: Promise<UserTokenClient> | undefined;
  return {
    adapter,
    auth,
    required,
    backgroundUserTokenClient() {
      if (!required || appId === undefined) return Promise.reject(new Error('No app id: there is no token service in local mode.'));
      // The app id is read from `aud` (parameterizedBotFrameworkAuthentication.getAppId).
      background ??= auth.createUserTokenClient(new ClaimsIdentity([{ type: 'aud', value: appId }], true)).catch((err: unknown) => {
        background = undefined;
        throw err;
      });
      return background;
    },
  };
}
