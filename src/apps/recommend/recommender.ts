// The live recommender: fed every event as it is read (the stream), it keeps each shopper's products, the
// co-visitation and co-purchase neighbours, trending and the catalog up to date per event — a view is in the next
// answer — and answers lists with a score, a source and a reason per product. The same object, fed the training
// part of a log, is what `shopstream eval recommend` scores: the evaluation measures what the API serves.
import type { ShopEvent } from '../../core/index.js';
import { Campaigns, type Campaign, type CampaignsSnapshot } from './campaigns.js';
import { Catalog, type CatalogSnapshot } from './catalog.js';
import { Engagement, type EngagementSnapshot } from './engagement.js';
import { CoVisitation, DEFAULT_COVISIT, ScoreBoard, type CoVisitSnapshot } from './covisit.js';
import { UserHistories, type HistorySnapshot } from './history.js';
import { interactionsOf, type Interaction } from './interactions.js';
import { DEFAULT_TRENDING, Trending, type TrendingSnapshot } from './trending.js';

export type Source = 'covisit' | 'bought_together' | 'content' | 'trending' | 'campaign';

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
  /** Diversity: at most this many products of one category in the list. */
  readonly perCategory?: number;
  /** The time campaigns are running at (default: now). */
  readonly now?: number;
}

/** How far back a shopper's products shape a list, and how fast their weight falls with age (in products). */
export const PROFILE_ITEMS = 50;
export const RECENCY_PRODUCTS = 5;
/** Content neighbours of a shopper's latest products fill a list after the co-visited ones. */
const CONTENT_FROM = 3;
/** The share of a similar-items list kept for content neighbours, so a new product shows among them at once. */
const CONTENT_SHARE = 0.25;
/** A shopper's products a list reads, latest first (the 20th from the end weighs e^−4 of the last). */
export const PROFILE_READ = 20;

/** The layout of `RecommenderSnapshot`: a checkpoint of another one is not restored (the state is rebuilt). */
export const RECOMMENDER_SNAPSHOT_VERSION = 4;

export interface RecommenderSnapshot {
  readonly version: typeof RECOMMENDER_SNAPSHOT_VERSION;
  readonly histories: HistorySnapshot;
  readonly purchases: HistorySnapshot;
  readonly covisit: CoVisitSnapshot;
  readonly bought: CoVisitSnapshot;
  readonly trending: TrendingSnapshot;
  readonly catalog: CatalogSnapshot;
  readonly campaigns: CampaignsSnapshot;
  readonly engagement: EngagementSnapshot;
}

/**
 * The `n` best-scored products of the board that `keep` accepts, best first (ties by number). `keep` is asked
 * only of products that would make the list: a few dozen of the thousands a list ranks.
 */
function topKept(board: ScoreBoard, n: number, keep: (id: number) => boolean): number[] {
  const { scores, touched } = board;
  const top: number[] = [];
  const better = (a: number, b: number) =>
    (scores[a] as number) > (scores[b] as number) || (scores[a] === scores[b] && a < b);
  for (const id of touched) {
    if (top.length === n && !better(id, top[n - 1] as number)) continue;
    if (!keep(id)) continue;
    let at = top.length;
    while (at > 0 && better(id, top[at - 1] as number)) at--;
    top.splice(at, 0, id);
    if (top.length > n) top.pop();
  }
  return top;
}

/** The lists in order, each product once, up to `n`. */
function merge(n: number, ...lists: RecommendedItem[][]): RecommendedItem[] {
  const out: RecommendedItem[] = [];
  const have = new Set<string>();
  for (const list of lists) {
    for (const item of list) {
      if (out.length >= n) return out;
      if (have.has(item.productId)) continue;
      have.add(item.productId);
      out.push(item);
    }
  }
  return out;
}

export class Recommender {
  readonly histories = new UserHistories();
  private readonly purchases = new UserHistories();
  covisit = new CoVisitation(DEFAULT_COVISIT);
  bought = new CoVisitation({ window: 20, backward: 1, neighbours: 100 });
  trending = new Trending(DEFAULT_TRENDING);
  catalog = new Catalog();
  readonly campaigns = new Campaigns();
  readonly engagement = new Engagement();
  /** Scratch scores of one list (reset after each). */
  private readonly board = new ScoreBoard();

  /** Applies one event: a product to the catalog, an interaction to the shopper, the neighbours and trending. */
  observe(event: ShopEvent): void {
    if (event.type === 'product') {
      this.catalog.apply(event);
      return;
    }
    if (event.type === 'campaign') {
      this.campaigns.apply(event);
      return;
    }
    if (event.type === 'impression') {
      this.engagement.impression(event);
      return;
    }
    if (event.type === 'click') this.engagement.click(event);
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
    return this.diverse(options, (o) => this.fromProducts(recent, o, (id) => this.histories.has(userId, id)));
  }

