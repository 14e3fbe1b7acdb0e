import { ConfidentialClientApplication, LogLevel, type Configuration } from '@azure/msal-node';
import { AppError } from '../errors';
import { isLoopbackHost } from '../sources/allowed-hosts';

/**
 * msal-node confidential clients for the bot's own tokens: its Bot Framework token (connector,
 * token service) and, in GRAPH_AUTH=application mode, app-only Graph tokens. One place builds
 * them so the secret/certificate choice and the authority rules are the same for both.
 *
 * msal-node requires an https authority (identity.md §4d). A loopback http login URL (the
 * Entra emulator) is reached by giving msal a real-looking authority plus its metadata, whose
 * `token_endpoint` may be http: msal then only POSTs the token request there.
 */

export interface ClientCredential {
  secret?: string | undefined;
  /** SHA-1 thumbprint (hex) and PEM private key of the app's certificate. */
  certificate?: { thumbprint: string; privateKey: string } | undefined;
}

const EMULATED_AUTHORITY_HOST = 'login.microsoftonline.com';

/** `https://host/tenant` from a login URL such as `https://login.microsoftonline.com/botframework.com`. */
export function authorityFor(loginUrl: string, tenant: string | undefined): { authority: string; tenant: string; emulated: boolean; origin: string } {
  const url = new URL(loginUrl);
  const pathTenant = url.pathname.split('/').filter((s) => s.length > 0)[0];
  const chosen = tenant ?? pathTenant;
  if (chosen === undefined) throw new AppError('CONFIG_INVALID', 'The login URL names no tenant (expected https://login.microsoftonline.com/{tenant}).');
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) {
    return { authority: `https://${EMULATED_AUTHORITY_HOST}/${chosen}`, tenant: chosen, emulated: true, origin: url.origin };
  }
  if (url.protocol !== 'https:') throw new AppError('CONFIG_INVALID', 'The login URL must be https.');
  return { authority: `${url.origin}/${chosen}`, tenant: chosen, emulated: false, origin: url.origin };
}

/** A confidential client for `clientId` against the authority of `loginUrl` (tenant overridable). */
export function confidentialClient(options: { clientId: string; credential: ClientCredential; loginUrl: string; tenant?: string | undefined }): ConfidentialClientApplication {
  const { authority, tenant, emulated, origin } = authorityFor(options.loginUrl, options.tenant);
  const { secret, certificate } = options.credential;
  if (secret === undefined && certificate === undefined) throw new AppError('CONFIG_INVALID', 'The bot needs a client secret or a certificate.');
  const config: Configuration = {
    auth: {
      clientId: options.clientId,
      authority,
      ...(secret !== undefined ? { clientSecret: secret } : {}),
      ...(certificate !== undefined && secret === undefined ? { clientCertificate: { thumbprint: certificate.thumbprint, privateKey: certificate.privateKey } } : {}),
      ...(emulated
        ? {
            knownAuthorities: [EMULATED_AUTHORITY_HOST],
            authorityMetadata: JSON.stringify({
              token_endpoint: `${origin}/${tenant}/oauth2/v2.0/token`,
              authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/authorize`,
              issuer: `https://${EMULATED_AUTHORITY_HOST}/${tenant}/v2.0`,
              jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
            }),
            cloudDiscoveryMetadata: JSON.stringify({
              tenant_discovery_endpoint: `${origin}/${tenant}/v2.0/.well-known/openid-configuration`,
              metadata: [{ preferred_network: EMULATED_AUTHORITY_HOST, preferred_cache: EMULATED_AUTHORITY_HOST, aliases: [EMULATED_AUTHORITY_HOST] }],
            }),
          }
        : {}),
    },
    // msal's own logging stays off: its lines can carry request details.
    system: { loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => undefined } },
  };
  return new ConfidentialClientApplication(config);
}

/** An app token for `resource` (`{resource}/.default`); msal caches it and renews it before it expires. */
export async function appToken(client: ConfidentialClientApplication, resource: string): Promise<{ token: string; expiresAt: number | undefined }> {
  const scope = resource.endsWith('/.default') ? resource : `${resource.replace(/\/+$/, '')}/.default`;
  let result;
  try {
    result = await client.acquireTokenByClientCredential({ scopes: [scope] });
  } catch (err) {
    throw identityError(err);
  }
  if (!result?.accessToken) throw new AppError('SIGN_IN_UNAVAILABLE', 'Microsoft Entra ID gave no token.', { retryable: true });
  return { token: result.accessToken, expiresAt: result.expiresOn?.getTime() };
}

/** msal errors: network and 5xx are worth retrying; a refused credential is not. */
function identityError(err: unknown): AppError {
  const e = (err ?? {}) as { errorCode?: unknown; name?: unknown };
  const code = typeof e.errorCode === 'string' ? e.errorCode : '';
  const network = code === 'network_error' || code === 'endpoints_resolution_error' || code.includes('timeout');
  return new AppError('SIGN_IN_UNAVAILABLE', network ? 'Microsoft Entra ID could not be reached.' : `Microsoft Entra ID refused the bot’s credentials${code ? ` (${code})` : ''}.`, {
    retryable: network,
    cause: err,
  });
}
