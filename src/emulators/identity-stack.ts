import { EntraEmulator, GRAPH_RESOURCE, type RegisteredApp } from './entra';
import type { GraphTodoEmulator } from './graph-todo';
import { OpenIdEmulator } from './openid';
import { DEFAULT_CONNECTION, TokenServiceEmulator } from './token-service';

/**
 * Entra ID, the channel's OpenID keys and the token service started together and wired the
 * way the real ones are: the bot's app is registered in Entra, the token service trusts the
 * bot's Entra tokens and hands out Entra-signed Graph tokens, and the Graph emulator (when
 * given) accepts them. `settings` are the environment variables that point the bot here.
 */

export interface IdentityStackOptions {
  appId: string;
  /** The bot's client secret in Entra (unless it uses a certificate). */
  appPassword?: string;
  certificate?: RegisteredApp['certificate'];
  connectionName?: string;
  /** Graph to wire: it will accept the Entra-issued tokens. */
  graph?: GraphTodoEmulator;
  /** Application permissions granted to the bot on Graph (GRAPH_AUTH=application). */
  graphAppRoles?: string[];
  /** Tenant of users signing in through the button with no tenant known. */
  defaultTenantId?: string;
}

export interface IdentityStack {
  entra: EntraEmulator;
  openid: OpenIdEmulator;
  tokenService: TokenServiceEmulator;
  connectionName: string;
  /** Bot configuration (the explicit Bot Framework key group and the credentials) for these emulators. */
  settings: Record<string, string>;
  close(): Promise<void>;
}

const CHANNEL_AUDIENCE = 'https://api.botframework.com';

export async function startIdentityEmulators(options: IdentityStackOptions): Promise<IdentityStack> {
  const connectionName = options.connectionName ?? DEFAULT_CONNECTION.name;
  const started: Array<{ close(): Promise<void> }> = [];
  try {
    const entra = await EntraEmulator.start({
      apps: [
        {
          clientId: options.appId,
          ...(options.appPassword !== undefined ? { secret: options.appPassword } : {}),
          ...(options.certificate !== undefined ? { certificate: options.certificate } : {}),
          appRoles: { [GRAPH_RESOURCE]: options.graphAppRoles ?? ['Tasks.ReadWrite.All', 'Files.Read.All', 'ChannelMessage.Read.All', 'Chat.Read.All'] },
        },
      ],
    });
    started.push(entra);
    const openid = await OpenIdEmulator.start({ issuer: CHANNEL_AUDIENCE });
    started.push(openid);
    const tokenService = await TokenServiceEmulator.start({
      entra,
      botAppId: options.appId,
      botAudience: CHANNEL_AUDIENCE,
      connections: [{ ...DEFAULT_CONNECTION, name: connectionName }],
      ...(options.defaultTenantId !== undefined ? { defaultTenantId: options.defaultTenantId } : {}),
    });
    started.push(tokenService);
    options.graph?.trust(entra);
    const settings: Record<string, string> = {
      MicrosoftAppId: options.appId,
      ...(options.appPassword !== undefined ? { MicrosoftAppPassword: options.appPassword } : {}),
      OAUTH_CONNECTION_NAME: connectionName,
      OAuthUrl: tokenService.baseUrl,
      ToChannelFromBotLoginUrl: `${entra.origin}/botframework.com`,
      ToChannelFromBotOAuthScope: CHANNEL_AUDIENCE,
      ToBotFromChannelTokenIssuer: openid.issuer,
      ToBotFromChannelOpenIdMetadataUrl: openid.metadataUrl,
    };
    return {
      entra,
      openid,
      tokenService,
      connectionName,
      settings,
      close: async () => {
        await Promise.all(started.map((s) => s.close()));
      },
    };
  } catch (err) {
    await Promise.all(started.map((s) => s.close()));
    throw err;
  }
}
