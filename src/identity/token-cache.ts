import type { TokenProvider } from '../graph/types';
import { isSignInRequired, jwtExpiry, signInRequiredError, type SignInUser, type UserToken, type UserTokenService } from './user-tokens';

/**
 * The Graph clients' token provider in delegated mode. Each user's token is kept in memory
 * until five minutes before it expires (the margin msal and botbuilder use), then asked of the
 * token service again; after a Graph 401 the client forces one fresh request. Concurrent asks
 * for one user share one call. Bounded: the least recently used users are forgotten first.
 */

export interface UserTokenCacheOptions {
  /** Renew this long before expiry (default 5 minutes). */
  marginMs?: number;
  /** Users kept at most (default 10,000). */
  maxUsers?: number;
  now?: () => number;
}

interface Entry {
  token: string;
  /** Renew after this time (expiry minus the margin). */
  renewAt: number;
}

export class UserTokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<string>>();
  /** Bumped by forget(): a token service answer that raced a sign-out is not kept. */
  private readonly generations = new Map<string, number>();
  private readonly marginMs: number;
  private readonly maxUsers: number;
  private readonly now: () => number;

  constructor(
    private readonly service: UserTokenService,
    options: UserTokenCacheOptions = {},
  ) {
    this.marginMs = options.marginMs ?? 5 * 60_000;
    this.maxUsers = options.maxUsers ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** A TokenProvider for one user's Graph clients; throws SIGN_IN_REQUIRED when there is no sign-in. */
  provider(user: SignInUser): TokenProvider {
    return (options) => this.token(user, options?.forceRefresh === true);
  }

  async token(user: SignInUser, forceRefresh = false): Promise<string> {
    const key = keyOf(user);
    if (!forceRefresh) {
      const entry = this.entries.get(key);
      if (entry && entry.renewAt > this.now()) {
        // Most recently used last: eviction takes the oldest first.
        this.entries.delete(key);
        this.entries.set(key, entry);
        return entry.token;
      }
      const pending = this.inFlight.get(key);
      if (pending) return pending;
    }
    this.entries.delete(key);
    const generation = this.generations.get(key) ?? 0;
    const ask = this.service
      .getToken(user)
      .then((answer) => {
        if (!answer) throw signInRequiredError();
        if ((this.generations.get(key) ?? 0) === generation) this.store(key, answer);
        return answer.token;
      })
      .finally(() => {
        if (this.inFlight.get(key) === ask) this.inFlight.delete(key);
      });
    this.inFlight.set(key, ask);
    return ask;
  }

  /** Whether the user has a sign-in (asks the token service when nothing is cached). */
  async hasToken(user: SignInUser): Promise<boolean> {
    try {
      await this.token(user);
      return true;
    } catch (err) {
      if (isSignInRequired(err)) return false;
      throw err;
    }
  }

  /** Keeps a token just obtained by signing in (exchange or magic code). */
  remember(user: SignInUser, answer: UserToken): void {
    const key = keyOf(user);
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
    this.inFlight.delete(key);
    this.store(key, answer);
  }

  /** Drops what is known of a user (sign out): the next request asks the token service. */
  forget(user: SignInUser): void {
    const key = keyOf(user);
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
    this.entries.delete(key);
    this.inFlight.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private store(key: string, answer: UserToken): void {
    const expiresAt = answer.expiresAt ?? jwtExpiry(answer.token);
    // Unknown or already inside the margin: used once, not kept.
    if (expiresAt === undefined || expiresAt - this.marginMs <= this.now()) return;
    this.entries.delete(key);
    this.entries.set(key, { token: answer.token, renewAt: expiresAt - this.marginMs });
    while (this.entries.size > this.maxUsers) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    if (this.generations.size > this.maxUsers * 2) {
      for (const k of this.generations.keys()) if (!this.entries.has(k) && !this.inFlight.has(k)) this.generations.delete(k);
    }
  }
}

function keyOf(user: SignInUser): string {
  return `${user.channelId}\u0000${user.userId}`;
}
