import type { Logger } from 'pino';
import { AppError, toAppError } from '../errors';
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
    if (magicCode === undefined || magicCode === '') return this.retry('getToken', () => this.inner.getToken(user));
    return this.redeem(user, magicCode);
  }

  /**
   * A magic code works once: after a 5xx or a dropped connection the service may well have
   * redeemed it, and sending it again would turn that sign-in into "That code did not work".
   * So only a 429 (refused before any work) is retried with the code; after any other failure
   * the stored sign-in is asked for without it (retried as usual): a token there means the code
   * was redeemed.
   */
  private async redeem(user: SignInUser, magicCode: string): Promise<UserToken | undefined> {
    try {
      return await this.retry('redeemCode', () => this.inner.getToken(user, magicCode).catch((err: unknown) => Promise.reject(unlessThrottled(err))));
    } catch (err) {
      if (!(err instanceof NotRetried)) throw err;
      const stored = await this.retry('getToken', () => this.inner.getToken(user)).catch(() => undefined);
      if (stored) return stored;
      throw err.original;
    }
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

/** Marks the error as final unless the service refused the request without doing it (429). */
function unlessThrottled(err: unknown): unknown {
  const e = toAppError(err);
  if (!e.retryable || e.status === 429) return err;
  return new NotRetried(e);
}

/** A retryable failure of a request that must not be repeated: the original is its cause. */
class NotRetried extends AppError {
  constructor(readonly original: AppError) {
    super(original.code, original.message, { status: original.status, requestId: original.requestId, retryable: false, cause: original });
  }
}
