/**
 * Per-user admission, in front of the fair limiter (limiter.ts), so that one user sending 100
 * files in a minute gets a polite limit instead of 100 transfers, and nobody else waits behind
 * them:
 * - file messages: a token bucket per user (FILE_MESSAGES_PER_MINUTE_PER_USER). Past it, the bot
 *   says so once per minute and neither probes the files nor asks To Do for a picker.
 * - transfers: at most MAX_PENDING_TRANSFERS_PER_USER queued or running per user; Attach past
 *   that answers with a sentence and keeps the picker for later.
 * Memory is bounded: idle users (full bucket) are forgotten first, and the map never holds more
 * than `maxUsers` entries.
 */

export interface AdmissionOptions {
  maxPendingPerUser: number;
  fileMessagesPerMinute: number;
  /** Users remembered at once (least recently seen go first). */
  maxUsers?: number;
  now?: () => number;
}

export type FileMessageVerdict =
  /** Go ahead. */
  | 'ok'
  /** Over the limit: tell the user (once per minute). */
  | 'tell'
  /** Over the limit and already told: stay quiet. */
  | 'quiet';

interface Bucket {
  tokens: number;
  at: number;
  toldAt: number | undefined;
}

const MINUTE = 60_000;

export class Admission {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxUsers: number;
  private readonly now: () => number;

  constructor(
    /** Transfers of this user queued or running now (the job runner knows). */
    private readonly pendingFor: (userId: string) => number,
    private readonly options: AdmissionOptions,
  ) {
    this.maxUsers = options.maxUsers ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  get maxPendingPerUser(): number {
    return this.options.maxPendingPerUser;
  }

  /** Whether one more transfer of this user may be queued. */
  hasRoomFor(userId: string): boolean {
    return this.pendingFor(userId) < this.options.maxPendingPerUser;
  }

  /** Takes one file message from the user's bucket. */
  takeFileMessage(userId: string): FileMessageVerdict {
    const now = this.now();
    const capacity = this.options.fileMessagesPerMinute;
    const old = this.buckets.get(userId);
    const bucket: Bucket = old ? refill(old, now, capacity) : { tokens: capacity, at: now, toldAt: undefined };
    // Re-inserted: the map's order is least recently seen first.
    this.buckets.delete(userId);
    this.buckets.set(userId, bucket);
    this.trim();
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 'ok';
    }
    if (bucket.toldAt !== undefined && now - bucket.toldAt < MINUTE) return 'quiet';
    bucket.toldAt = now;
    return 'tell';
  }

  private trim(): void {
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= this.maxUsers) return;
      this.buckets.delete(key);
    }
  }
}

function refill(bucket: Bucket, now: number, capacity: number): Bucket {
  const tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) * capacity) / MINUTE);
  return { tokens, at: now, toldAt: bucket.toldAt };
}

/** The sentence for an Attach past the limit. */
export function pendingLimitSentence(max: number): string {
  return `You already have ${max} transfers waiting or running, the most I take from one person at a time. Press Attach again when some of them have finished.`;
}

export const FILE_MESSAGE_LIMIT_SENTENCE =
  'You have sent me a lot of files in a short time, so I am pausing for a minute before I look at new ones. The cards I already sent still work; send the other files again in a minute.';
