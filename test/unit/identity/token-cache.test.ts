import { UserTokenCache } from '../../../src/identity/token-cache';
import type { SignInUser, UserToken, UserTokenService } from '../../../src/identity/user-tokens';

const MEGAN: SignInUser = { userId: '29:megan', channelId: 'msteams' };

/** A token service that counts calls and answers what the test says. */
class FakeService implements UserTokenService {
  calls = 0;
  next: Array<UserToken | undefined | Error> = [];
  pending: Array<() => void> = [];
  hold = false;
  async getToken(): Promise<UserToken | undefined> {
    this.calls++;
    if (this.hold) await new Promise<void>((r) => this.pending.push(r));
    const answer = this.next.shift();
    if (answer instanceof Error) throw answer;
    return answer;
  }
  async exchange(): Promise<UserToken | undefined> {
    return undefined;
  }
  async signOut(): Promise<void> {}
}

describe('UserTokenCache', () => {
  let now: number;
  let service: FakeService;
  let cache: UserTokenCache;
  beforeEach(() => {
    now = 1_000_000_000;
    service = new FakeService();
    cache = new UserTokenCache(service, { now: () => now });
  });

  it('keeps a token until five minutes before it expires, then asks again', async () => {
    service.next = [{ token: 't1', expiresAt: now + 60 * 60_000 }, { token: 't2', expiresAt: now + 120 * 60_000 }];
    const provider = cache.provider(MEGAN);
    expect(await provider()).toBe('t1');
    now += 54 * 60_000;
    expect(await provider()).toBe('t1');
    expect(service.calls).toBe(1);
    now += 60_001;
    expect(await provider()).toBe('t2');
    expect(service.calls).toBe(2);
  });

  it('forceRefresh (after a Graph 401) asks the service again', async () => {
    service.next = [{ token: 't1', expiresAt: now + 3_600_000 }, { token: 't2', expiresAt: now + 3_600_000 }];
    const provider = cache.provider(MEGAN);
    await provider();
    expect(await provider({ forceRefresh: true })).toBe('t2');
    expect(await provider()).toBe('t2');
    expect(service.calls).toBe(2);
  });

  it('no sign-in: SIGN_IN_REQUIRED; nothing cached', async () => {
    service.next = [undefined];
    await expect(cache.provider(MEGAN)()).rejects.toMatchObject({ code: 'SIGN_IN_REQUIRED' });
    expect(cache.size).toBe(0);
  });

  it('without an expiration the JWT exp is used; an already expired token is used once, not kept', async () => {
    const jwt = (exp: number) => `h.${Buffer.from(JSON.stringify({ exp: Math.floor(exp / 1000) })).toString('base64url')}.s`;
    service.next = [{ token: jwt(now - 1000), expiresAt: undefined }, { token: jwt(now + 3_600_000), expiresAt: undefined }];
    expect(await cache.token(MEGAN)).toBe(jwt(now - 1000));
    expect(await cache.token(MEGAN)).toBe(jwt(now + 3_600_000));
    expect(await cache.token(MEGAN)).toBe(jwt(now + 3_600_000));
    expect(service.calls).toBe(2);
  });

  it('concurrent asks share one call; a sign-out during it is not undone by its answer', async () => {
    service.hold = true;
    service.next = [{ token: 't1', expiresAt: now + 3_600_000 }, undefined];
    const asks = [cache.token(MEGAN), cache.token(MEGAN), cache.token(MEGAN)];
    cache.forget(MEGAN);
    service.hold = false;
    for (const release of service.pending) release();
    expect(await Promise.all(asks)).toEqual(['t1', 't1', 't1']);
    expect(service.calls).toBe(1);
    await expect(cache.token(MEGAN)).rejects.toMatchObject({ code: 'SIGN_IN_REQUIRED' });
  });

  it('remember() (just signed in) serves without a call; the store is bounded', async () => {
    const small = new UserTokenCache(service, { now: () => now, maxUsers: 2 });
    for (const id of ['a', 'b', 'c']) small.remember({ userId: id, channelId: 'msteams' }, { token: id, expiresAt: now + 3_600_000 });
    expect(small.size).toBe(2);
    expect(await small.token({ userId: 'c', channelId: 'msteams' })).toBe('c');
    expect(service.calls).toBe(0);
  });
});
