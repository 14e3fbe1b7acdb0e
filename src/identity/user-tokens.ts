import { AppError } from '../errors';

/**
 * User tokens come from the Bot Framework Token Service through the Azure Bot's OAuth
 * connection (identity.md §2): it keeps the user's sign-in (and refresh token) and hands out a
 * current Graph token on request, in the foreground and in background jobs alike. This is the
 * token service as the rest of the app sees it; src/teams/ implements it on botbuilder's
 * UserTokenClient.
 */

/** Whose token: the Teams user id (29:…) and channel, as the token service keys them (not the AAD oid). */
export interface SignInUser {
  userId: string;
  channelId: string;
}

export interface UserToken {
  token: string;
  /** Epoch ms; undefined when the service did not say (then the JWT's `exp` is used). */
  expiresAt: number | undefined;
}

export interface UserTokenService {
  /** The stored sign-in's current token, redeeming a magic code when given; undefined when there is none (404). */
  getToken(user: SignInUser, magicCode?: string): Promise<UserToken | undefined>;
  /** Exchanges a Teams SSO token; undefined when the service cannot (consent needed, bad token). */
  exchange(user: SignInUser, ssoToken: string): Promise<UserToken | undefined>;
  /** Forgets the user's sign-in at the token service. */
  signOut(user: SignInUser): Promise<void>;
}

/** The only channel the bot serves (src/teams/authenticated-handler.ts refuses every other one). */
export const TEAMS_CHANNEL = 'msteams';

/**
 * The token service key of a Teams user, in the one place it is made: sign-in (in a turn) and
 * Graph calls (in the background) must ask about the same channel, or a sign-in on one channel
 * would hand out the token stored for another.
 */
export function teamsSignInUser(userId: string): SignInUser {
  return { userId, channelId: TEAMS_CHANNEL };
}

/** No token: the user must sign in (a job waits, a foreground action shows the sign-in card). */
export function signInRequiredError(): AppError {
  return new AppError('SIGN_IN_REQUIRED', 'The user is not signed in (the token service has no token).', { status: 401 });
}

export function isSignInRequired(err: unknown): boolean {
  return err instanceof AppError && err.code === 'SIGN_IN_REQUIRED';
}

/** The `exp` of a JWT access token in epoch ms, read without verifying (for caching only). */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