  /** A list for a session's products (most recent last), for a shopper the server may not know. */
  forSession(productIds: readonly string[], options: ListOptions): RecommendedItem[] {
    const seen = new Set(productIds);
    return this.diverse(options, (o) =>
      this.fromProducts(productIds.slice(-PROFILE_ITEMS), o, (id) => seen.has(id)),
    );
  }

  /**
   * Products viewed together with this one, and content neighbours in a quarter of the list (all of it for a new
   * product, which has only those).
   */
  similar(productId: string, options: ListOptions): RecommendedItem[] {
    return this.diverse(options, (o) => this.similarTo(productId, o));
  }

  private similarTo(productId: string, options: ListOptions): RecommendedItem[] {
    const keep = this.keeper(options, (id) => id === productId);
    const content = this.contentTop([productId], keep, options.count);
    const quota = Math.min(content.length, Math.ceil(options.count * CONTENT_SHARE));
    const covisited = this.boardTop(this.covisit, [productId], keep, options.count, 'covisit');
    return merge(options.count, covisited.slice(0, options.count - quota), content, covisited);
  }

  /** Products bought with this one (same shoppers' purchases, close in sequence). */
  boughtTogether(productId: string, options: ListOptions): RecommendedItem[] {
    return this.diverse(options, (o) => {
      const keep = this.keeper(o, (id) => id === productId);
      return this.boardTop(this.bought, [productId], keep, o.count, 'bought_together');
    });
  }

  /**
   * Diversity: with `perCategory`, a list of four times the count is made and walked in order, keeping at most
   * that many products of a category (products the catalog does not know are not limited).
   */
  private diverse(
    options: ListOptions,
    make: (options: ListOptions) => RecommendedItem[],
  ): RecommendedItem[] {
    const cap = options.perCategory;
    if (cap === undefined) return make(options);
    const longer = make({ ...options, count: Math.min(options.count * 4, 400) });
    const per = new Map<string, number>();
    const out: RecommendedItem[] = [];
    for (const item of longer) {
      if (out.length >= options.count) break;
      const category = this.catalog.get(item.productId)?.category;
      if (category !== undefined) {
        const n = per.get(category) ?? 0;
        if (n >= cap) continue;
        per.set(category, n + 1);
      }
      out.push(item);
    }
    return out;
  }

  /** Whether the shopper has any history (else a list is trending only). */
  knows(userId: string): boolean {
    return this.histories.knows(userId);
  }

  /** Co-visited first, then content neighbours of the latest products, then trending. */
  private fromProducts(
    recent: readonly string[],
    options: ListOptions,
    seen: (id: string) => boolean,
  ): RecommendedItem[] {
    const keep = this.keeper(options, seen);
    const n = options.count;
    const list = (() => {
      const covisited = this.boardTop(this.covisit, recent, keep, n, 'covisit');
      if (covisited.length >= n) return covisited;
      const content = this.contentTop(recent.slice(-CONTENT_FROM), keep, n);
      const some = merge(n, covisited, content);
      return some.length >= n ? some : merge(n, some, this.trendingTop(options, keep, n + some.length));
    })();
    if (this.campaigns.size === 0) return list;
    const categories = new Set<string>();
    for (const id of recent) {
      const c = this.catalog.get(id)?.category;
      if (c !== undefined) categories.add(c.toLowerCase());
    }
    const running = this.campaigns.runningFor(
      options.now ?? Date.now(),
      categories,
      (id) => this.catalog.get(id)?.category,
    );
    return running.length === 0 ? list : this.promote(list, running, keep, n);
  }

  /**
   * Campaigns running for the shopper: a promoted product in the list has its score multiplied by the boost;
   * promoted products not in it (the campaign's, or its category's trending top 10) enter at a tenth of the list's
   * best score times the boost. Each says it is on promotion.
   */
  private promote(
    list: readonly RecommendedItem[],
    running: readonly Campaign[],
    keep: (id: string) => boolean,
    n: number,
  ): RecommendedItem[] {
    const campaignOf = (id: string): Campaign | undefined => {
      const category = this.catalog.get(id)?.category.toLowerCase();
      let best: Campaign | undefined;
      for (const c of running) {
        if (!c.productIds.has(id) && (c.category === undefined || c.category.toLowerCase() !== category))
          continue;
        if (!best || c.boost > best.boost) best = c;
      }
      return best;
    };
    const onPromotion = (c: Campaign, reason: string) => `on promotion (${c.name}); ${reason}`;
    const out = list.map((item) => {
      const c = campaignOf(item.productId);
      return c ? { ...item, score: item.score * c.boost, reason: onPromotion(c, item.reason) } : item;
    });
    const have = new Set(out.map((i) => i.productId));
    const top = Math.max(...list.map((i) => i.score), 0) || 1;
    for (const c of running) {
      const pool =
        c.productIds.size > 0
          ? [...c.productIds]
          : this.trending
              .top(
                10,
                c.category ?? '',
                c.category === undefined ? undefined : this.catalog.inCategory(c.category),
              )
              .map(([id]) => id);
      for (const id of pool) {
        if (have.has(id) || !keep(id)) continue;
        have.add(id);
        out.push({
          productId: id,
          score: 0.1 * top * c.boost,
          source: 'campaign',
          reason: onPromotion(c, `promoted${c.category === undefined ? '' : ` in ${c.category}`}`),
        });
      }
    }
    return out.sort((a, b) => b.score - a.score || (a.productId < b.productId ? -1 : 1)).slice(0, n);
  }

