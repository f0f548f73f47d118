// FTRL-Proximal online logistic regression (McMahan et al. 2013, "Ad Click Prediction", Algorithm 1): per-
// coordinate learning rates, weights computed lazily from (z, n), exactly zero while |z| ≤ λ1.
import { Random } from '../../random.js';
import { checkFinite, checkFiniteRow, type Matrix } from '../numerics/matrix.js';
import { shuffled } from '../numerics/shuffle.js';
import {
  checkLabels,
  invalidSetting,
  notFitted,
  sigmoid,
  type Explanation,
  type FitOptions,
  type Model,
  type ModelJSON,
} from './model.js';

export interface FtrlSettings {
  /** Per-coordinate learning rate α and its smoothing β. */
  readonly alpha: number;
  readonly beta: number;
  /** L1 and L2 strengths (λ1 zeroes weights exactly). */
  readonly l1: number;
  readonly l2: number;
  /** Passes over the rows in `fit` (shuffled by `seed`). */
  readonly epochs: number;
  readonly seed: number;
}

interface FtrlState {
  z: number[];
  /** √ of the summed squared gradients, per coordinate. */
  root: number[];
  updates: number;
}

/**
 * Online, sparse logistic regression: `learnOne` for the stream, `learnSparse` for hashed or sparse rows
 * (indices and values), `fit` for passes over a matrix. The last coordinate is the bias.
 * @example const m = new FtrlProximal({ l1: 1 }); m.learnOne(x, 1); m.predictProbaOne(x)
 */
export class FtrlProximal implements Model {
  readonly kind = 'ftrl';
  readonly task = 'binary';
  readonly settings: FtrlSettings;
  /**
   * Per coordinate i, z at 2i and √n at 2i + 1 (n: the sum of squared gradients, kept as its root so an update
   * takes one sqrt). Side by side, an update reads one cache line per coordinate rather than two: 1.05–1.39×
   * the updates per second of two arrays (BENCHMARKS.md, "FTRL").
   */
  private state: Float64Array | undefined;
  private updates = 0;
  /** Per active coordinate of the current update: its weight. */
  private scratch = new Float64Array(64);
  /** A dense row's non-zeros, gathered for `learnSparse` (sized by `init`). */
  private denseIndices = new Int32Array(0);
  private denseValues = new Float64Array(0);

  constructor(settings: Partial<FtrlSettings> = {}) {
    this.settings = Object.freeze({ alpha: 0.1, beta: 1, l1: 1, l2: 1, epochs: 5, seed: 42, ...settings });
    for (const key of ['alpha', 'beta', 'l1', 'l2'] as const) {
      const v = this.settings[key];
      if (!(v >= 0) || (key === 'alpha' && v === 0))
        throw invalidSetting(this.kind, key, 'must be a number ≥ 0 (α > 0)');
    }
    if (!Number.isInteger(this.settings.epochs) || this.settings.epochs < 1)
      throw invalidSetting(this.kind, 'epochs', 'must be a positive integer');
  }

  get fitted(): boolean {
    return this.state !== undefined;
  }

  /** Input columns (the bias not counted). */
  get width(): number {
    return this.state ? (this.state.length >> 1) - 1 : 0;
  }

  /** Updates learned so far. */
  get updateCount(): number {
    return this.updates;
  }

  /** Starts an empty model of `width` columns (learnOne does it on first use). */
  init(width: number): this {
    this.state = new Float64Array(2 * (width + 1));
    this.denseIndices = new Int32Array(width);
    this.denseValues = new Float64Array(width);
    this.updates = 0;
    return this;
  }

  /** The weight of coordinate i, from (z, n): 0 while |z| ≤ λ1. */
  weight(i: number): number {
    const state = this.state as Float64Array;
    const z = state[2 * i] as number;
    const { l1, l2, alpha, beta } = this.settings;
    if (Math.abs(z) <= l1) return 0;
    return -(z - Math.sign(z) * l1) / ((beta + (state[2 * i + 1] as number)) / alpha + l2);
  }

  /** All weights, the bias last. */
  weights(): Float64Array {
    if (!this.state) throw notFitted(this.kind);
    return Float64Array.from({ length: this.width + 1 }, (_, i) => this.weight(i));
  }

  private checked(x: ArrayLike<number>): void {
    if (!this.state) throw notFitted(this.kind);
    checkFiniteRow(x, this.width);
  }

  margin(x: ArrayLike<number>): number {
    this.checked(x);
    const d = this.width;
    let m = this.weight(d);
    for (let j = 0; j < d; j++) {
      const v = x[j] as number;
      if (v !== 0) m += this.weight(j) * v;
    }
    return m;
  }

  learnOne(x: ArrayLike<number>, y: number): void {
    if (!this.state) this.init(x.length);
    this.checked(x);
    if (y !== 0 && y !== 1)
      throw invalidSetting(this.kind, 'label', `binary labels are 0 or 1, got ${String(y)}`);
    this.learnDense(x, 0, y);
  }

  /** One update from the dense row at `offset` of `data`: its non-zeros, gathered into the model's buffers. */
  private learnDense(data: ArrayLike<number>, offset: number, y: number): void {
    const indices = this.denseIndices;
    const values = this.denseValues;
    let count = 0;
    for (let j = 0; j < indices.length; j++) {
      const v = data[offset + j] as number;
      if (v !== 0) {
        indices[count] = j;
        values[count++] = v;
      }
    }
    this.learnSparse(indices, values, count, y);
  }

