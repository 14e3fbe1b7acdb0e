import { randomUUID } from 'node:crypto';

/**
 * Teams sends `signin/tokenExchange` from every client the user has open (desktop, web,
 * phone), each with the same exchange id: exactly one of them may continue the user's pending
 * action. Like botbuilder's TeamsSSOTokenExchangeMiddleware, the first writer of an
 * ETag-guarded record wins; the others are told "already handled". The record lives in a store
 * with ETag semantics so the rule holds across instances once that store is shared (the file
 * store today, Azure Storage later: If-None-Match: * and If-Match map one to one).
 */

/** Records with ETag concurrency control. */
export interface ConditionalRecordStore {
  /** Creates the record unless one exists (If-None-Match: *); its ETag, or undefined when one existed. */
  createIfAbsent(key: string, value: string): Promise<string | undefined>;
  read(key: string): Promise<{ value: string; etag: string } | undefined>;
  /** Replaces the record only while its ETag is `etag` (If-Match); the new ETag, or undefined on a conflict. */
  replaceIf(key: string, value: string, etag: string): Promise<string | undefined>;
}

export interface ExchangeRef {
  channelId: string;
  conversationId: string;
  /** Whose exchange (from.id): ids are only unique per sign-in request, not across users. */
  userId: string;
  /** `value.id` of the invoke: the OAuthCard's tokenExchangeResource id. */
  exchangeId: string;
}

export class ExchangeDeduplicator {
  constructor(
    private readonly store: ConditionalRecordStore,
    /** After this long an exchange id may be processed again (a new card would carry a new id anyway). */
    private readonly ttlMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True for the first caller of an exchange; false for every duplicate. */
  async claim(ref: ExchangeRef): Promise<boolean> {
    const key = `${ref.channelId}/${ref.conversationId}/${ref.userId}/${ref.exchangeId}`;
    const value = (): string => JSON.stringify({ claimedAt: this.now(), by: randomUUID() });
    if ((await this.store.createIfAbsent(key, value())) !== undefined) return true;
    const existing = await this.store.read(key);
    if (!existing) return (await this.store.createIfAbsent(key, value())) !== undefined;
    const claimedAt = parseClaimedAt(existing.value);
    // Unreadable counts as claimed: better one user re-signs in than an action running twice.
    if (claimedAt === undefined || claimedAt + this.ttlMs > this.now()) return false;
    // A stale claim: whoever swaps it first (If-Match) processes the exchange.
    return (await this.store.replaceIf(key, value(), existing.etag)) !== undefined;
  }
}

function parseClaimedAt(text: string): number | undefined {
  try {
    const v = JSON.parse(text) as { claimedAt?: unknown };
    return typeof v.claimedAt === 'number' ? v.claimedAt : undefined;
  } catch {
    return undefined;
  }
}
