// `shopstream eval recommend`: the top-k protocol of EVAL.md on the interactions in the log. Every (user, product)
// interaction counts once (its first occurrence), any type; per user, in time order (ties by arrival), the last
// 20% (rounded, at least 1) are the test set; users with fewer than 5 interactions are train-only. The candidates
// of a user are every product they did not interact with in training. NDCG@k, Recall@k and HR@k are averaged over
// test users. The served lists come from the same Recommender the API answers from, fed the training part of the
// log in time order; the baselines (popularity, item-kNN) and each source alone are scored on the same split.
import type { ShopEvent } from '../../core/index.js';
import { ImplicitAls, type AlsOptions } from './als.js';
import { Bpr, type BprOptions } from './bpr.js';
import { interactionsOf, type Interaction } from './interactions.js';
import { Recommender } from './recommender.js';
import { SequenceModel, type SequenceOptions } from './sequence.js';

export interface TopKMetrics {
  readonly ndcg: number;
  readonly recall: number;
  readonly hr: number;
}

export interface RecommendEvalReport {
  readonly k: number;
  readonly users: number;
  readonly products: number;
  readonly trainInteractions: number;
  readonly testUsers: number;
  /** What the API serves. */
  readonly served: TopKMetrics;
  readonly models: Record<string, TopKMetrics & { fitSeconds: number }>;
}

export interface RecommendEvalOptions {
  readonly k?: number;
  /** Implicit ALS beside the baselines (default on; false skips it). */
  readonly als?: boolean;
  /** BPR beside them (default on; false skips it). */
  readonly bpr?: boolean;
  readonly bprOptions?: BprOptions;
  /** The self-attention sequence model beside them (default on; false skips it). */
  readonly sequence?: boolean;
  readonly sequenceOptions?: SequenceOptions;
  readonly alsOptions?: AlsOptions;
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

interface Split {
  /** Interactions in time order, each marked train or test. */
  readonly interactions: { interaction: Interaction; test: boolean }[];
  readonly products: ShopEvent[];
  readonly train: Map<string, Set<string>>;
  readonly test: Map<string, Set<string>>;
}

/** Reads the log's interactions (first occurrences) and products, and splits them per user. */
async function split(pages: AsyncIterable<ShopEvent[]>): Promise<Split> {
  const seen = new Set<string>();
  const byUser = new Map<string, number[]>();
  const interactions: { interaction: Interaction; test: boolean }[] = [];
  const products: ShopEvent[] = [];
  for await (const page of pages) {
    for (const e of page) {
      if (e.type === 'product') products.push(e);
      for (const i of interactionsOf(e)) {
        const key = `${i.userId}\u0000${i.productId}`;
        if (seen.has(key)) continue;
        seen.add(key);
        let list = byUser.get(i.userId);
        if (!list) byUser.set(i.userId, (list = []));
        list.push(interactions.length);
        interactions.push({ interaction: i, test: false });
      }
    }
  }
  const train = new Map<string, Set<string>>();
  const test = new Map<string, Set<string>>();
  for (const [user, list] of byUser) {
    const k = list.length < 5 ? 0 : Math.max(1, Math.round(list.length * 0.2));
    for (let j = list.length - k; j < list.length; j++)
      (interactions[list[j] as number] as { test: boolean }).test = true;
    train.set(
      user,
      new Set(list.slice(0, list.length - k).map((j) => interactions[j]!.interaction.productId)),
    );
    if (k > 0)
      test.set(user, new Set(list.slice(list.length - k).map((j) => interactions[j]!.interaction.productId)));
  }
  return { interactions, products, train, test };
}

/** NDCG, recall and hit rate of one user's top list against their test products. */
export function topKMetrics(list: readonly string[], relevant: ReadonlySet<string>, k: number): TopKMetrics {
  let dcg = 0;
  let hits = 0;
  list.slice(0, k).forEach((id, rank) => {
    if (relevant.has(id)) {
      dcg += 1 / Math.log2(rank + 2);
      hits++;
    }
  });
  let idcg = 0;
  for (let r = 0; r < Math.min(relevant.size, k); r++) idcg += 1 / Math.log2(r + 2);
  return { ndcg: dcg / idcg, recall: hits / relevant.size, hr: hits > 0 ? 1 : 0 };
}

function average(all: readonly TopKMetrics[]): TopKMetrics {
  const n = Math.max(1, all.length);
  const sum = (f: (m: TopKMetrics) => number) => all.reduce((s, m) => s + f(m), 0) / n;
  return { ndcg: sum((m) => m.ndcg), recall: sum((m) => m.recall), hr: sum((m) => m.hr) };
}

/** The top k of dense scores over product indexes, leaving out `skip`; ties by index. */
function topOf(scores: Float64Array, skip: ReadonlySet<number>, k: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (skip.has(i)) continue;
    const s = scores[i] as number;
    if (top.length === k && s <= (scores[top[k - 1] as number] as number)) continue;
    let at = top.length;
    while (at > 0 && (scores[top[at - 1] as number] as number) < s) at--;
    top.splice(at, 0, i);
    if (top.length > k) top.pop();
  }
  return top;
}

