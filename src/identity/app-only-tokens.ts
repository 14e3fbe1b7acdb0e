import type { ConfidentialClientApplication } from '@azure/msal-node';
import { AppError } from '../errors';
import type { TokenProvider } from '../graph/types';
import { appToken, confidentialClient, type ClientCredential } from './msal-apps';

/**
 * GRAPH_AUTH=application: Graph tokens for the bot itself (client credentials, secret or
 * certificate) carrying the admin-granted application permissions (Tasks.ReadWrite.All, and
 * Files.Read.All / ChannelMessage.Read.All / Chat.Read.All for shared files and pasted images).
 * Each user's To Do is then reached as /users/{aadObjectId}/todo/…, with a token from the
 * user's own tenant (a multi-tenant app needs admin consent in each). No sign-in card.
 */
export class AppOnlyTokens {
  private readonly clients = new Map<string, ConfidentialClientApplication>();

  constructor(
    private readonly options: {
      appId: string;
      credential: ClientCredential;
      /** The Entra ID login URL of the cloud (its origin is the authority host). */
      loginUrl: string;
      /** Graph's resource id for the cloud, e.g. https://graph.microsoft.com. */
      graphResource: string;
      /** The app's home tenant, used when an activity names none. */
      defaultTenantId: string | undefined;
    },
  ) {}

  /** A provider for a user of `tenantId`; msal caches the token and renews it before expiry. */
  provider(tenantId: string | undefined): TokenProvider {
    const tenant = tenantId ?? this.options.defaultTenantId;
    return async () => {
      if (tenant === undefined) throw new AppError('SIGN_IN_UNAVAILABLE', 'The user’s tenant is unknown, so no application token can be requested.');
      let client = this.clients.get(tenant);
      if (!client) {
        client = confidentialClient({ clientId: this.options.appId, credential: this.options.credential, loginUrl: this.options.loginUrl, tenant });
        this.clients.set(tenant, client);
        // Bounded: a multi-tenant bot keeps at most a few hundred tenants' clients.
        if (this.clients.size > 500) this.clients.delete(this.clients.keys().next().value as string);
      }
      return (await appToken(client, this.options.graphResource)).token;
    };
  }
}

