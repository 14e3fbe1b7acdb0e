/**
 * What a user asked for while not signed in (a file to attach, an Attach press, `status`),
 * kept until they sign in so it continues by itself: the user never sends the file again.
 * In memory and short-lived: a Teams download link lasts minutes, so after a restart or ten
 * minutes the user is asked again. Bounded per user and overall.
 */
export class PendingActions<T> {
  private readonly byUser = new Map<string, Array<{ action: T; at: number }>>();

  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly perUser = 5,
    private readonly maxUsers = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  add(userId: string, action: T): void {
    const list = (this.byUser.get(userId) ?? []).filter((p) => p.at + this.ttlMs > this.now());
    list.push({ action, at: this.now() });
    while (list.length > this.perUser) list.shift();
    this.byUser.delete(userId);
    this.byUser.set(userId, list);
    while (this.byUser.size > this.maxUsers) {
      const oldest = this.byUser.keys().next().value;
      if (oldest === undefined) break;
      this.byUser.delete(oldest);
    }
  }

  /** Removes and returns the user's actions still fresh, oldest first. */
  take(userId: string): T[] {
    const list = this.byUser.get(userId) ?? [];
    this.byUser.delete(userId);
    return list.filter((p) => p.at + this.ttlMs > this.now()).map((p) => p.action);
  }

  count(userId: string): number {
    return (this.byUser.get(userId) ?? []).filter((p) => p.at + this.ttlMs > this.now()).length;
  }
}