export async function evaluateRecommendations(
  pages: AsyncIterable<ShopEvent[]>,
  options: RecommendEvalOptions = {},
): Promise<RecommendEvalReport> {
  const k = options.k ?? 10;
  const data = await split(pages);
  const testUsers = [...data.test.keys()];
  const products = [...new Set(data.interactions.map((x) => x.interaction.productId))];
  const index = new Map(products.map((p, i) => [p, i]));
  const models: RecommendEvalReport['models'] = {};
  const score = async (
    name: string,
    fit: () => ((user: string) => string[]) | Promise<(user: string) => string[]>,
  ) => {
    const started = performance.now();
    const listOf = await fit();
    const fitSeconds = (performance.now() - started) / 1000;
    const all = testUsers.map((u, n) => {
      if (n % 50 === 0) options.onProgress?.(name, n, testUsers.length);
      return topKMetrics(listOf(u), data.test.get(u) as Set<string>, k);
    });
    const m = average(all);
    models[name] = { ...m, fitSeconds: Math.round(fitSeconds * 100) / 100 };
    return m;
  };

  // What the API serves: the live recommender, fed the training interactions and the catalog in time order.
  const served = await score('served', () => {
    const r = new Recommender();
    for (const p of data.products) r.observe(p);
    for (const { interaction, test } of data.interactions) if (!test) r.interact(interaction);
    return (u) => r.forUser(u, { count: k, exclude: data.train.get(u) }).map((x) => x.productId);
  });

  const trainOf = (u: string) => new Set([...(data.train.get(u) ?? [])].map((p) => index.get(p) as number));
  await score('popularity', () => {
    const counts = new Float64Array(products.length);
    for (const items of data.train.values()) {
      for (const p of items) {
        const i = index.get(p) as number;
        counts[i] = (counts[i] as number) + 1;
      }
    }
    return (u) => topOf(counts, trainOf(u), k).map((i) => products[i] as string);
  });
  await score('item_knn', () => itemKnn(data.train, products, index, k));
  // The users in order, and the factor models' training matrix: (user number, product number) pairs.
  const users = [...data.train.keys()];
  const userIndex = new Map(users.map((u, i) => [u, i]));
  const pairs: [number, number][] = [];
  for (const [u, items] of data.train)
    for (const p of items) pairs.push([userIndex.get(u) as number, index.get(p) as number]);
  if (options.als !== false) {
    await score('als', () => {
      const als = new ImplicitAls(options.alsOptions);
      als.fit(users.length, products.length, pairs, (done, total) =>
        options.onProgress?.('als fit', done, total),
      );
      return (u) =>
        topOf(als.scores(userIndex.get(u) as number), trainOf(u), k).map((i) => products[i] as string);
    });
  }
  if (options.bpr !== false) {
    await score('bpr', () => {
      const bpr = new Bpr(options.bprOptions);
      bpr.fit(users.length, products.length, pairs);
      return (u) =>
        topOf(bpr.scores(userIndex.get(u) as number), trainOf(u), k).map((i) => products[i] as string);
    });
  }
  if (options.sequence !== false) {
    await score('sequence', async () => {
      // Each user's training products in time order (the interactions are in time order).
      const sequences = new Map<string, number[]>(users.map((u) => [u, []]));
      for (const { interaction, test } of data.interactions)
        if (!test) sequences.get(interaction.userId)?.push(index.get(interaction.productId) as number);
      const model = new SequenceModel(options.sequenceOptions);
      await model.fit([...sequences.values()], products.length, (done, total) =>
        options.onProgress?.('sequence fit', done, total),
      );
      const scored = new Map<string, Float32Array>();
      const rows = model.scores(testUsers.map((u) => sequences.get(u) as number[]));
      testUsers.forEach((u, i) => scored.set(u, rows[i] as Float32Array));
      model.dispose();
      return (u) =>
        topOf(Float64Array.from(scored.get(u) as Float32Array), trainOf(u), k).map(
          (i) => products[i] as string,
        );
    });
  }
  return {
    k,
    users: data.train.size,
    products: products.length,
    trainInteractions: data.interactions.filter((x) => !x.test).length,
    testUsers: testUsers.length,
    served,
    models,
  };
}

/**
 * Item-kNN with cosine similarity on the binary user × product matrix (EVAL.md's baseline): a user's score for
 * product i is Σ over their products j of |users(i) ∩ users(j)| / √(|users(i)| · |users(j)|), computed through
 * the users who share a product with them.
 */
function itemKnn(
  train: ReadonlyMap<string, ReadonlySet<string>>,
  products: readonly string[],
  index: ReadonlyMap<string, number>,
  k: number,
): (user: string) => string[] {
  const usersOf: string[][] = products.map(() => []);
  for (const [u, items] of train) for (const p of items) usersOf[index.get(p) as number]!.push(u);
  const norm = Float64Array.from(usersOf, (us) => Math.sqrt(us.length) || 1);
  const itemsOf = new Map([...train].map(([u, items]) => [u, [...items].map((p) => index.get(p) as number)]));
  return (user) => {
    const mine = itemsOf.get(user) ?? [];
    const overlap = new Map<string, number>();
    for (const j of mine)
      for (const v of usersOf[j] as string[]) overlap.set(v, (overlap.get(v) ?? 0) + 1 / (norm[j] as number));
    const scores = new Float64Array(products.length);
    for (const [v, a] of overlap) for (const i of itemsOf.get(v) ?? []) scores[i] = (scores[i] as number) + a;
    for (let i = 0; i < scores.length; i++) scores[i] = (scores[i] as number) / (norm[i] as number);
    const skip = new Set(mine);
    return topOf(scores, skip, k).map((i) => products[i] as string);
  };
}
