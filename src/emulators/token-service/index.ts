import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { z } from 'zod';
import { GRAPH_RESOURCE, type EntraEmulator, type EntraUser } from '../entra';
import { httpError, type Exchange } from '../http-util';
import { bearerOf, IdentityEmulatorServer, sendHtml } from '../identity-http';
import { codePage, consentPage, expiredPage } from './sign-in-page';

/**
 * The Bot Framework Token Service, as botframework-connector's TokenApiClient calls it
 * (identity.md §4b): `api/usertoken/GetToken` (with or without a magic code), `exchange`
 * (Teams SSO), `SignOut`, `GetTokenStatus`, `api/botsignin/GetSignInResource`, plus the
 * user-facing sign-in page behind the sign-in link. Every API call needs the bot's own token
 * (from the Entra emulator, audience ToChannelFromBotOAuthScope, `appid` = the bot).
 *
 * User tokens are Graph access tokens minted by the Entra emulator, so the Graph emulator
 * accepts them and rejects them once expired. Like the real service, a stored sign-in hands
 * out a fresh token when the previous one expired (it holds the refresh token).
 */

export interface TokenServiceConnection {
  name: string;
  /** Delegated Graph scopes the connection asks for. */
  scopes: string[];
}

export interface TokenServiceEmulatorOptions {
  host?: string;
  port?: number;
  entra: EntraEmulator;
  /** The bot allowed to call (its app id, `appid` of its token). */
  botAppId: string;
  /** Audience of the bot's token (ToChannelFromBotOAuthScope); default https://api.botframework.com. */
  botAudience?: string;
  connections?: TokenServiceConnection[];
  /** Default tenant of users who sign in with the button and whose tenant is not known. */
  defaultTenantId?: string;
}

export const DEFAULT_CONNECTION: TokenServiceConnection = {
  name: 'todo-graph',
  scopes: ['Tasks.ReadWrite', 'Files.Read.All', 'Chat.Read', 'ChannelMessage.Read.All'],
};

interface StoredSignIn {
  userId: string;
  connectionName: string;
  channelId: string;
  user: EntraUser;
  token: { value: string; expiresAt: number } | undefined;
}

interface PendingSignIn {
  connectionName: string;
  channelId: string;
  userId: string;
  user: EntraUser;
  createdAt: number;
}

interface MagicCode extends PendingSignIn {
  code: string;
}

const SIGN_IN_TTL_MS = 15 * 60_000;
const CODE_TTL_MS = 5 * 60_000;
const MAX_PENDING = 10_000;

const ExchangeBody = z.looseObject({ token: z.string().min(1).optional(), uri: z.string().optional() });
const SignInState = z.looseObject({
  connectionName: z.string(),
  msAppId: z.string(),
  conversation: z.looseObject({
    channelId: z.string().optional(),
    user: z.looseObject({ id: z.string(), name: z.string().optional(), aadObjectId: z.string().optional() }).optional(),
    conversation: z.looseObject({ tenantId: z.string().optional() }).optional(),
  }),
});

function key(userId: string, connectionName: string, channelId: string): string {
  return `${userId}\u0000${connectionName}\u0000${channelId}`;
}

