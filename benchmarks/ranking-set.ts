// A learning-to-rank set from the simulator's search logs: one group per search, one row per product it showed,
// features a store has at query time (price, whether the title has the query's noun, click counts from earlier
// searches), and the simulator's graded relevance (0–3) of the product to the
// query as the label — the judgments a store would collect. Earlier 70% of searches train, the rest test.
import { ndcgAt, type Matrix } from '../src/core/index.js';
import { DEFAULT_SIMULATION, simulateStore } from '../src/sim/index.js';

export interface RankingPart {
  readonly X: Matrix;
  readonly y: Float64Array;
  readonly groups: Float64Array;
  readonly queries: number;
}

export interface RankingSet {
  readonly names: string[];
  readonly train: RankingPart;
  readonly test: RankingPart;
  /** NDCG@10 of the order the simulated store showed, on the test searches. */
  readonly baseline: number;
}

interface Search {
  readonly query: string;
  readonly results: string[];
  readonly clicked: Set<string>;
}

// The store's own order and a full title match are left out: the simulator grades relevance by the title's words,
// so with them the set is solved by one split. What is left must be learned from behaviour.
const NAMES = [
  'price',
  'noun_matched',
  'product_clicks',
  'product_ctr',
  'query_product_impressions',
  'query_product_ctr',
  'query_words',
];

export function rankingSet(users: number): RankingSet {
  const titles = new Map<string, { title: string; price: number }>();
  const searches: Search[] = [];
  const byQueryId = new Map<string, Search>();
  const truth = simulateStore({ ...DEFAULT_SIMULATION, users, products: 2000, days: 14, seed: 3 }, (line) => {
    const e = JSON.parse(line) as Record<string, unknown>;
    if (e.type === 'product')
      titles.set(e.productId as string, {
        title: (e.title as string).toLowerCase(),
        price: e.price as number,
      });
    else if (e.type === 'search') {
      const s: Search = { query: e.query as string, results: e.results as string[], clicked: new Set() };
      searches.push(s);
      byQueryId.set(e.queryId as string, s);
    } else if (e.type === 'click' && typeof e.queryId === 'string')
      byQueryId.get(e.queryId)?.clicked.add(e.productId as string);
  });
  const cut = Math.floor(searches.length * 0.7);
  // Click statistics from the training searches only: what the store knew before the test period.
  const impressions = new Map<string, number>();
  const clicks = new Map<string, number>();
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const s of searches.slice(0, cut)) {
    for (const p of s.results) {
      add(impressions, p);
      add(impressions, `${s.query}\u0000${p}`);
      if (s.clicked.has(p)) {
        add(clicks, p);
        add(clicks, `${s.query}\u0000${p}`);
      }
    }
  }
  const shownAt: number[] = [];
  const part = (from: number, to: number): RankingPart => {
    shownAt.length = 0;
    const rows: number[][] = [];
    const y: number[] = [];
    const groups: number[] = [];
    for (let g = from; g < to; g++) {
      const s = searches[g] as Search;
      const words = s.query.split(' ');
      const noun = words[words.length - 1] as string;
      s.results.forEach((p, position) => {
        shownAt.push(-position);
        const product = titles.get(p) ?? { title: '', price: 0 };
        const titleWords = new Set(product.title.split(/\s+/));
        const qp = `${s.query}\u0000${p}`;
        rows.push([
          product.price,
          titleWords.has(noun) ? 1 : 0,
          clicks.get(p) ?? 0,
          (clicks.get(p) ?? 0) / Math.max(1, impressions.get(p) ?? 0),
          impressions.get(qp) ?? 0,
          impressions.has(qp) ? (clicks.get(qp) ?? 0) / (impressions.get(qp) as number) : Number.NaN,
          words.length,
        ]);
        y.push(truth.relevance[s.query]?.[p] ?? 0);
        groups.push(g);
      });
    }
    const data = new Float64Array(rows.length * NAMES.length);
    rows.forEach((r, i) => data.set(r, i * NAMES.length));
    return {
      X: { rows: rows.length, cols: NAMES.length, data },
      y: Float64Array.from(y),
      groups: Float64Array.from(groups),
      queries: to - from,
    };
  };
  const train = part(0, cut);
  const test = part(cut, searches.length);
  const shown = Float64Array.from(
    { length: test.X.rows },
    (_, i) => -(test.X.data[i * NAMES.length] as number),
  );
  return { names: NAMES, train, test, baseline: ndcgAt(test.y, shown, test.groups, 10) };
}
