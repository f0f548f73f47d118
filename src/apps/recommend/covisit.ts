// Real-time co-visitation: products a shopper interacts with close together in their sequence are neighbours. Each
// new product of a shopper pairs with the shopper's `window` products before it (forward weight 1, backward
// `backward`), updated per event; each product keeps its strongest neighbours (at most 2 × `neighbours`, pruned to
// `neighbours`). A neighbour's strength is its weight over the square root of the product's total weight, so busy
// products do not swamp the rest. With `halfLifeMs`, newer pairs weigh more: weights are kept in a scale that
// doubles every half-life, so old pairs fade against new ones without touching them.

export interface CoVisitOptions {
  readonly window: number;
  readonly backward: number;
  readonly neighbours: number;
  readonly halfLifeMs?: number;
}

/**
 * Measured on MovieLens latest-small under EVAL.md's protocol (pairs within 10 positions, backward 0.5, 100
 * neighbours kept — 200 gain 0.002 for twice the state; a list reads a shopper's last 20 products, weighted
 * exp(−age/5), and each one's 100 strongest neighbours): NDCG@10 0.148, against 0.105 for item-kNN. No time
 * decay by default: there a half-life of 30 days gives 0.048 and of a year 0.078 — the log spans 22 years and each
 * shopper's neighbours were made by others at other times; a store whose tastes turn over fast may set one.
 */
export const DEFAULT_COVISIT: CoVisitOptions = { window: 10, backward: 0.5, neighbours: 100 };

/** The state as a few typed arrays (a checkpoint of millions of pairs serializes in milliseconds). */
export interface CoVisitSnapshot {
  readonly options: CoVisitOptions;
  readonly origin: number;
  /** Product ids by number, joined by NUL. */
  readonly names: string;
  /** Per row: its product's number and total; its neighbours are `neighbours[offsets[r]…offsets[r+1])`. */
  readonly rows: Int32Array;
  readonly totals: Float64Array;
  readonly offsets: Int32Array;
  readonly neighbours: Int32Array;
  readonly weights: Float64Array;
}

const SEPARATOR = '\u0000';

interface Row {
  /** All the weight the product ever got, pruned neighbours included. */
  total: number;
  readonly weights: Map<number, number>;
  /** The strongest `SERVED` neighbours, strongest first, as strengths; remade when the row changed. */
  served: { readonly ids: Int32Array; readonly strengths: Float64Array } | undefined;
}

/** Neighbours per product a list reads (the strongest; a row keeps more, to rank them as weights move). */
export const SERVED_NEIGHBOURS = 100;

/** Scores by product number, summed over sources: what `addNeighbours` fills, reset through `touched`. */
export class ScoreBoard {
  scores = new Float64Array(1024);
  /** Per product, the source product that gave it the most, and how much. */
  via = new Int32Array(1024);
  viaStrength = new Float64Array(1024);
  readonly touched: number[] = [];

  add(id: number, value: number, from: number): void {
    if (id >= this.scores.length) this.grow(id + 1);
    if (this.scores[id] === 0) this.touched.push(id);
    this.scores[id] = (this.scores[id] as number) + value;
    if (value > (this.viaStrength[id] as number)) {
      this.viaStrength[id] = value;
      this.via[id] = from;
    }
  }

  clear(): void {
    for (const id of this.touched) {
      this.scores[id] = 0;
      this.viaStrength[id] = 0;
    }
    this.touched.length = 0;
  }

  private grow(n: number): void {
    const size = Math.max(n, this.scores.length * 2);
    const scores = new Float64Array(size);
    scores.set(this.scores);
    const via = new Int32Array(size);
    via.set(this.via);
    const viaStrength = new Float64Array(size);
    viaStrength.set(this.viaStrength);
    this.scores = scores;
    this.via = via;
    this.viaStrength = viaStrength;
  }
}

export class CoVisitation {
  /** Products by number (rows and neighbours are kept by number: no string per pair). */
  private readonly numbers = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly rows: (Row | undefined)[] = [];
  /** The time whose weights are 1 (`halfLifeMs`): a pair at t weighs 2^((t − origin) / halfLife). */
  private origin = Number.NaN;

  constructor(readonly options: CoVisitOptions = DEFAULT_COVISIT) {}

  /** A product's number (made on first sight). */
  numberOf(id: string): number {
    let n = this.numbers.get(id);
    if (n === undefined) {
      n = this.names.length;
      this.numbers.set(id, n);
      this.names.push(id);
    }
    return n;
  }

  nameOf(n: number): string {
    return this.names[n] as string;
  }

