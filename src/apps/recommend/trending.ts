// Trending: time-decayed popularity of products, overall and per category. A product's score is the sum of its
// interactions' weights, each halved every half-life of age; kept in a scale that doubles every half-life (as the
// co-visitation's), so nothing is touched when time passes. The top lists are cached and remade when stale.

export interface TrendingOptions {
  /** Default 7 days; Infinity: plain popularity. */
  readonly halfLifeMs: number;
}

export const DEFAULT_TRENDING: TrendingOptions = { halfLifeMs: 7 * 86_400_000 };

/** How long a cached top list serves before it is remade from the scores (ms of wall time). */
const TOP_TTL_MS = 1000;
const TOP_SIZE = 500;

export interface TrendingSnapshot {
  readonly options: TrendingOptions;
  readonly origin: number;
  readonly scores: [string, number][];
}

export class Trending {
  private readonly scores = new Map<string, number>();
  private origin = Number.NaN;
  private readonly tops = new Map<string, { at: number; items: [string, number][] }>();

  constructor(readonly options: TrendingOptions = DEFAULT_TRENDING) {}

  add(productId: string, ts: number, weight = 1): void {
    const w = weight * this.scaleAt(ts);
    this.scores.set(productId, (this.scores.get(productId) ?? 0) + w);
  }

  score(productId: string): number {
    return this.scores.get(productId) ?? 0;
  }

  /**
   * The top products, overall or of the products `inGroup` accepts (a category), strongest first, with their
   * scores as a share of the strongest (1 = the top product).
   */
  top(n: number, group = '', inGroup?: (productId: string) => boolean, now = Date.now()): [string, number][] {
    let cached = this.tops.get(group);
    if (!cached || now - cached.at > TOP_TTL_MS || cached.items.length < Math.min(n, TOP_SIZE)) {
      const all = [...this.scores].filter(([id]) => !inGroup || inGroup(id));
      all.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      cached = { at: now, items: all.slice(0, Math.max(n, TOP_SIZE)) };
      this.tops.set(group, cached);
    }
    const best = cached.items[0]?.[1] ?? 1;
    return cached.items.slice(0, n).map(([id, s]) => [id, s / best]);
  }

  get size(): number {
    return this.scores.size;
  }

  private scaleAt(ts: number): number {
    const half = this.options.halfLifeMs;
    if (!Number.isFinite(half)) return 1;
    if (Number.isNaN(this.origin)) this.origin = ts;
    const exponent = (ts - this.origin) / half;
    if (exponent > 64) {
      const shrink = 2 ** -exponent;
      for (const [k, v] of this.scores) this.scores.set(k, v * shrink);
      this.origin = ts;
      this.tops.clear();
      return 1;
    }
    return 2 ** exponent;
  }

  snapshot(): TrendingSnapshot {
    return { options: this.options, origin: this.origin, scores: [...this.scores] };
  }

  static fromSnapshot(s: TrendingSnapshot): Trending {
    const t = new Trending(s.options);
    t.origin = s.origin;
    for (const [k, v] of s.scores) t.scores.set(k, v);
    return t;
  }
}
