// Linear models: least squares (closed form), L2 logistic regression (Newton–CG) and the linear SVM (dual
// coordinate descent), sharing one weight vector, one margin and one exact explanation.
import { Matrix as Dense, pseudoInverse } from 'ml-matrix';
import { Random } from '../../random.js';
import { checkFinite, checkFiniteRow, type Matrix } from '../numerics/matrix.js';
import { shuffled } from '../numerics/shuffle.js';
import { fitLinear } from './linear-solver.js';
import {
  checkLabels,
  invalidSetting,
  noProbabilities,
  notFitted,
  scoreEachRow,
  sigmoid,
  type Explanation,
  type FitOptions,
  type Model,
  type ModelJSON,
  type ModelKind,
  type Task,
} from './model.js';

interface LinearState {
  weights: number[];
  bias: number;
  /** SVM only: Platt scaling of the margin, P(1) = σ(a·margin + b). */
  platt?: [number, number];
}

/** Weights and a bias: margin = w·x + b. */
abstract class LinearModel implements Model {
  abstract readonly kind: ModelKind;
  abstract readonly task: Task;
  abstract readonly settings: object;
  protected w: Float64Array | undefined;
  protected b = 0;

  get fitted(): boolean {
    return this.w !== undefined;
  }

  get width(): number {
    return this.w?.length ?? 0;
  }

  abstract fit(X: Matrix, y: Float64Array, options?: FitOptions): Promise<void>;
  abstract clone(): Model;
  protected abstract get space(): Explanation['space'];

  protected weights(): Float64Array {
    if (!this.w) throw notFitted(this.kind);
    return this.w;
  }

  margin(x: ArrayLike<number>): number {
    const w = this.weights();
    checkFiniteRow(x, w.length);
    let z = this.b;
    for (let j = 0; j < w.length; j++) z += (w[j] as number) * (x[j] as number);
    return z;
  }

  predictOne(x: ArrayLike<number>): number {
    return this.task === 'regression' ? this.margin(x) : this.predictProbaOne(x) >= 0.5 ? 1 : 0;
  }

  predictProbaOne(x: ArrayLike<number>): number {
    if (this.task === 'regression') throw noProbabilities(this.kind);
    return sigmoid(this.margin(x));
  }

  predictMany(X: Matrix): Float64Array {
    return scoreEachRow(this, X);
  }

  explainOne(x: ArrayLike<number>): Explanation {
    const w = this.weights();
    const output = this.margin(x);
    const contributions = new Float64Array(w.length);
    for (let j = 0; j < w.length; j++) contributions[j] = (w[j] as number) * (x[j] as number);
    return { base: this.b, contributions, output, space: this.space, method: 'exact' };
  }

  protected state(): LinearState {
    return { weights: Array.from(this.weights()), bias: this.b };
  }

  protected load(state: LinearState): this {
    this.w = Float64Array.from(state.weights);
    this.b = state.bias;
    return this;
  }

  toJSON(): ModelJSON {
    return { kind: this.kind, settings: this.settings, state: this.state() };
  }
}

/**
 * Ordinary least squares in closed form: w = (XᵀX)⁺ Xᵀy with the intercept as a column of ones; the
 * pseudo-inverse gives the minimum-norm solution when columns are collinear (one-hot columns with an intercept).
 * @example const m = new LinearRegression(); await m.fit(X, y); m.predictOne(x)
 */
export class LinearRegression extends LinearModel {
  readonly kind = 'linear';
  readonly task = 'regression';
  readonly settings: object = {};

  protected get space(): Explanation['space'] {
    return 'value';
  }

