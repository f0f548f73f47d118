// Each shopper's products, most recent last: what a list is made for (the recent ones weigh most) and what it
// leaves out (products the shopper already interacted with). Bounded per shopper.

/** Products kept per shopper (the oldest are forgotten first). */
export const HISTORY_LIMIT = 1000;

/** The histories as a few flat columns (fast to serialize): users and their counts, then every product and time. */
export interface HistorySnapshot {
  readonly users: string;
  readonly counts: Int32Array;
  readonly products: string;
  readonly times: Float64Array;
}

const SEPARATOR = '\u0000';

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

  /** The shopper with the most products (the first such, in order of first interaction). */
  mostActive(): string | undefined {
    let best: string | undefined;
    let most = 0;
    for (const [u, items] of this.users) {
      if (items.size > most) {
        best = u;
        most = items.size;
      }
    }
    return best;
  }

  snapshot(): HistorySnapshot {
    const users = [...this.users.keys()];
    const counts = new Int32Array(users.length);
    const products: string[] = [];
    const times: number[] = [];
    users.forEach((u, i) => {
      const items = this.users.get(u) as Map<string, number>;
      counts[i] = items.size;
      for (const [p, ts] of items) {
        products.push(p);
        times.push(ts);
      }
    });
    return {
      users: users.join(SEPARATOR),
      counts,
      products: products.join(SEPARATOR),
      times: Float64Array.from(times),
    };
  }

  restore(s: HistorySnapshot): void {
    this.users.clear();
    if (s.users === '') return;
    const products = s.products === '' ? [] : s.products.split(SEPARATOR);
    let at = 0;
    s.users.split(SEPARATOR).forEach((u, i) => {
      const items = new Map<string, number>();
      for (let k = 0; k < (s.counts[i] as number); k++, at++)
        items.set(products[at] as string, s.times[at] as number);
      this.users.set(u, items);
    });
  }
}
