import { AppError } from '../../../src/errors';
import { RetryingTokenService } from '../../../src/identity/retrying-token-service';
import type { SignInUser, UserToken, UserTokenService } from '../../../src/identity/user-tokens';
import { FAST_RETRY_POLICY } from '../../../src/retry';

const MEGAN: SignInUser = { userId: '29:megan', channelId: 'msteams' };
const TOKEN: UserToken = { token: 'graph-token', expiresAt: undefined };

function unavailable(status: number | undefined, retryAfterMs?: number): AppError {
  return new AppError('SIGN_IN_UNAVAILABLE', 'The Bot Framework Token Service did not answer as expected.', { status, retryAfterMs, retryable: true });
}

/**
 * The token service as it behaves for magic codes: a code works once. `faults` are thrown by the
 * next calls with a code, each after the service did (`redeemed: true`) or did not do the work.
 */
class CodeService implements UserTokenService {
  stored: UserToken | undefined;
  readonly codes = new Set(['123456']);
  faults: Array<{ error: AppError; redeemed: boolean }> = [];
  withCode = 0;
  withoutCode = 0;

  async getToken(_user: SignInUser, magicCode?: string): Promise<UserToken | undefined> {
    if (magicCode === undefined || magicCode === '') {
      this.withoutCode++;
      return this.stored;
    }
    this.withCode++;
    const fault = this.faults.shift();
    const valid = this.codes.has(magicCode);
    if (fault) {
      if (fault.redeemed && valid) this.redeem(magicCode);
      throw fault.error;
    }
    // A used or unknown code: 404, whatever is stored (as the token service emulator does).
    if (!valid) return undefined;
    this.redeem(magicCode);
    return this.stored;
  }
  private redeem(code: string): void {
    this.codes.delete(code);
    this.stored = TOKEN;
  }
  async exchange(): Promise<UserToken | undefined> {
    return undefined;
  }
  async signOut(): Promise<void> {}
}

describe('RetryingTokenService: magic codes work once', () => {
  it('a 500 after the service redeemed the code is not retried with the code: the sign-in stands', async () => {
    const inner = new CodeService();
    inner.faults = [{ error: unavailable(500), redeemed: true }];
    const service = new RetryingTokenService(inner, FAST_RETRY_POLICY);
    expect(await service.getToken(MEGAN, '123456')).toEqual(TOKEN);
    expect(inner.withCode).toBe(1);
  });

  it('a 502 before the code was redeemed: not retried with the code, the failure is reported (the code still works)', async () => {
    const inner = new CodeService();
    inner.faults = [{ error: unavailable(502), redeemed: false }];
    const service = new RetryingTokenService(inner, FAST_RETRY_POLICY);
    await expect(service.getToken(MEGAN, '123456')).rejects.toMatchObject({ code: 'SIGN_IN_UNAVAILABLE', status: 502 });
    expect(inner.withCode).toBe(1);
    expect(await service.getToken(MEGAN, '123456')).toEqual(TOKEN);
  });

  it('a dropped connection (no status) is treated like a 5xx', async () => {
    const inner = new CodeService();
    inner.faults = [{ error: unavailable(undefined), redeemed: true }];
    expect(await new RetryingTokenService(inner, FAST_RETRY_POLICY).getToken(MEGAN, '123456')).toEqual(TOKEN);
    expect(inner.withCode).toBe(1);
  });

  it('a 429 (refused before any work) is retried with the code', async () => {
    const inner = new CodeService();
    inner.faults = [{ error: unavailable(429, 1), redeemed: false }];
    expect(await new RetryingTokenService(inner, FAST_RETRY_POLICY).getToken(MEGAN, '123456')).toEqual(TOKEN);
    expect(inner.withCode).toBe(2);
  });

  it('plain GetToken (no code) is still retried on 5xx', async () => {
    const inner = new CodeService();
    inner.stored = TOKEN;
    let failures = 2;
    const flaky: UserTokenService = {
      getToken: async (user, code) => {
        if (failures-- > 0) throw unavailable(503);
        return inner.getToken(user, code);
      },
      exchange: async () => undefined,
      signOut: async () => undefined,
    };
    expect(await new RetryingTokenService(flaky, FAST_RETRY_POLICY).getToken(MEGAN)).toEqual(TOKEN);
    expect(failures).toBe(-1);
  });
});