  async fit(X: Matrix, y: Float64Array): Promise<void> {
    checkFinite(X);
    checkLabels(this.kind, this.task, X, y);
    const d = X.cols + 1;
    const xtx = new Float64Array(d * d);
    const xty = new Float64Array(d);
    for (let i = 0; i < X.rows; i++) {
      const row = X.data.subarray(i * X.cols, (i + 1) * X.cols);
      const yi = y[i] as number;
      for (let a = 0; a < d; a++) {
        const xa = a < X.cols ? (row[a] as number) : 1;
        if (xa === 0) continue;
        xty[a] = (xty[a] as number) + xa * yi;
        for (let c = a; c < d; c++)
          xtx[a * d + c] = (xtx[a * d + c] as number) + xa * (c < X.cols ? (row[c] as number) : 1);
      }
    }
    const gram = new Dense(d, d);
    for (let a = 0; a < d; a++)
      for (let c = a; c < d; c++) {
        gram.set(a, c, xtx[a * d + c] as number);
        gram.set(c, a, xtx[a * d + c] as number);
      }
    const solution = pseudoInverse(gram).mmul(Dense.columnVector(Array.from(xty)));
    this.w = Float64Array.from({ length: X.cols }, (_, j) => solution.get(j, 0));
    this.b = solution.get(X.cols, 0);
  }

  clone(): LinearRegression {
    return new LinearRegression();
  }

  static fromJSON(json: ModelJSON): LinearRegression {
    return new LinearRegression().load(json.state as LinearState);
  }
}

export interface LogisticSettings {
  /** Inverse of the L2 strength, as scikit-learn's C: minimises C·Σ log-loss + ½‖w‖² (the intercept is free). */
  readonly c: number;
  readonly maxIterations: number;
  /** Stops when every gradient component of the objective divided by the rows is below this. */
  readonly tolerance: number;
}

/**
 * L2-regularised logistic regression by L-BFGS or Newton's method over the rows' non-zeros (linear-solver.ts
 * picks the cheaper); converges to the same optimum as scikit-learn's lbfgs.
 * @example const m = new LogisticRegression({ c: 1 }); await m.fit(X, y); m.predictProbaOne(x)
 */
export class LogisticRegression extends LinearModel {
  readonly kind = 'logistic';
  readonly task = 'binary';
  readonly settings: LogisticSettings;

  constructor(settings: Partial<LogisticSettings> = {}) {
    super();
    this.settings = Object.freeze({ c: 1, maxIterations: 1000, tolerance: 1e-4, ...settings });
    if (!(this.settings.c > 0)) throw invalidSetting(this.kind, 'c', 'must be > 0');
  }

  protected get space(): Explanation['space'] {
    return 'log-odds';
  }

  async fit(X: Matrix, y: Float64Array, options: FitOptions = {}): Promise<void> {
    checkLabels(this.kind, this.task, X, y);
    const fitted = fitLinear(X, y, 'logistic', this.settings, options); // it checks X's numbers
    this.w = fitted.w;
    this.b = fitted.b;
  }

  clone(): LogisticRegression {
    return new LogisticRegression(this.settings);
  }

  static fromJSON(json: ModelJSON): LogisticRegression {
    return new LogisticRegression(json.settings as Partial<LogisticSettings>).load(json.state as LinearState);
  }
}

export interface SvmSettings {
  /** Penalty of margin violations, as scikit-learn's C. */
  readonly c: number;
  /**
   * `squared_hinge` (scikit-learn LinearSVC's default; primal Newton or L-BFGS, the intercept not penalised) or `hinge`
   * (the L1-loss SVM; dual coordinate descent, the bias a penalised constant feature as in LIBLINEAR).
   */
  readonly loss: 'hinge' | 'squared_hinge';
  /** Most Newton/L-BFGS iterations (squared hinge) or coordinate-descent epochs (hinge). */
  readonly maxEpochs: number;
  /** Squared hinge: as LogisticSettings.tolerance; hinge: the projected gradient's spread (LIBLINEAR's ε, 0.1). */
  readonly tolerance: number;
  readonly seed: number;
}

