import type { Logger } from 'pino';
import { withRetry, type RetryPolicy } from '../retry';
import type { SignInUser, UserToken, UserTokenService } from './user-tokens';

/**
 * Token service outages (5xx, 429, dropped connections) are retried on the same schedule as
 * Graph's (src/retry.ts): a transfer in the background must not fail because the token service
 * hiccuped once. The inner service marks which errors are retryable.
 */
export class RetryingTokenService implements UserTokenService {
  constructor(
    private readonly inner: UserTokenService,
    private readonly policy: RetryPolicy,
    private readonly logger?: Logger,
  ) {}

  getToken(user: SignInUser, magicCode?: string): Promise<UserToken | undefined> {
    return this.retry('getToken', () => this.inner.getToken(user, magicCode));
  }

  exchange(user: SignInUser, ssoToken: string): Promise<UserToken | undefined> {
    return this.retry('exchange', () => this.inner.exchange(user, ssoToken));
  }

  signOut(user: SignInUser): Promise<void> {
    return this.retry('signOut', () => this.inner.signOut(user));
  }

  private retry<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(this.policy, fn, {
      onRetry: ({ attempt, waitMs, error }) => this.logger?.warn({ operation, attempt, waitMs, ...error.toLog() }, 'token service request will be retried'),
    });
  }
}