  /** What a list may hold: not seen, not excluded, in the category asked for, not out of stock. */
  private keeper(options: ListOptions, seen: (id: string) => boolean): (id: string) => boolean {
    const inCategory = options.category === undefined ? undefined : this.catalog.inCategory(options.category);
    return (id) =>
      !seen(id) &&
      !options.exclude?.has(id) &&
      (inCategory === undefined || inCategory(id)) &&
      this.catalog.get(id)?.inStock !== false;
  }

  /**
   * The `n` strongest neighbours of `items` that `keep` accepts, each item's neighbours weighted exp(−age /
   * RECENCY_PRODUCTS) by its place (the last: 1); the reason names the item that gave the most.
   */
  private boardTop(
    source: CoVisitation,
    items: readonly string[],
    keep: (id: string) => boolean,
    n: number,
    kind: 'covisit' | 'bought_together',
  ): RecommendedItem[] {
    const board = this.board;
    const last = items.length - 1;
    for (let pos = Math.max(0, last - PROFILE_READ + 1); pos <= last; pos++) {
      source.addNeighbours(items[pos] as string, Math.exp(-(last - pos) / RECENCY_PRODUCTS), board);
    }
    const out = topKept(board, n, (id) => keep(source.nameOf(id))).map((id) => {
      const via = this.titleOf(source.nameOf(board.via[id] as number));
      return {
        productId: source.nameOf(id),
        score: board.scores[id] as number,
        source: kind,
        reason: `${kind === 'covisit' ? 'viewed' : 'bought'} together with ${via}`,
      };
    });
    board.clear();
    return out;
  }

  /** Content neighbours of the items (each at its best match), most similar first. */
  private contentTop(items: readonly string[], keep: (id: string) => boolean, n: number): RecommendedItem[] {
    const best = new Map<string, [number, string]>();
    for (const item of items) {
      for (const [id, sim] of this.catalog.similar(item, n * 3)) {
        if (!keep(id)) continue;
        const had = best.get(id);
        if (!had || sim > had[0]) best.set(id, [sim, item]);
      }
    }
    return [...best]
      .sort((a, b) => b[1][0] - a[1][0] || (a[0] < b[0] ? -1 : 1))
      .slice(0, n)
      .map(([id, [sim, via]]) => ({
        productId: id,
        score: sim,
        source: 'content' as const,
        reason: `similar to ${this.titleOf(via)}`,
      }));
  }

  private trendingTop(options: ListOptions, keep: (id: string) => boolean, n: number): RecommendedItem[] {
    const inCategory = options.category === undefined ? undefined : this.catalog.inCategory(options.category);
    const reason = options.category === undefined ? 'trending now' : `trending in ${options.category}`;
    const out: RecommendedItem[] = [];
    for (const [id, s] of this.trending.top(n * 4, options.category ?? '', inCategory)) {
      if (out.length >= n) break;
      if (keep(id)) out.push({ productId: id, score: s, source: 'trending', reason });
    }
    return out;
  }

  private titleOf(id: string): string {
    return this.catalog.get(id)?.title ?? id;
  }

  snapshot(): RecommenderSnapshot {
    return {
      version: RECOMMENDER_SNAPSHOT_VERSION,
      histories: this.histories.snapshot(),
      purchases: this.purchases.snapshot(),
      covisit: this.covisit.snapshot(),
      bought: this.bought.snapshot(),
      trending: this.trending.snapshot(),
      catalog: this.catalog.snapshot(),
      campaigns: this.campaigns.snapshot(),
      engagement: this.engagement.snapshot(),
    };
  }

  /** Loads a snapshot; false (nothing loaded) for one of another layout. */
  restore(s: RecommenderSnapshot): boolean {
    if ((s as { version?: unknown }).version !== RECOMMENDER_SNAPSHOT_VERSION) return false;
    this.histories.restore(s.histories);
    this.purchases.restore(s.purchases);
    this.covisit = CoVisitation.fromSnapshot(s.covisit);
    this.bought = CoVisitation.fromSnapshot(s.bought);
    this.trending = Trending.fromSnapshot(s.trending);
    this.catalog = Catalog.fromSnapshot(s.catalog);
    this.campaigns.restore(s.campaigns);
    this.engagement.restore(s.engagement);
    return true;
  }
}
