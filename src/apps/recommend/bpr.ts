// Bayesian personalized ranking (Rendle et al. 2009), a batch source: shoppers and products as k-dimensional
// factors trained by stochastic gradient ascent on ln σ(x_u · (y_i − y_j)) for an observed pair (u, i) and a
// product j the shopper did not touch, sampled uniformly, with L2 regularization.
import { Random } from '../../core/index.js';
import { factorScores } from './als.js';

export interface BprOptions {
  readonly factors: number;
  readonly learningRate: number;
  readonly regularization: number;
  /** Passes over the observed pairs (each a sampled triple per pair). */
  readonly epochs: number;
  readonly seed: number;
}

/**
 * Chosen on MovieLens latest-small (EVAL.md's split): NDCG@10 0.107 in about 3 s (regularization 0.002: 0.105;
 * learning rate 0.1: 0.099).
 */
export const DEFAULT_BPR: BprOptions = {
  factors: 64,
  learningRate: 0.05,
  regularization: 0.01,
  epochs: 40,
  seed: 0,
};

export class Bpr {
  private users = new Float64Array(0);
  private items = new Float64Array(0);
  private itemCount = 0;

  constructor(readonly options: BprOptions = DEFAULT_BPR) {}

  fit(users: number, items: number, pairs: readonly (readonly [number, number])[]): void {
    const { factors: k, learningRate: lr, regularization: reg, epochs } = this.options;
    const rng = new Random(this.options.seed);
    this.itemCount = items;
    this.users = Float64Array.from({ length: users * k }, () => rng.normal() * 0.1);
    this.items = Float64Array.from({ length: items * k }, () => rng.normal() * 0.1);
    const seen = new Set(pairs.map(([u, i]) => u * items + i));
    const U = this.users;
    const V = this.items;
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let n = 0; n < pairs.length; n++) {
        const [u, i] = pairs[rng.int(0, pairs.length)] as readonly [number, number];
        let j = rng.int(0, items);
        for (let tries = 0; seen.has(u * items + j) && tries < 20; tries++) j = rng.int(0, items);
        const ou = u * k;
        const oi = i * k;
        const oj = j * k;
        let x = 0;
        for (let f = 0; f < k; f++)
          x += (U[ou + f] as number) * ((V[oi + f] as number) - (V[oj + f] as number));
        // d ln σ(x) / dx = σ(−x)
        const g = 1 / (1 + Math.exp(x));
        for (let f = 0; f < k; f++) {
          const wu = U[ou + f] as number;
          const hi = V[oi + f] as number;
          const hj = V[oj + f] as number;
          U[ou + f] = wu + lr * (g * (hi - hj) - reg * wu);
          V[oi + f] = hi + lr * (g * wu - reg * hi);
          V[oj + f] = hj + lr * (-g * wu - reg * hj);
        }
      }
    }
  }

  /** A user's score for every item. */
  scores(user: number, out = new Float64Array(this.itemCount)): Float64Array {
    return factorScores(this.users, this.items, this.options.factors, user, out);
  }
}
