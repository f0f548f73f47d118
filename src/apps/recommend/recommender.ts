// The live recommender: fed every event as it is read (the stream), it keeps each shopper's products, the
// co-visitation and co-purchase neighbours, trending and the catalog up to date per event — a view is in the next
// answer — and answers lists with a score, a source and a reason per product. The same object, fed the training
// part of a log, is what `shopstream eval recommend` scores: the evaluation measures what the API serves.
import type { ShopEvent } from '../../core/index.js';
import { Catalog, type CatalogSnapshot } from './catalog.js';
import { CoVisitation, DEFAULT_COVISIT, type CoVisitSnapshot } from './covisit.js';
import { UserHistories, type HistorySnapshot } from './history.js';
import { interactionsOf, type Interaction } from './interactions.js';
import { DEFAULT_TRENDING, Trending, type TrendingSnapshot } from './trending.js';

export type Source = 'covisit' | 'bought_together' | 'content' | 'trending';

export interface RecommendedItem {
  readonly productId: string;
  readonly score: number;
  readonly source: Source;
  readonly reason: string;
}

export interface ListOptions {
  readonly count: number;
  readonly category?: string;
  readonly exclude?: ReadonlySet<string>;
}

/** How far back a shopper's products shape a list, and how fast their weight falls with age (in products). */
export const PROFILE_ITEMS = 50;
export const RECENCY_PRODUCTS = 5;
/** Content neighbours of a shopper's latest products fill a list after the co-visited ones. */
const CONTENT_FROM = 3;
/** The share of a similar-items list kept for content neighbours, so a new product shows among them at once. */
const CONTENT_SHARE = 0.25;
/** Sources in the order a list takes them: co-visitation and co-purchase by strength, then content, then trending. */
const TIER: Readonly<Record<Source, number>> = { covisit: 0, bought_together: 0, content: 1, trending: 2 };

export interface RecommenderSnapshot {
  readonly histories: HistorySnapshot;
  readonly purchases: HistorySnapshot;
  readonly covisit: CoVisitSnapshot;
  readonly bought: CoVisitSnapshot;
  readonly trending: TrendingSnapshot;
  readonly catalog: CatalogSnapshot;
}

interface Scored {
  score: number;
  source: Source;
  /** The product of the shopper's that brought this one in (co-visitation, content). */
  via: string | undefined;
  viaStrength: number;
}

export class Recommender {
  readonly histories = new UserHistories();
  private readonly purchases = new UserHistories();
  covisit = new CoVisitation(DEFAULT_COVISIT);
  bought = new CoVisitation({ window: 20, backward: 1, neighbours: 100 });
  trending = new Trending(DEFAULT_TRENDING);
  catalog = new Catalog();

  /** Applies one event: a product to the catalog, an interaction to the shopper, the neighbours and trending. */
  observe(event: ShopEvent): void {
    if (event.type === 'product') {
      this.catalog.apply(event);
      return;
    }
    for (const i of interactionsOf(event)) this.interact(i);
  }

  interact(i: Interaction): void {
    const before = this.histories.recent(i.userId, this.covisit.options.window);
    if (this.histories.add(i.userId, i.productId, i.ts)) this.covisit.add(before, i.productId, i.ts);
    this.trending.add(i.productId, i.ts, i.weight);
    if (i.type === 'purchase') {
      const bought = this.purchases.recent(i.userId, this.bought.options.window);
      if (this.purchases.add(i.userId, i.productId, i.ts)) this.bought.add(bought, i.productId, i.ts);
    }
  }

  /** "Just for you": from the shopper's recent products; trending (in the category, if asked) when too few. */
  forUser(userId: string, options: ListOptions): RecommendedItem[] {
    const recent = this.histories.recent(userId, PROFILE_ITEMS);
    return this.fromProducts(recent, options, (id) => this.histories.has(userId, id));
  }

  /** A list for a session's products (most recent last), for a shopper the server may not know. */
  forSession(productIds: readonly string[], options: ListOptions): RecommendedItem[] {
    const seen = new Set(productIds);
    return this.fromProducts(productIds.slice(-PROFILE_ITEMS), options, (id) => seen.has(id));
  }

  /**
   * Products viewed together with this one, and content neighbours in a quarter of the list (all of it for a new
   * product, which has only those).
   */
  similar(productId: string, options: ListOptions): RecommendedItem[] {
    const self = (id: string) => id === productId;
    const content = this.finish(this.contentOf([productId]), options, self, false);
    const quota = Math.min(content.length, Math.ceil(options.count * CONTENT_SHARE));
    const covisited = this.finish(this.covisitedOf([productId]), options, self, false);
    const taken = covisited.slice(0, options.count - quota);
    const have = new Set(taken.map((r) => r.productId));
    for (const r of [...content, ...covisited]) {
      if (taken.length >= options.count) break;
      if (!have.has(r.productId)) {
        taken.push(r);
        have.add(r.productId);
      }
    }
    return taken;
  }

