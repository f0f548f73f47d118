// Each shopper's products, most recent last: what a list is made for (the recent ones weigh most) and what it
// leaves out (products the shopper already interacted with). Bounded per shopper.

/** Products kept per shopper (the oldest are forgotten first). */
export const HISTORY_LIMIT = 1000;

export interface HistorySnapshot {
  readonly users: [string, [string, number][]][];
}

export class UserHistories {
  /** Per user, product → last interaction time, in order of last interaction (a Map keeps insertion order). */
  private readonly users = new Map<string, Map<string, number>>();

  constructor(private readonly limit = HISTORY_LIMIT) {}

  /** Records an interaction; true when the product is new to the shopper. */
  add(userId: string, productId: string, ts: number): boolean {
    let items = this.users.get(userId);
    if (!items) this.users.set(userId, (items = new Map()));
    const known = items.has(productId);
    // Moved to the end: a product seen again is recent again.
    if (known) items.delete(productId);
    items.set(productId, ts);
    if (items.size > this.limit) items.delete(items.keys().next().value as string);
    return !known;
  }

  /** The shopper's last `n` products, most recent last. */
  recent(userId: string, n: number): string[] {
    const items = this.users.get(userId);
    if (!items) return [];
    const all = [...items.keys()];
    return all.slice(Math.max(0, all.length - n));
  }

  has(userId: string, productId: string): boolean {
    return this.users.get(userId)?.has(productId) ?? false;
  }

  /** Whether the shopper has any history. */
  knows(userId: string): boolean {
    return this.users.has(userId);
  }

  get size(): number {
    return this.users.size;
  }

  snapshot(): HistorySnapshot {
    return { users: [...this.users].map(([u, items]) => [u, [...items]]) };
  }

  restore(s: HistorySnapshot): void {
    this.users.clear();
    for (const [u, items] of s.users) this.users.set(u, new Map(items));
  }
}
