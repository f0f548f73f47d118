// How lists are received: every `impression` (a list shown) and every `click` that carries its `listId`, joined
// back to the list — impressions and clicks per product, per kind of list and per position. The click-through
// rates a ranker learns from (and a position curve to correct them by); nothing ranks by them yet.
import type { EventOf } from '../../core/index.js';

/** Lists remembered for their clicks (the oldest are forgotten first). */
const LISTS_KEPT = 200_000;
/** Positions counted one by one; later ones share the last bucket. */
const POSITIONS = 50;

interface Counts {
  impressions: number;
  clicks: number;
}

const SEPARATOR = '\u0000';

/** Lists as flat columns (ids, kinds, product counts, every product), fast to serialize; counters as tuples. */
export interface EngagementSnapshot {
  readonly lists: { ids: string; kinds: string; counts: Int32Array; products: string };
  readonly products: [string, number, number][];
  readonly kinds: [string, number, number][];
  readonly positions: { impressions: number[]; clicks: number[] };
  readonly unjoined: number;
}

export interface EngagementStats {
  readonly impressions: number;
  readonly clicks: number;
  readonly ctr: number | null;
  /** Clicks whose listId names no list the server knows (or a product not in it). */
  readonly unjoinedClicks: number;
  readonly byKind: Record<string, { impressions: number; clicks: number; ctr: number | null }>;
  /** CTR by position in the list (0 = first), the last entry for POSITIONS and beyond. */
  readonly byPosition: (number | null)[];
  readonly topProducts: { productId: string; impressions: number; clicks: number; ctr: number | null }[];
}

const rate = (c: Counts) => (c.impressions > 0 ? c.clicks / c.impressions : null);

export class Engagement {
  private readonly lists = new Map<string, { kind: string; productIds: string[] }>();
  private readonly products = new Map<string, Counts>();
  private readonly kinds = new Map<string, Counts>();
  private readonly positions = {
    impressions: new Array<number>(POSITIONS).fill(0),
    clicks: new Array<number>(POSITIONS).fill(0),
  };
  private unjoined = 0;

  impression(e: EventOf<'impression'>): void {
    if (this.lists.has(e.listId)) return;
    this.lists.set(e.listId, { kind: e.source, productIds: e.productIds });
    if (this.lists.size > LISTS_KEPT) this.lists.delete(this.lists.keys().next().value as string);
    counts(this.kinds, e.source).impressions += e.productIds.length;
    e.productIds.forEach((id, position) => {
      counts(this.products, id).impressions++;
      this.positions.impressions[Math.min(position, POSITIONS - 1)]!++;
    });
  }

  click(e: EventOf<'click'>): void {
    if (e.listId === undefined) return;
    const list = this.lists.get(e.listId);
    const position = list?.productIds.indexOf(e.productId) ?? -1;
    if (!list || position === -1) {
      this.unjoined++;
      return;
    }
    counts(this.kinds, list.kind).clicks++;
    counts(this.products, e.productId).clicks++;
    this.positions.clicks[Math.min(position, POSITIONS - 1)]!++;
  }

  /** A product's impressions and clicks in lists. */
  of(productId: string): { impressions: number; clicks: number } {
    const c = this.products.get(productId);
    return { impressions: c?.impressions ?? 0, clicks: c?.clicks ?? 0 };
  }

  stats(top = 10): EngagementStats {
    let impressions = 0;
    let clicks = 0;
    for (const c of this.kinds.values()) {
      impressions += c.impressions;
      clicks += c.clicks;
    }
    return {
      impressions,
      clicks,
      ctr: impressions > 0 ? clicks / impressions : null,
      unjoinedClicks: this.unjoined,
      byKind: Object.fromEntries([...this.kinds].map(([k, c]) => [k, { ...c, ctr: rate(c) }])),
      byPosition: this.positions.impressions.map((n, p) =>
        n > 0 ? (this.positions.clicks[p] as number) / n : null,
      ),
      topProducts: [...this.products]
        .filter(([, c]) => c.clicks > 0)
        .sort((a, b) => b[1].clicks - a[1].clicks || (a[0] < b[0] ? -1 : 1))
        .slice(0, top)
        .map(([productId, c]) => ({ productId, ...c, ctr: rate(c) })),
    };
  }

  snapshot(): EngagementSnapshot {
    return {
      lists: {
        ids: [...this.lists.keys()].join(SEPARATOR),
        kinds: [...this.lists.values()].map((l) => l.kind).join(SEPARATOR),
        counts: Int32Array.from(this.lists.values(), (l) => l.productIds.length),
        products: [...this.lists.values()].flatMap((l) => l.productIds).join(SEPARATOR),
      },
      products: [...this.products].map(([id, c]) => [id, c.impressions, c.clicks]),
      kinds: [...this.kinds].map(([k, c]) => [k, c.impressions, c.clicks]),
      positions: { impressions: [...this.positions.impressions], clicks: [...this.positions.clicks] },
      unjoined: this.unjoined,
    };
  }

  restore(s: EngagementSnapshot): void {
    this.lists.clear();
    this.products.clear();
    this.kinds.clear();
    if (s.lists.ids !== '') {
      const kinds = s.lists.kinds.split(SEPARATOR);
      const products = s.lists.products === '' ? [] : s.lists.products.split(SEPARATOR);
      let at = 0;
      s.lists.ids.split(SEPARATOR).forEach((id, i) => {
        const n = s.lists.counts[i] as number;
        this.lists.set(id, { kind: kinds[i] as string, productIds: products.slice(at, at + n) });
        at += n;
      });
    }
    for (const [id, impressions, clicks] of s.products) this.products.set(id, { impressions, clicks });
    for (const [k, impressions, clicks] of s.kinds) this.kinds.set(k, { impressions, clicks });
    this.positions.impressions.splice(0, POSITIONS, ...s.positions.impressions);
    this.positions.clicks.splice(0, POSITIONS, ...s.positions.clicks);
    this.unjoined = s.unjoined;
  }
}

function counts(map: Map<string, Counts>, key: string): Counts {
  let c = map.get(key);
  if (!c) map.set(key, (c = { impressions: 0, clicks: 0 }));
  return c;
}
