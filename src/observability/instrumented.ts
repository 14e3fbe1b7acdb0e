import { toAppError } from '../errors';
import type { UserTokenService } from '../identity/user-tokens';
import type { TransferNotifier } from '../jobs/runner';
import type { AppMetrics } from './metrics';
import { inSpan, SpanKind } from './tracing';

/** Card updates counted as sent, throttled by Teams (429) or failed. */
export function meteredNotifier(inner: TransferNotifier, metrics: AppMetrics): TransferNotifier {
  return {
    async show(job, live) {
      try {
        await inner.show(job, live);
        metrics.cardUpdate('sent');
      } catch (err) {
        metrics.cardUpdate(toAppError(err).code === 'TEAMS_THROTTLED' ? 'throttled' : 'failed');
        throw err;
      }
    },
  };
}

/**
 * Every call to the Bot Framework Token Service (each attempt: wrap the client, inside the
 * retrying layer), counted by outcome, in a span of its own.
 */
export function meteredTokenService(inner: UserTokenService, metrics: AppMetrics): UserTokenService {
  const call = async <T>(operation: string, fn: () => Promise<T>, outcome: (v: T) => 'token' | 'none'): Promise<T> =>
    inSpan(`token-service ${operation}`, { kind: SpanKind.CLIENT, attributes: { 'token_service.operation': operation } }, async () => {
      try {
        const value = await fn();
        metrics.tokenServiceCall(operation, outcome(value));
        return value;
      } catch (err) {
        metrics.tokenServiceCall(operation, 'error');
        if (toAppError(err).status === 429) metrics.http429('token-service');
        throw err;
      }
    });
  const tokenOrNone = (v: unknown): 'token' | 'none' => (v === undefined ? 'none' : 'token');
  return {
    getToken: (user, magicCode) => call('getToken', () => inner.getToken(user, magicCode), tokenOrNone),
    exchange: (user, ssoToken) => call('exchange', () => inner.exchange(user, ssoToken), tokenOrNone),
    signOut: (user) => call('signOut', () => inner.signOut(user), () => 'none'),
  };
}
