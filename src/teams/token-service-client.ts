import type { UserTokenClient } from 'botframework-connector';
import { AppError } from '../errors';
import type { SignInUser, UserToken, UserTokenService } from '../identity/user-tokens';

/**
 * The Bot Framework Token Service through botframework-connector's UserTokenClient: the turn's
 * (in a turn) or one made from the bot's credentials alone (background). Status codes as
 * measured with 4.23.3 (identity.md §7): GetToken 404 → undefined; an exchange the service
 * refuses (400/404/412) throws, which here means "cannot exchange".
 */
export class TokenServiceClient implements UserTokenService {
  constructor(
    private readonly client: () => Promise<UserTokenClient>,
    private readonly connectionName: string,
  ) {}

  async getToken(user: SignInUser, magicCode?: string): Promise<UserToken | undefined> {
    const client = await this.connect();
    try {
      const answer = await client.getUserToken(user.userId, this.connectionName, user.channelId, magicCode ?? '');
      return toUserToken(answer);
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw tokenServiceError(err);
    }
  }

  async exchange(user: SignInUser, ssoToken: string): Promise<UserToken | undefined> {
    const client = await this.connect();
    try {
      const answer = await client.exchangeToken(user.userId, this.connectionName, user.channelId, { token: ssoToken });
      return toUserToken(answer);
    } catch (err) {
      const status = statusOf(err);
      if (status === 400 || status === 404 || status === 412) return undefined;
      throw tokenServiceError(err);
    }
  }

  async signOut(user: SignInUser): Promise<void> {
    const client = await this.connect();
    try {
      await client.signOutUser(user.userId, this.connectionName, user.channelId);
    } catch (err) {
      throw tokenServiceError(err);
    }
  }

  private async connect(): Promise<UserTokenClient> {
    try {
      return await this.client();
    } catch (err) {
      throw tokenServiceError(err);
    }
  }
}

function toUserToken(answer: { token?: string; expiration?: string } | undefined): UserToken | undefined {
  if (!answer || typeof answer.token !== 'string' || answer.token === '') return undefined;
  const expiresAt = typeof answer.expiration === 'string' ? Date.parse(answer.expiration) : Number.NaN;
  return { token: answer.token, expiresAt: Number.isNaN(expiresAt) ? undefined : expiresAt };
}

function statusOf(err: unknown): number | undefined {
  const e = (err ?? {}) as { statusCode?: unknown; response?: { status?: unknown } };
  if (typeof e.statusCode === 'number') return e.statusCode;
  return typeof e.response?.status === 'number' ? e.response.status : undefined;
}

/** 5xx, 429 and connections that failed are worth retrying; anything else is the answer. */
function tokenServiceError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const status = statusOf(err);
  const retryable = status === undefined || status === 429 || status >= 500;
  return new AppError('SIGN_IN_UNAVAILABLE', `The Bot Framework Token Service did not answer as expected${status ? ` (HTTP ${status})` : ''}.`, {
    status,
    retryable,
    cause: err,
  });
}