/**
 * Linear SVM: squared hinge by Newton's method or L-BFGS, or hinge by dual coordinate descent (Hsieh et al. 2008,
 * LIBLINEAR's solver); probabilities by Platt scaling of the training margins.
 * @example const m = new LinearSvm({ c: 1 }); await m.fit(X, y); m.explainOne(x)
 */
export class LinearSvm extends LinearModel {
  readonly kind = 'svm';
  readonly task = 'binary';
  readonly settings: SvmSettings;
  private platt: [number, number] = [1, 0];

  constructor(settings: Partial<SvmSettings> = {}) {
    super();
    this.settings = Object.freeze({
      c: 1,
      loss: 'squared_hinge' as const,
      maxEpochs: 1000,
      tolerance: settings.loss === 'hinge' ? 0.1 : 1e-4,
      seed: 42,
      ...settings,
    });
    if (!(this.settings.c > 0)) throw invalidSetting(this.kind, 'c', 'must be > 0');
    if (this.settings.loss !== 'hinge' && this.settings.loss !== 'squared_hinge')
      throw invalidSetting(this.kind, 'loss', 'must be hinge or squared_hinge');
  }

  protected get space(): Explanation['space'] {
    return 'margin';
  }

  override predictOne(x: ArrayLike<number>): number {
    return this.margin(x) >= 0 ? 1 : 0;
  }

  override predictProbaOne(x: ArrayLike<number>): number {
    return sigmoid(this.platt[0] * this.margin(x) + this.platt[1]);
  }

  async fit(X: Matrix, y: Float64Array, options: FitOptions = {}): Promise<void> {
    checkLabels(this.kind, this.task, X, y);
    if (this.settings.loss === 'squared_hinge') {
      // fitLinear checks X's numbers.
      const fitted = fitLinear(
        X,
        y,
        'squared_hinge',
        { c: this.settings.c, maxIterations: this.settings.maxEpochs, tolerance: this.settings.tolerance },
        options,
      );
      this.w = fitted.w;
      this.b = fitted.b;
    } else {
      checkFinite(X);
      this.fitHinge(X, y, options);
    }
    this.platt = plattScale(this.predictMargins(X), y);
  }

  /** Dual coordinate descent for the L1-loss SVM. */
  private fitHinge(X: Matrix, y: Float64Array, options: FitOptions): void {
    const { rows: n, cols: d, data } = X;
    const { c, loss, maxEpochs, tolerance } = this.settings;
    const diag = loss === 'hinge' ? 0 : 1 / (2 * c);
    const upper = loss === 'hinge' ? c : Infinity;
    const w = new Float64Array(d + 1); // the last weight is the bias, its feature is 1
    const alpha = new Float64Array(n);
    const q = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 1;
      for (let j = 0; j < d; j++) s += (data[i * d + j] as number) ** 2;
      q[i] = s + diag;
    }
    const rng = new Random(this.settings.seed);
    for (let epoch = 0; epoch < maxEpochs; epoch++) {
      const order = shuffled(n, rng);
      let maxPg = -Infinity;
      let minPg = Infinity;
      for (let k = 0; k < n; k++) {
        const i = order[k] as number;
        const yi = y[i] === 1 ? 1 : -1;
        const o = i * d;
        let m = w[d] as number;
        for (let j = 0; j < d; j++) m += (w[j] as number) * (data[o + j] as number);
        const a = alpha[i] as number;
        const G = yi * m - 1 + diag * a;
        const pg = a === 0 ? Math.min(G, 0) : a === upper ? Math.max(G, 0) : G;
        if (pg > maxPg) maxPg = pg;
        if (pg < minPg) minPg = pg;
        if (pg !== 0) {
          const next = Math.min(Math.max(a - G / (q[i] as number), 0), upper);
          const delta = (next - a) * yi;
          alpha[i] = next;
          for (let j = 0; j < d; j++) w[j] = (w[j] as number) + delta * (data[o + j] as number);
          w[d] = (w[d] as number) + delta;
        }
      }
      options.onProgress?.({ step: epoch + 1, steps: maxEpochs, loss: maxPg - minPg });
      if (maxPg - minPg < tolerance) break;
    }
    this.w = w.slice(0, d);
    this.b = w[d] as number;
  }

  private predictMargins(X: Matrix): Float64Array {
    const out = new Float64Array(X.rows);
    for (let i = 0; i < X.rows; i++) out[i] = this.margin(X.data.subarray(i * X.cols, (i + 1) * X.cols));
    return out;
  }

  protected override state(): LinearState {
    return { ...super.state(), platt: this.platt };
  }

  clone(): LinearSvm {
    return new LinearSvm(this.settings);
  }

  static fromJSON(json: ModelJSON): LinearSvm {
    const m = new LinearSvm(json.settings as Partial<SvmSettings>).load(json.state as LinearState);
    m.platt = (json.state as LinearState).platt ?? [1, 0];
    return m;
  }
}