  /** Products bought with this one (same shoppers' purchases, close in sequence). */
  boughtTogether(productId: string, options: ListOptions): RecommendedItem[] {
    const scored = new Map<string, Scored>();
    for (const [id, s] of this.bought.neighbours(productId, this.bought.options.neighbours)) {
      scored.set(id, { score: s, source: 'bought_together', via: productId, viaStrength: s });
    }
    return this.finish(scored, options, (id) => id === productId);
  }

  /** Whether the shopper has any history (else a list is trending only). */
  knows(userId: string): boolean {
    return this.histories.knows(userId);
  }

  private fromProducts(
    recent: readonly string[],
    options: ListOptions,
    seen: (id: string) => boolean,
  ): RecommendedItem[] {
    const scored = this.covisitedOf(recent);
    for (const [id, s] of this.contentOf(recent.slice(-CONTENT_FROM))) if (!scored.has(id)) scored.set(id, s);
    return this.finish(scored, options, seen);
  }

  /** Co-visited neighbours of the products, each weighted exp(−age / RECENCY_PRODUCTS) by its place (last = 0). */
  private covisitedOf(recent: readonly string[]): Map<string, Scored> {
    const scored = new Map<string, Scored>();
    const n = recent.length;
    const contributions = new Map<string, number>();
    for (let pos = 0; pos < n; pos++) {
      const item = recent[pos] as string;
      contributions.clear();
      this.covisit.addNeighbours(item, Math.exp(-(n - 1 - pos) / RECENCY_PRODUCTS), contributions);
      for (const [id, c] of contributions) {
        const s = scored.get(id);
        if (!s) scored.set(id, { score: c, source: 'covisit', via: item, viaStrength: c });
        else {
          s.score += c;
          if (c > s.viaStrength) {
            s.via = item;
            s.viaStrength = c;
          }
        }
      }
    }
    return scored;
  }

  /** Content neighbours of the products (the best match of any of them). */
  private contentOf(items: readonly string[]): Map<string, Scored> {
    const scored = new Map<string, Scored>();
    for (const item of items) {
      for (const [id, sim] of this.catalog.similar(item, 50)) {
        const s = scored.get(id);
        if (!s || sim > s.score)
          scored.set(id, { score: sim, source: 'content', via: item, viaStrength: sim });
      }
    }
    return scored;
  }

  /** Filters, orders and explains a candidate set; trending fills a list that is short. */
  private finish(
    scored: Map<string, Scored>,
    options: ListOptions,
    seen: (id: string) => boolean,
    withTrending = true,
  ): RecommendedItem[] {
    const inCategory = options.category === undefined ? undefined : this.catalog.inCategory(options.category);
    const keep = (id: string) =>
      !seen(id) &&
      !options.exclude?.has(id) &&
      (inCategory === undefined || inCategory(id)) &&
      this.catalog.get(id)?.inStock !== false;
    const ranked = [...scored]
      .filter(([id]) => keep(id))
      .sort(
        (a, b) => TIER[a[1].source] - TIER[b[1].source] || b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1),
      )
      .slice(0, options.count)
      .map(([id, s]) => ({ productId: id, score: s.score, source: s.source, reason: this.reason(s) }));
    if (ranked.length >= options.count || !withTrending) return ranked;
    const have = new Set(ranked.map((r) => r.productId));
    const group = options.category ?? '';
    for (const [id, s] of this.trending.top(options.count * 4 + have.size, group, inCategory)) {
      if (ranked.length >= options.count) break;
      if (have.has(id) || !keep(id)) continue;
      have.add(id);
      ranked.push({
        productId: id,
        score: s,
        source: 'trending',
        reason: options.category === undefined ? 'trending now' : `trending in ${options.category}`,
      });
    }
    return ranked;
  }

  private reason(s: Scored): string {
    const name = (id: string | undefined) => (id === undefined ? '' : (this.catalog.get(id)?.title ?? id));
    switch (s.source) {
      case 'covisit':
        return `viewed together with ${name(s.via)}`;
      case 'bought_together':
        return `bought together with ${name(s.via)}`;
      case 'content':
        return `similar to ${name(s.via)}`;
      case 'trending':
        return 'trending now';
    }
  }

  snapshot(): RecommenderSnapshot {
    return {
      histories: this.histories.snapshot(),
      purchases: this.purchases.snapshot(),
      covisit: this.covisit.snapshot(),
      bought: this.bought.snapshot(),
      trending: this.trending.snapshot(),
      catalog: this.catalog.snapshot(),
    };
  }

  restore(s: RecommenderSnapshot): void {
    this.histories.restore(s.histories);
    this.purchases.restore(s.purchases);
    this.covisit = CoVisitation.fromSnapshot(s.covisit);
    this.bought = CoVisitation.fromSnapshot(s.bought);
    this.trending = Trending.fromSnapshot(s.trending);
    this.catalog = Catalog.fromSnapshot(s.catalog);
  }
}