  /**
   * One update from a sparse row: `count` (index, value) pairs starting at `from` of the two arrays, the bias
   * added. The hot path of online learning (no allocation, no checks beyond the caller's): each active
   * coordinate's weight is computed once and kept for the update; √n is stored, not recomputed (BENCHMARKS.md, "FTRL").
   */
  learnSparse(indices: Int32Array, values: Float64Array, count: number, y: number, from = 0): void {
    const s = this.state as Float64Array;
    const { alpha, beta, l1, l2 } = this.settings;
    const perAlpha = 1 / alpha;
    if (this.scratch.length < count) this.scratch = new Float64Array(2 * count);
    const ws = this.scratch;
    const bias = 2 * this.width;
    // The bias first (its feature is always 1), then the row's coordinates: weights from (z, √n), the margin.
    const zb = s[bias] as number;
    let wBias = 0;
    if (zb > l1) wBias = (l1 - zb) / ((beta + (s[bias + 1] as number)) * perAlpha + l2);
    else if (zb < -l1) wBias = (-l1 - zb) / ((beta + (s[bias + 1] as number)) * perAlpha + l2);
    let m = wBias;
    for (let k = 0; k < count; k++) {
      const i = 2 * (indices[from + k] as number);
      const zi = s[i] as number;
      let w = 0;
      if (zi > l1) w = (l1 - zi) / ((beta + (s[i + 1] as number)) * perAlpha + l2);
      else if (zi < -l1) w = (-l1 - zi) / ((beta + (s[i + 1] as number)) * perAlpha + l2);
      ws[k] = w;
      m += w * (values[from + k] as number);
    }
    const g0 = (m >= 0 ? 1 / (1 + Math.exp(-m)) : 1 - 1 / (1 + Math.exp(m))) - y;
    for (let k = 0; k < count; k++) {
      const i = 2 * (indices[from + k] as number);
      const g = g0 * (values[from + k] as number);
      const root = s[i + 1] as number;
      const next = Math.sqrt(root * root + g * g);
      s[i] = (s[i] as number) + g - (next - root) * perAlpha * (ws[k] as number);
      s[i + 1] = next;
    }
    const rootBias = s[bias + 1] as number;
    const nextBias = Math.sqrt(rootBias * rootBias + g0 * g0);
    s[bias] = zb + g0 - (nextBias - rootBias) * perAlpha * wBias;
    s[bias + 1] = nextBias;
    this.updates++;
  }

  async fit(X: Matrix, y: Float64Array, options: FitOptions = {}): Promise<void> {
    checkFinite(X);
    checkLabels(this.kind, this.task, X, y);
    this.init(X.cols);
    const rng = new Random(this.settings.seed);
    for (let epoch = 0; epoch < this.settings.epochs; epoch++) {
      const order = shuffled(X.rows, rng);
      for (const r of order) this.learnDense(X.data, r * X.cols, y[r] as number);
      options.onProgress?.({ step: epoch + 1, steps: this.settings.epochs });
    }
  }

  predictOne(x: ArrayLike<number>): number {
    return this.predictProbaOne(x) >= 0.5 ? 1 : 0;
  }

  predictProbaOne(x: ArrayLike<number>): number {
    return sigmoid(this.margin(x));
  }

  predictMany(X: Matrix): Float64Array {
    const w = this.weights();
    if (X.cols !== w.length - 1) checkFiniteRow(new Float64Array(X.cols), w.length - 1); // names the mismatch
    checkFinite(X);
    const out = new Float64Array(X.rows);
    for (let i = 0; i < X.rows; i++) {
      let m = w[X.cols] as number;
      for (let j = 0; j < X.cols; j++) m += (w[j] as number) * (X.data[i * X.cols + j] as number);
      out[i] = sigmoid(m);
    }
    return out;
  }

  explainOne(x: ArrayLike<number>): Explanation {
    this.checked(x);
    const w = this.weights();
    const d = w.length - 1;
    const contributions = Float64Array.from({ length: d }, (_, j) => (w[j] as number) * (x[j] as number));
    const base = w[d] as number;
    return {
      base,
      contributions,
      output: contributions.reduce((s, c) => s + c, base),
      space: 'log-odds',
      method: 'exact',
    };
  }

  clone(): FtrlProximal {
    return new FtrlProximal(this.settings);
  }

  toJSON(): ModelJSON {
    if (!this.state) throw notFitted(this.kind);
    const pairs = this.state;
    const z = Array.from({ length: this.width + 1 }, (_, i) => pairs[2 * i] as number);
    const root = Array.from({ length: this.width + 1 }, (_, i) => pairs[2 * i + 1] as number);
    const state: FtrlState = { z, root, updates: this.updates };
    return { kind: this.kind, settings: this.settings, state };
  }

  static fromJSON(json: ModelJSON): FtrlProximal {
    const m = new FtrlProximal(json.settings as Partial<FtrlSettings>);
    const state = json.state as FtrlState;
    m.init(state.z.length - 1);
    const pairs = m.state as Float64Array;
    state.z.forEach((z, i) => (pairs[2 * i] = z));
    state.root.forEach((root, i) => (pairs[2 * i + 1] = root));
    m.updates = state.updates;
    return m;
  }
}