/** A stable GUID-shaped object id for a user the emulator only knows by Teams id. */
function oidFor(userId: string): string {
  const h = createHash('sha256').update(userId).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class TokenServiceEmulator extends IdentityEmulatorServer {
  private readonly entra: EntraEmulator;
  private readonly botAppId: string;
  private readonly botAudience: string;
  private readonly connections: Map<string, TokenServiceConnection>;
  private readonly defaultTenantId: string;
  private readonly signIns = new Map<string, StoredSignIn>();
  private readonly pending = new Map<string, PendingSignIn>();
  private readonly codes = new Map<string, MagicCode>();
  private readonly consentRequired = new Set<string>();
  private expiredAnswers = 0;

  private constructor(server: Server, port: number, host: string, options: TokenServiceEmulatorOptions) {
    super(server, port, host);
    this.entra = options.entra;
    this.botAppId = options.botAppId;
    this.botAudience = options.botAudience ?? 'https://api.botframework.com';
    this.connections = new Map((options.connections ?? [DEFAULT_CONNECTION]).map((c) => [c.name, c]));
    this.defaultTenantId = options.defaultTenantId ?? '00000000-0000-4000-8000-000000000001';
  }

  static start(options: TokenServiceEmulatorOptions): Promise<TokenServiceEmulator> {
    const host = options.host ?? '127.0.0.1';
    return IdentityEmulatorServer.listenWith(host, options.port ?? 0, (server, port) => new TokenServiceEmulator(server, port, host, options));
  }

  /** The OAuthUrl the bot is configured with. */
  get baseUrl(): string {
    return this.origin;
  }

  /** The application ID URI Teams gets SSO tokens for (the connection's token exchange URL). */
  get ssoAudience(): string {
    return `api://botid-${this.botAppId}`;
  }

  /** Whether the user has a sign-in stored for the connection. */
  hasToken(userId: string, connectionName = DEFAULT_CONNECTION.name, channelId = 'msteams'): boolean {
    return this.signIns.has(key(userId, connectionName, channelId));
  }

  /** Forgets a user's sign-in, as revoked consent or an admin would: GetToken answers 404. */
  revoke(userId: string): number {
    let n = 0;
    for (const [k, s] of this.signIns) if (s.userId === userId && this.signIns.delete(k)) n++;
    return n;
  }

  /** Until the user accepts the consent page, SSO exchanges for them fail (Teams falls back to the button). */
  requireConsent(aadObjectId: string): void {
    this.consentRequired.add(aadObjectId);
  }

  /** The next `times` tokens handed out are already expired (the Graph emulator answers 401). */
  serveExpiredTokens(times: number): void {
    this.expiredAnswers = times;
  }

  protected state(): Record<string, unknown> {
    return { signIns: this.signIns.size, pendingSignIns: this.pending.size, codes: this.codes.size, requests: this.requests.length };
  }

  protected async route(ex: Exchange): Promise<void> {
    const path = ex.rawPath.replace(/\/+$/, '').toLowerCase();
    if (path === '/api/oauth/signin') return this.signInPage(ex);
    this.requireBot(ex);
    if (ex.method === 'GET' && path === '/api/usertoken/gettoken') return this.getToken(ex);
    if (ex.method === 'POST' && path === '/api/usertoken/exchange') return this.exchange(ex);
    if (ex.method === 'DELETE' && path === '/api/usertoken/signout') return this.signOut(ex);
    if (ex.method === 'GET' && path === '/api/usertoken/gettokenstatus') return this.tokenStatus(ex);
    if (ex.method === 'GET' && path === '/api/botsignin/getsigninresource') return this.signInResource(ex);
    throw httpError(404, 'There is no such token service route in the emulator.', 'NotFound');
  }

  /** The bot's own token: signed by Entra, for the Bot Framework audience, issued to this bot. */
  private requireBot(ex: Exchange): void {
    const token = bearerOf(ex);
    const verdict = token === undefined ? undefined : this.entra.verifyAccessToken(token, this.botAudience);
    if (!verdict?.ok || (verdict.claims['appid'] ?? verdict.claims['azp']) !== this.botAppId) {
      throw httpError(401, 'The bot’s token is missing or not valid for the token service.', 'Unauthorized');
    }
  }

  private params(ex: Exchange, needConnection = true): { userId: string; connectionName: string; channelId: string } {
    const userId = ex.query.get('userId') ?? '';
    const connectionName = ex.query.get('connectionName') ?? '';
    const channelId = ex.query.get('channelId') ?? '';
    if (userId === '' || channelId === '') throw httpError(400, 'userId and channelId are required.', 'BadArgument');
    if (needConnection && !this.connections.has(connectionName)) throw httpError(400, `There is no OAuth connection named “${connectionName}” on this bot.`, 'BadArgument');
    return { userId, connectionName, channelId };
  }

  private async getToken(ex: Exchange): Promise<void> {
    const p = this.params(ex);
    const code = ex.query.get('code');
    if (code !== null && code !== '') {
      const pending = this.codes.get(code);
      const valid = pending && pending.userId === p.userId && pending.connectionName === p.connectionName && pending.createdAt + CODE_TTL_MS > Date.now();
      if (!valid) {
        await ex.sendEmpty(404);
        return;
      }
      this.codes.delete(code);
      this.signIns.set(key(p.userId, p.connectionName, p.channelId), { ...p, user: pending.user, token: undefined });
    }
    const stored = this.signIns.get(key(p.userId, p.connectionName, p.channelId));
    if (!stored) {
      await ex.sendEmpty(404);
      return;
    }
    await this.sendToken(ex, stored);
  }

  private async exchange(ex: Exchange): Promise<void> {
    const p = this.params(ex);
    const parsed = ExchangeBody.safeParse(await ex.readJson(64 * 1024));
    const sso = parsed.success ? parsed.data.token : undefined;
    if (sso === undefined) throw httpError(400, 'The exchange request needs a token.', 'BadArgument');
    const verdict = this.entra.verifyAccessToken(sso, this.ssoAudience);
    if (!verdict.ok) throw httpError(400, `The token cannot be exchanged (${verdict.reason}).`, 'InvalidToken');
    const oid = String(verdict.claims['oid'] ?? '');
    if (this.consentRequired.has(oid)) throw httpError(400, 'The user has not consented to the scopes of this connection.', 'ConsentRequired');
    const user: EntraUser = { aadObjectId: oid, tenantId: String(verdict.claims['tid'] ?? this.defaultTenantId), name: String(verdict.claims['name'] ?? '') };
    const stored: StoredSignIn = { ...p, user, token: undefined };
    this.signIns.set(key(p.userId, p.connectionName, p.channelId), stored);
    await this.sendToken(ex, stored);
  }

  private async signOut(ex: Exchange): Promise<void> {
    const p = this.params(ex, false);
    for (const [k, s] of this.signIns) {
      if (s.userId === p.userId && s.channelId === p.channelId && (p.connectionName === '' || s.connectionName === p.connectionName)) this.signIns.delete(k);
    }
    await ex.sendJson(200, {});
  }

  private async tokenStatus(ex: Exchange): Promise<void> {
    const p = this.params(ex, false);
    await ex.sendJson(
      200,
      [...this.connections.values()].map((c) => ({
        channelId: p.channelId,
        connectionName: c.name,
        hasToken: this.signIns.has(key(p.userId, c.name, p.channelId)),
        serviceProviderDisplayName: 'Azure Active Directory v2',
      })),
    );
  }

  private async signInResource(ex: Exchange): Promise<void> {
    const raw = ex.query.get('state') ?? '';
    let state: z.infer<typeof SignInState> | undefined;
    try {
      const parsed = SignInState.safeParse(JSON.parse(Buffer.from(raw, 'base64').toString('utf8')));
      state = parsed.success ? parsed.data : undefined;
    } catch {
      state = undefined;
    }
    if (!state || state.msAppId !== this.botAppId || !this.connections.has(state.connectionName) || !state.conversation.user) {
      throw httpError(400, 'The sign-in state is not valid for this bot.', 'BadArgument');
    }
    const u = state.conversation.user;
    const id = randomBytes(18).toString('base64url');
    this.sweep();
    this.pending.set(id, {
      connectionName: state.connectionName,
      channelId: state.conversation.channelId ?? 'msteams',
      userId: u.id,
      user: { aadObjectId: u.aadObjectId ?? oidFor(u.id), tenantId: state.conversation.conversation?.tenantId ?? this.defaultTenantId, name: u.name ?? 'Emulated user' },
      createdAt: Date.now(),
    });
    await ex.sendJson(200, {
      signInLink: `${this.origin}/api/oauth/signin?signin=${id}`,
      tokenExchangeResource: { id: randomUUID(), uri: this.ssoAudience, providerId: 'emulated-aadv2' },
      tokenPostResource: { sasUrl: `${this.origin}/api/oauth/PostToken?signin=${id}` },
    });
  }

  /** GET: the consent page. POST: consent given, a magic code shown. */
  private async signInPage(ex: Exchange): Promise<void> {
    const id = ex.query.get('signin') ?? '';
    const pending = this.pending.get(id);
    if (!pending || pending.createdAt + SIGN_IN_TTL_MS < Date.now()) {
      await sendHtml(ex, 404, 'Sign-in expired', expiredPage());
      return;
    }
    if (ex.method === 'GET') {
      await sendHtml(ex, 200, 'Sign in', consentPage({ userName: pending.user.name, connectionName: pending.connectionName, action: `/api/oauth/signin?signin=${id}` }));
      return;
    }
    if (ex.method !== 'POST') throw httpError(405, 'Use GET or POST.', 'MethodNotAllowed');
    await ex.drain();
    this.pending.delete(id);
    this.consentRequired.delete(pending.user.aadObjectId);
    let code = '';
    do code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    while (this.codes.has(code));
    this.codes.set(code, { ...pending, code, createdAt: Date.now() });
    await sendHtml(ex, 200, 'Signed in', codePage(code));
  }

  /** The stored sign-in's current token; a new one when it expired or was never minted. */
  private async sendToken(ex: Exchange, stored: StoredSignIn): Promise<void> {
    const scopes = this.connections.get(stored.connectionName)?.scopes ?? [];
    if (this.expiredAnswers > 0) {
      this.expiredAnswers--;
      const stale = this.entra.userToken(stored.user, GRAPH_RESOURCE, { scopes, appId: this.botAppId, lifetimeSeconds: -900 });
      await ex.sendJson(200, this.tokenResponse(stored, stale.token, stale.expiresAt));
      return;
    }
    const current = stored.token;
    if (!current || !this.entra.verifyAccessToken(current.value, GRAPH_RESOURCE).ok) {
      const fresh = this.entra.userToken(stored.user, GRAPH_RESOURCE, { scopes, appId: this.botAppId });
      stored.token = { value: fresh.token, expiresAt: fresh.expiresAt };
    }
    const token = stored.token as { value: string; expiresAt: number };
    await ex.sendJson(200, this.tokenResponse(stored, token.value, token.expiresAt));
  }

  private tokenResponse(stored: StoredSignIn, token: string, expiresAt: number): Record<string, unknown> {
    return { channelId: stored.channelId, connectionName: stored.connectionName, token, expiration: new Date(expiresAt).toISOString() };
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, p] of this.pending) if (p.createdAt + SIGN_IN_TTL_MS < now) this.pending.delete(id);
    for (const [c, p] of this.codes) if (p.createdAt + CODE_TTL_MS < now) this.codes.delete(c);
    while (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next().value;
      if (oldest === undefined) break;
      this.pending.delete(oldest);
    }
  }
}
