// How simulated shoppers search: queries built from catalog words, graded relevance, an imperfect result ranking.
import type { Random } from '../core/index.js';
import { CATEGORIES, type Catalog, type SimProduct } from './catalog.js';

export interface Query {
  readonly text: string;
  readonly category: number;
  /** Relevance grade (1–3) of each relevant product; unlisted products are 0. */
  readonly grades: ReadonlyMap<string, number>;
  /** Relevant and popular products first: the pool results are drawn from. */
  readonly pool: readonly SimProduct[];
}

/** Results shown per search. */
const RESULTS = 10;

export class SearchModel {
  private readonly queries = new Map<string, Query>();

  constructor(private readonly catalog: Catalog) {}

  /** A query a shopper interested in `category` would type: a noun, maybe with an adjective or a brand. */
  randomQuery(category: number, catalog: Catalog, rng: Random): Query {
    const spec = CATEGORIES[category] as (typeof CATEGORIES)[number];
    const noun = rng.pick(spec.nouns);
    const r = rng.next();
    const sample = catalog.products[rng.pick(catalog.byCategory[category] ?? [0])] as SimProduct;
    const text =
      r < 0.5 ? noun : r < 0.75 ? `${sample.adjective} ${noun}` : `${sample.brand.toLowerCase()} ${noun}`;
    return this.query(text, category);
  }

  /** Ten results in the store's (noisy) order. */
  results(query: Query, rng: Random): SimProduct[] {
    // Top 10 of the pool by a noisy score, by insertion into a short sorted list: no per-candidate objects
    // and no full sort (the simulator calls this once per search session).
    const top: SimProduct[] = [];
    const scores: number[] = [];
    for (const p of query.pool) {
      const score = (query.grades.get(p.productId) ?? 0) + rng.next() * 1.5 + p.popularity;
      if (top.length === RESULTS && score <= (scores[RESULTS - 1] as number)) continue;
      let i = Math.min(top.length, RESULTS - 1);
      while (i > 0 && (scores[i - 1] as number) < score) {
        if (i < RESULTS) {
          scores[i] = scores[i - 1] as number;
          top[i] = top[i - 1] as SimProduct;
        }
        i--;
      }
      scores[i] = score;
      top[i] = p;
    }
    return top;
  }

  truth(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [text, q] of [...this.queries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      out[text] = Object.fromEntries(q.grades);
    return out;
  }

  private query(text: string, category: number): Query {
    const known = this.queries.get(text);
    if (known) return known;
    const words = text.split(' ');
    const noun = words[words.length - 1] as string;
    const qualifier = words.length > 1 ? words[0] : undefined;
    const grades = new Map<string, number>();
    const scored: { p: SimProduct; score: number }[] = [];
    for (const index of this.catalog.byCategory[category] ?? []) {
      const p = this.catalog.products[index] as SimProduct;
      const qualifies =
        qualifier !== undefined && (p.adjective === qualifier || p.brand.toLowerCase() === qualifier);
      const grade = p.noun === noun ? (qualifies ? 3 : 2) : qualifies ? 1 : 0;
      if (grade > 0) grades.set(p.productId, grade);
      scored.push({ p, score: grade + p.popularity });
    }
    scored.sort((a, b) => b.score - a.score);
    const query: Query = { text, category, grades, pool: scored.slice(0, 30).map((s) => s.p) };
    this.queries.set(text, query);
    return query;
  }
}
