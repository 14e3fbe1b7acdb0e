import type { Server } from 'node:http';
import { httpError, type Exchange } from '../http-util';
import { IdentityEmulatorServer } from '../identity-http';
import { JwtSigner, nowSeconds, type JwtClaims } from '../tokens';

/**
 * The Bot Framework channel's token signing keys: OpenID metadata
 * (`/v1/.well-known/openidconfiguration`) and its JWKS (`/v1/.well-known/keys`), plus the
 * channel tokens Teams' connector sends with each activity, signed with those keys.
 *
 * Tokens follow what botbuilder checks (identity.md §4a): RS256 by `kid`, the key endorsed for
 * the channel (`endorsements: ["msteams"]`), `iss` = ToBotFromChannelTokenIssuer, `aud` = the
 * bot's app id, `serviceurl` = the activity's serviceUrl. No `ver` claim (that would make it a
 * skill token) and not the emulator issuer.
 */

export interface OpenIdEmulatorOptions {
  host?: string;
  port?: number;
  /** `iss` of channel tokens (default https://api.botframework.com). */
  issuer?: string;
  /** Channels the signing key is endorsed for (default ['msteams']). */
  endorsements?: string[];
}

export interface ChannelTokenInput {
  appId: string;
  serviceUrl: string;
  /** Override any claim (tests forge wrong audiences, issuers, expired tokens with this). */
  claims?: Partial<JwtClaims>;
  /** Another signer (e.g. a key the metadata does not publish, or one reusing our kid). */
  signer?: JwtSigner;
  lifetimeSeconds?: number;
}

export class OpenIdEmulator extends IdentityEmulatorServer {
  readonly signer = new JwtSigner();
  readonly issuer: string;
  private readonly endorsements: string[];

  private constructor(server: Server, port: number, host: string, options: OpenIdEmulatorOptions) {
    super(server, port, host);
    this.issuer = options.issuer ?? 'https://api.botframework.com';
    this.endorsements = options.endorsements ?? ['msteams'];
  }

  static start(options: OpenIdEmulatorOptions = {}): Promise<OpenIdEmulator> {
    const host = options.host ?? '127.0.0.1';
    return IdentityEmulatorServer.listenWith(host, options.port ?? 0, (server, port) => new OpenIdEmulator(server, port, host, options));
  }

  /** ToBotFromChannelOpenIdMetadataUrl for the bot. */
  get metadataUrl(): string {
    return `${this.origin}/v1/.well-known/openidconfiguration`;
  }

  /** A channel token for one activity: `Authorization: Bearer <this>`. */
  channelToken(input: ChannelTokenInput): string {
    const now = nowSeconds();
    const claims: JwtClaims = {
      iss: this.issuer,
      aud: input.appId,
      serviceurl: input.serviceUrl,
      nbf: now - 5,
      iat: now - 5,
      exp: now + (input.lifetimeSeconds ?? 3600),
      ...input.claims,
    };
    return (input.signer ?? this.signer).sign(claims);
  }

  protected state(): Record<string, unknown> {
    return { issuer: this.issuer, requests: this.requests.length };
  }

  protected async route(ex: Exchange): Promise<void> {
    if (ex.method === 'GET' && ex.rawPath === '/v1/.well-known/openidconfiguration') {
      await ex.sendJson(200, {
        issuer: this.issuer,
        authorization_endpoint: `${this.origin}/v1/.well-known/authorize`,
        jwks_uri: `${this.origin}/v1/.well-known/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      });
      return;
    }
    if (ex.method === 'GET' && ex.rawPath === '/v1/.well-known/keys') {
      await ex.sendJson(200, { keys: [this.signer.jwk({ endorsements: this.endorsements })] });
      return;
    }
    throw httpError(404, 'There is no such OpenID route in the emulator.');
  }
}
