import type { ConfidentialClientApplication } from '@azure/msal-node';
import { ServiceClientCredentialsFactory, type ServiceClientCredentials } from 'botframework-connector';
import { appToken, confidentialClient, type ClientCredential } from '../identity/msal-apps';

/**
 * The bot's own credential (for the connector and the token service) on the current
 * @azure/msal-node, with a secret or a certificate. botbuilder bundles msal-node 2.x and, for a
 * login host outside msal's built-in list, makes a discovery call that no configuration stops
 * (identity.md §7); building the client ourselves keeps one code path for real clouds and the
 * local emulators alike. Managed identities keep botbuilder's own factory.
 */
export class MsalCredentialsFactory extends ServiceClientCredentialsFactory {
  /** One client per authority (login URL + tenant); a bot uses one or two. */
  private readonly clients = new Map<string, ConfidentialClientApplication>();

  constructor(
    private readonly appId: string,
    private readonly credential: ClientCredential,
    /** The app's own tenant for single-tenant apps (replaces the login URL's tenant, as botbuilder does). */
    private readonly tenantId: string | undefined,
  ) {
    super();
  }

  async isValidAppId(appId: string): Promise<boolean> {
    return appId === this.appId;
  }

  async isAuthenticationDisabled(): Promise<boolean> {
    return false;
  }

  async createCredentials(appId: string, audience: string | undefined, loginEndpoint: string): Promise<ServiceClientCredentials> {
    if (appId !== this.appId) throw new Error('Invalid appId.');
    const key = `${loginEndpoint}\u0000${this.tenantId ?? ''}`;
    let client = this.clients.get(key);
    if (!client) {
      client = confidentialClient({ clientId: this.appId, credential: this.credential, loginUrl: loginEndpoint, tenant: this.tenantId });
      this.clients.set(key, client);
    }
    const resource = audience ?? 'https://api.botframework.com';
    const app = client;
    return {
      async signRequest(webResource) {
        const { token } = await appToken(app, resource);
        webResource.headers.set('authorization', `Bearer ${token}`);
        return webResource;
      },
    };
  }
}