  /** A shopper's new product `item` at `ts`, after `before` (the shopper's products, most recent last). */
  add(before: readonly string[], item: string, ts: number, weight = 1): void {
    const scale = weight * this.scaleAt(ts);
    const b = this.numberOf(item);
    const from = Math.max(0, before.length - this.options.window);
    for (let k = from; k < before.length; k++) {
      const a = this.numberOf(before[k] as string);
      if (a === b) continue;
      this.bump(a, b, scale);
      this.bump(b, a, scale * this.options.backward);
    }
  }

  /** The product's neighbours by strength, strongest first. */
  neighbours(item: string, n = this.options.neighbours): [string, number][] {
    const number = this.numbers.get(item);
    const row = number === undefined ? undefined : this.rows[number];
    if (!row) return [];
    const norm = Math.sqrt(row.total);
    return [...row.weights]
      .sort((x, y) => y[1] - x[1] || x[0] - y[0])
      .slice(0, n)
      .map(([id, w]) => [this.names[id] as string, w / norm]);
  }

  /** Adds the strength of each of `item`'s strongest neighbours, times `factor`, into `board`. */
  addNeighbours(item: string, factor: number, board: ScoreBoard): void {
    const number = this.numbers.get(item);
    const row = number === undefined ? undefined : this.rows[number];
    if (!row || number === undefined) return;
    if (!row.served) {
      const top = [...row.weights].sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, SERVED_NEIGHBOURS);
      const norm = Math.sqrt(row.total);
      row.served = {
        ids: Int32Array.from(top, (t) => t[0]),
        strengths: Float64Array.from(top, (t) => t[1] / norm),
      };
    }
    const { ids, strengths } = row.served;
    for (let i = 0; i < ids.length; i++)
      board.add(ids[i] as number, (strengths[i] as number) * factor, number);
  }

  get size(): number {
    return this.rows.filter((r) => r !== undefined).length;
  }

  private scaleAt(ts: number): number {
    const half = this.options.halfLifeMs;
    if (half === undefined) return 1;
    if (Number.isNaN(this.origin)) this.origin = ts;
    const exponent = (ts - this.origin) / half;
    // Far from the origin: every weight is brought to the new origin, so the scale stays in range.
    if (exponent > 64) {
      const shrink = 2 ** -exponent;
      for (const row of this.rows) {
        if (!row) continue;
        row.total *= shrink;
        for (const [k, w] of row.weights) row.weights.set(k, w * shrink);
        row.served = undefined;
      }
      this.origin = ts;
      return 1;
    }
    return 2 ** exponent;
  }

  private bump(a: number, b: number, w: number): void {
    let row = this.rows[a];
    if (!row) this.rows[a] = row = { total: 0, weights: new Map(), served: undefined };
    row.total += w;
    row.weights.set(b, (row.weights.get(b) ?? 0) + w);
    row.served = undefined;
    const keep = this.options.neighbours;
    if (row.weights.size > 2 * keep) {
      const kept = [...row.weights].sort((x, y) => y[1] - x[1]).slice(0, keep);
      row.weights.clear();
      for (const [k, v] of kept) row.weights.set(k, v);
    }
  }

  snapshot(): CoVisitSnapshot {
    const rowIds: number[] = [];
    let pairs = 0;
    this.rows.forEach((r, a) => {
      if (!r) return;
      rowIds.push(a);
      pairs += r.weights.size;
    });
    const totals = new Float64Array(rowIds.length);
    const offsets = new Int32Array(rowIds.length + 1);
    const neighbours = new Int32Array(pairs);
    const weights = new Float64Array(pairs);
    let at = 0;
    rowIds.forEach((a, r) => {
      const row = this.rows[a] as Row;
      totals[r] = row.total;
      offsets[r] = at;
      for (const [b, w] of row.weights) {
        neighbours[at] = b;
        weights[at++] = w;
      }
    });
    offsets[rowIds.length] = at;
    return {
      options: this.options,
      origin: this.origin,
      names: this.names.join(SEPARATOR),
      rows: Int32Array.from(rowIds),
      totals,
      offsets,
      neighbours,
      weights,
    };
  }

  static fromSnapshot(s: CoVisitSnapshot): CoVisitation {
    const c = new CoVisitation(s.options);
    c.origin = s.origin;
    if (s.names !== '') for (const name of s.names.split(SEPARATOR)) c.numberOf(name);
    s.rows.forEach((a, r) => {
      const weights = new Map<number, number>();
      for (let k = s.offsets[r] as number; k < (s.offsets[r + 1] as number); k++) {
        weights.set(s.neighbours[k] as number, s.weights[k] as number);
      }
      c.rows[a] = { total: s.totals[r] as number, weights, served: undefined };
    });
    return c;
  }
}