/**
 * Platt scaling: P(1 | margin) = σ(a·margin + b), a one-feature logistic regression (almost unregularised: C =
 * 10⁴, ½a² penalty, b free) fitted by Newton's method on its 2×2 Hessian. One pass per iteration gives the
 * objective, gradient and Hessian at the trial point, so an accepted step needs no second pass (the general
 * solver took 14 passes and a copy of the margins into sparse rows: as long as the SVM's own fit on paysim).
 */
function plattScale(margins: Float64Array, y: Float64Array): [number, number] {
  const C = 1e4;
  const n = margins.length;
  let a = 0;
  let b = 0;
  /** Objective, gradient and Hessian at (a, b), written into `at`. */
  const evaluate = (pa: number, pb: number, at: Float64Array): void => {
    let f = 0;
    let ga = 0;
    let gb = 0;
    let haa = 0;
    let hab = 0;
    let hbb = 0;
    for (let i = 0; i < n; i++) {
      const m = margins[i] as number;
      const z = pa * m + pb;
      // e = exp(−|z|) gives both log(1 + exp(∓z)) and σ(z).
      const e = Math.exp(z >= 0 ? -z : z);
      const p = z >= 0 ? 1 / (1 + e) : e / (1 + e);
      const t = y[i] as number;
      f += (t === 1 ? Math.max(-z, 0) : Math.max(z, 0)) + Math.log1p(e);
      const r = p - t;
      const h = p * (1 - p);
      ga += r * m;
      gb += r;
      haa += h * m * m;
      hab += h * m;
      hbb += h;
    }
    at[0] = C * f + 0.5 * pa * pa;
    at[1] = C * ga + pa;
    at[2] = C * gb;
    at[3] = C * haa + 1;
    at[4] = C * hab;
    at[5] = C * hbb + 1e-10;
  };
  let here = new Float64Array(6);
  let trial = new Float64Array(6);
  evaluate(a, b, here);
  for (let iteration = 0; iteration < 100; iteration++) {
    const [f, ga, gb, haa, hab, hbb] = Array.from(here);
    if (Math.max(Math.abs(ga!), Math.abs(gb!)) <= 1e-7 * n) break;
    // The 2×2 Newton step −H⁻¹g by Cramer's rule.
    const det = haa! * hbb! - hab! * hab!;
    const da = -(hbb! * ga! - hab! * gb!) / det;
    const db = -(haa! * gb! - hab! * ga!) / det;
    const slope = ga! * da + gb! * db;
    if (!(slope < 0)) break;
    let step = 1;
    let accepted = false;
    for (let tries = 0; tries < 40 && !accepted; tries++, step /= 2) {
      evaluate(a + step * da, b + step * db, trial);
      accepted = (trial[0] as number) <= f! + 1e-4 * step * slope;
      if (accepted) {
        a += step * da;
        b += step * db;
        [here, trial] = [trial, here];
      }
    }
    if (!accepted || f! - (here[0] as number) <= 1e-14 * Math.max(1, Math.abs(f!))) break;
  }
  return [a, b];
}
