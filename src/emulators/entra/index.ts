import { constants as cryptoConstants, randomUUID, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { Server } from 'node:http';
import { IdentityEmulatorServer, readForm, sendOAuthError } from '../identity-http';
import { httpError, type Exchange } from '../http-util';
import { checkClaims, decodeJwt, JwtSigner, nowSeconds, publicKeyFromPem, type AccessTokenVerifier, type JwtClaims, type TokenVerdict } from '../tokens';

/**
 * Microsoft Entra ID emulator: the v2.0 token endpoint for the client-credentials grant (a
 * client secret, or a certificate's signed client assertion), OpenID metadata and keys, and
 * (in process) the user tokens the token service and a Teams client would obtain from it.
 *
 * msal-node insists on an https authority; the bot reaches this http endpoint through
 * `authorityMetadata` (identity.md §4d), so only `POST /{tenant}/oauth2/v2.0/token` is called.
 */

export interface RegisteredApp {
  clientId: string;
  secret?: string;
  /** A certificate credential: its SHA-1 thumbprint (hex) and public key or certificate (PEM). */
  certificate?: { thumbprint: string; publicKeyPem: string };
  /** Application permissions granted by an admin, per resource (e.g. Graph: Tasks.ReadWrite.All). */
  appRoles?: Record<string, string[]>;
}

export interface EntraUser {
  /** Entra object id (`oid`). */
  aadObjectId: string;
  tenantId: string;
  name: string;
}

export interface EntraEmulatorOptions {
  host?: string;
  port?: number;
  apps?: RegisteredApp[];
  /** Lifetime of issued access tokens (default one hour, Entra's typical). */
  accessTokenLifetimeSeconds?: number;
}

/** botframework.com's tenant id: the tenant the Bot Framework's own tokens come from. */
export const BOTFRAMEWORK_TENANT_ID = 'd6d49420-f39b-4df7-a1dc-d59a935871db';
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface IssuedToken {
  kind: 'app' | 'user';
  audience: string;
}

export class EntraEmulator extends IdentityEmulatorServer implements AccessTokenVerifier {
  readonly signer = new JwtSigner();
  private readonly apps = new Map<string, RegisteredApp>();
  private readonly lifetime: number;
  /** User tokens issued at or before this second count as expired (expireUserTokens). */
  private expiredUpTo = 0;
  /** Issued tokens by kind and audience, for the state route and tests. */
  readonly issued: IssuedToken[] = [];

  private constructor(server: Server, port: number, host: string, options: EntraEmulatorOptions) {
    super(server, port, host);
    this.lifetime = options.accessTokenLifetimeSeconds ?? 3600;
    for (const app of options.apps ?? []) this.registerApp(app);
  }

  static start(options: EntraEmulatorOptions = {}): Promise<EntraEmulator> {
    const host = options.host ?? '127.0.0.1';
    return IdentityEmulatorServer.listenWith(host, options.port ?? 0, (server, port) => new EntraEmulator(server, port, host, options));
  }

  registerApp(app: RegisteredApp): void {
    this.apps.set(app.clientId, { ...app });
  }

  /** `https://{host}/{tenant}/oauth2/v2.0/token` of this emulator. */
  tokenEndpoint(tenant: string): string {
    return `${this.origin}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`;
  }

  /**
   * Every user token issued so far is expired from now on, as if an hour had passed (app
   * tokens, such as the bot's own, are not affected).
   */
  expireUserTokens(): void {
    this.expiredUpTo = nowSeconds();
  }

  /** A user's access token for an audience, as Entra would issue it to the token service or to Teams. */
  userToken(user: EntraUser, audience: string, options: { scopes?: string[]; appId?: string; lifetimeSeconds?: number } = {}): { token: string; expiresAt: number } {
    const claims: JwtClaims = {
      aud: audience,
      oid: user.aadObjectId,
      tid: user.tenantId,
      name: user.name,
      scp: (options.scopes ?? []).join(' '),
      idtyp: 'user',
      ...(options.appId !== undefined ? { azp: options.appId, appid: options.appId } : {}),
    };
    return this.mint('user', claims, user.tenantId, options.lifetimeSeconds);
  }

  verifyAccessToken(token: string, audience: string): TokenVerdict {
    const verdict = this.signer.verify(token, { audience });
    if (!verdict.ok) return verdict;
    const user = verdict.claims['idtyp'] === 'user';
    if (user && typeof verdict.claims.iat === 'number' && verdict.claims.iat <= this.expiredUpTo) return { ok: false, reason: 'expired' };
    return verdict;
  }

  protected state(): Record<string, unknown> {
    return { apps: this.apps.size, issued: this.issued.length, requests: this.requests.length };
  }

  protected async route(ex: Exchange): Promise<void> {
    const segs = ex.segments ?? [];
    if (ex.method === 'POST' && segs.length === 4 && segs[1] === 'oauth2' && segs[2] === 'v2.0' && segs[3] === 'token') {
      await this.token(ex, segs[0] ?? '');
      return;
    }
    if (ex.method === 'GET' && segs.length === 4 && segs[1] === 'v2.0' && segs[2] === '.well-known' && segs[3] === 'openid-configuration') {
      const tenant = segs[0] ?? 'common';
      await ex.sendJson(200, {
        issuer: `${this.origin}/${tenant}/v2.0`,
        token_endpoint: this.tokenEndpoint(tenant),
        authorization_endpoint: `${this.origin}/${tenant}/oauth2/v2.0/authorize`,
        jwks_uri: `${this.origin}/${tenant}/discovery/v2.0/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt'],
      });
      return;
    }
    if (ex.method === 'GET' && segs.length === 4 && segs[1] === 'discovery' && segs[3] === 'keys') {
      await ex.sendJson(200, { keys: [this.signer.jwk()] });
      return;
    }
    throw httpError(404, 'There is no such Entra ID endpoint in the emulator.');
  }

  private async token(ex: Exchange, tenant: string): Promise<void> {
    const form = await readForm(ex);
    if (form.get('grant_type') !== 'client_credentials') {
      await sendOAuthError(ex, 400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type (the emulator supports client_credentials).');
      return;
    }
    const clientId = form.get('client_id') ?? '';
    const app = this.apps.get(clientId);
    if (!app) {
      await sendOAuthError(ex, 400, 'unauthorized_client', `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.`);
      return;
    }
    const problem = this.checkClientCredential(app, form, tenant);
    if (problem) {
      await sendOAuthError(ex, 401, 'invalid_client', problem);
      return;
    }
    const scope = (form.get('scope') ?? '').split(' ').find((s) => s.endsWith('/.default'));
    if (!scope) {
      await sendOAuthError(ex, 400, 'invalid_scope', 'AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.');
      return;
    }
    const audience = scope.slice(0, -'/.default'.length);
    const tid = GUID.test(tenant) ? tenant.toLowerCase() : BOTFRAMEWORK_TENANT_ID;
    const roles = app.appRoles?.[audience] ?? [];
    const { token } = this.mint('app', { aud: audience, appid: clientId, azp: clientId, oid: clientId, tid, idtyp: 'app', ...(roles.length > 0 ? { roles } : {}) }, tid);
    await ex.sendJson(200, { token_type: 'Bearer', expires_in: this.lifetime, ext_expires_in: this.lifetime, access_token: token });
  }

  /** A sentence (AADSTS-style) when the client's secret or assertion is not good. */
  private checkClientCredential(app: RegisteredApp, form: URLSearchParams, tenant: string): string | undefined {
    const secret = form.get('client_secret');
    if (secret !== null) return app.secret !== undefined && secret === app.secret ? undefined : 'AADSTS7000215: Invalid client secret provided.';
    const assertion = form.get('client_assertion');
    if (assertion === null || form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      return 'AADSTS7000216: client_assertion or client_secret is required.';
    }
    const cert = app.certificate;
    const key = cert ? publicKeyFromPem(cert.publicKeyPem) : undefined;
    const decoded = decodeJwt(assertion);
    if (!cert || !key || !decoded) return 'AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.';
    const x5t = typeof decoded.header['x5t'] === 'string' ? Buffer.from(decoded.header['x5t'], 'base64url').toString('hex') : undefined;
    const x5t256 = typeof decoded.header['x5t#S256'] === 'string' ? Buffer.from(decoded.header['x5t#S256'], 'base64url').toString('hex') : undefined;
    const registered = cert.thumbprint.toLowerCase();
    if ((x5t ?? x5t256) !== registered) return 'AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.';
    if (!verifySignature(String(decoded.header['alg']), decoded.signingInput, decoded.signature, key)) return 'AADSTS7000274: Client assertion contains an invalid signature.';
    const verdict = checkClaims(decoded.claims, {});
    if (!verdict.ok) return 'AADSTS700024: Client assertion is not within its valid time range.';
    if (decoded.claims['iss'] !== app.clientId || decoded.claims['sub'] !== app.clientId) return 'AADSTS700023: Client assertion audience or issuer is not valid.';
    const aud = typeof decoded.claims.aud === 'string' ? decoded.claims.aud : '';
    if (!aud.endsWith(`/${tenant}/oauth2/v2.0/token`)) return 'AADSTS700023: Client assertion audience claim does not match Realm issuer.';
    return undefined;
  }

  private mint(kind: IssuedToken['kind'], claims: JwtClaims, tenantId: string, lifetimeSeconds?: number): { token: string; expiresAt: number } {
    const now = nowSeconds();
    // iat one second after any expiry cut-off, so a token minted in the same second stays good.
    const iat = Math.max(now, this.expiredUpTo + 1);
    const exp = iat + (lifetimeSeconds ?? this.lifetime);
    const token = this.signer.sign({ ...claims, iss: `https://login.microsoftonline.com/${tenantId}/v2.0`, iat, nbf: iat - 1, exp, uti: randomUUID(), ver: '2.0' });
    this.issued.push({ kind, audience: String(claims.aud) });
    if (this.issued.length > 10_000) this.issued.splice(0, this.issued.length - 10_000);
    return { token, expiresAt: exp * 1000 };
  }
}

function verifySignature(alg: string, signingInput: string, signature: Buffer, key: KeyObject): boolean {
  try {
    if (alg === 'RS256') return cryptoVerify('sha256', Buffer.from(signingInput), key, signature);
    if (alg === 'PS256') return cryptoVerify('sha256', Buffer.from(signingInput), { key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
    return false;
  } catch {
    return false;
  }
}
