// Training of L2-regularised linear models with a smooth per-row loss (logistic, squared hinge): by L-BFGS (two
// passes over the rows per evaluation; scikit-learn's default solver too) or by Newton's method with a Hessian
// estimated from a sample of the rows, where that costs less than L-BFGS's extra passes (`newtonPays`). Both stop
// on the exact gradient, at the same optimum. The passes run over a dense copy of the rows in WebAssembly
// (dense-kernels.ts), or over the rows' non-zeros where they are mostly zeros or too many to copy.
import { DENSE_ROWS_MAX_BYTES, DenseRows, choleskySolve, denseRowsBytes } from '../numerics/dense-kernels.js';
import type { Matrix, SparseRows } from '../numerics/matrix.js';
import { checkFinite, sparseRows } from '../numerics/matrix.js';
import type { FitOptions } from './model.js';

export type RowLoss = 'logistic' | 'squared_hinge';

export interface SolverSettings {
  readonly c: number;
  readonly maxIterations: number;
  /**
   * Stops when every component of the gradient of (1/n)·objective is below this. The models pass 1e-4, as
   * scikit-learn's `tol`, which it applies to its objective, this one divided by C·n: the same test for C = 1.
   */
  readonly tolerance: number;
}

/** L-BFGS (Nocedal 1980): two-loop recursion over the last `memory` steps, backtracking (Armijo) line search. */
export function lbfgs(
  fg: (x: Float64Array, grad: Float64Array) => number,
  x: Float64Array,
  settings: { maxIterations: number; gradientTolerance: number; memory?: number },
  onIteration?: (iteration: number, f: number) => void,
): { x: Float64Array; f: number; iterations: number } {
  const p = x.length;
  const memory = settings.memory ?? 10;
  const grad = new Float64Array(p);
  const nextGrad = new Float64Array(p);
  const next = new Float64Array(p);
  const dir = new Float64Array(p);
  const ss: Float64Array[] = [];
  const ys: Float64Array[] = [];
  const rhos: number[] = [];
  const alphas = new Float64Array(memory);
  let f = fg(x, grad);
  let iteration = 0;
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let j = 0; j < p; j++) s += (a[j] as number) * (b[j] as number);
    return s;
  };
  for (; iteration < settings.maxIterations; iteration++) {
    let gMax = 0;
    for (let j = 0; j < p; j++) gMax = Math.max(gMax, Math.abs(grad[j] as number));
    onIteration?.(iteration + 1, f);
    if (gMax <= settings.gradientTolerance) break;
    // Direction: −H·g by the two-loop recursion.
    for (let j = 0; j < p; j++) dir[j] = -(grad[j] as number);
    for (let k = ss.length - 1; k >= 0; k--) {
      const a = (rhos[k] as number) * dot(ss[k] as Float64Array, dir);
      alphas[k] = a;
      const yk = ys[k] as Float64Array;
      for (let j = 0; j < p; j++) dir[j] = (dir[j] as number) - a * (yk[j] as number);
    }
    if (ss.length > 0) {
      const last = ss.length - 1;
      const gamma =
        dot(ss[last] as Float64Array, ys[last] as Float64Array) /
        dot(ys[last] as Float64Array, ys[last] as Float64Array);
      for (let j = 0; j < p; j++) dir[j] = (dir[j] as number) * gamma;
    }
    for (let k = 0; k < ss.length; k++) {
      const b = (rhos[k] as number) * dot(ys[k] as Float64Array, dir);
      const sk = ss[k] as Float64Array;
      const a = alphas[k] as number;
      for (let j = 0; j < p; j++) dir[j] = (dir[j] as number) + (a - b) * (sk[j] as number);
    }
    let slope = dot(grad, dir);
    if (!(slope < 0)) {
      for (let j = 0; j < p; j++) dir[j] = -(grad[j] as number);
      slope = dot(grad, dir);
      ss.length = ys.length = rhos.length = 0;
    }
    let step = ss.length === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    let fNext = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let j = 0; j < p; j++) next[j] = (x[j] as number) + step * (dir[j] as number);
      fNext = fg(next, nextGrad);
      if (fNext <= f + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(fNext <= f + 1e-4 * step * slope) && !(fNext < f)) break; // no progress possible
    // Progress below the objective's rounding: the optimum is reached as closely as doubles tell.
    const stalled = f - fNext <= 1e-14 * Math.max(1, Math.abs(f));
    const s = new Float64Array(p);
    const yv = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      s[j] = (next[j] as number) - (x[j] as number);
      yv[j] = (nextGrad[j] as number) - (grad[j] as number);
    }
    const sy = dot(s, yv);
    if (sy > 1e-12) {
      if (ss.length === memory) {
        ss.shift();
        ys.shift();
        rhos.shift();
      }
      ss.push(s);
      ys.push(yv);
      rhos.push(1 / sy);
    }
    x.set(next);
    grad.set(nextGrad);
    f = fNext;
    if (stalled) break;
  }
  return { x, f, iterations: iteration + 1 };
}

/**
 * Minimises C Σ loss(sᵢ zᵢ) + ½‖w‖² over (w, b), zᵢ = w·xᵢ + b, sᵢ = ±1; the intercept b is not penalised.
 * Labels are 0 or 1 (`checkLabels`); X's numbers are checked here (a NaN or ±Infinity throws `checkFinite`'s
 * error), in the pass that copies them for the dense kernels.
 */
export function fitLinear(
  X: Matrix,
  y: Float64Array,
  loss: RowLoss,
  settings: SolverSettings,
  options: FitOptions = {},
): { w: Float64Array; b: number; iterations: number; evaluations: number } {
  const { rows: n, cols: d } = X;
  const problem: Problem = {
    n,
    d,
    rows: denseRowsPay(X) ? new DenseRows(X, y) : sparsePassesOf(X, y),
    y,
    c: settings.c,
    logistic: loss === 'logistic',
    hessianStride: hessianStrideFor(n, d),
    evaluations: 0,
  };
  const fg = (theta: Float64Array, grad: Float64Array): number => objectiveAndGradient(problem, theta, grad);
  const onIteration = (step: number, f: number) =>
    options.onProgress?.({ step, steps: settings.maxIterations, loss: f });
  if (d + 1 <= NEWTON_MAX_PARAMETERS && newtonPays(problem)) {
    const result = newton(problem, fg, settings, onIteration);
    return { ...result, evaluations: problem.evaluations };
  }
  const result = lbfgs(
    fg,
    new Float64Array(d + 1),
    { maxIterations: settings.maxIterations, gradientTolerance: settings.tolerance * n },
    onIteration,
  );
  return {
    w: result.x.slice(0, d),
    b: result.x[d] as number,
    iterations: result.iterations,
    evaluations: problem.evaluations,
  };
}

/** The passes over X's non-zeros, X's numbers checked first (`DenseRows` checks them in its copy). */
function sparsePassesOf(X: Matrix, y: Float64Array): SparsePasses {
  checkFinite(X);
  return new SparsePasses(sparseRows(X), y);
}

/**
 * The three passes over the rows x̃ (x with a trailing 1 for the intercept) that the solvers make, and the
 * vectors they read and write: `DenseRows` (WebAssembly) or `SparsePasses` (the non-zeros).
 */
interface RowPasses {
  /** Output of `margins`: each row's x̃·θ. */
  readonly z: Float64Array;
  /** Input of `gradient`: each row's weight (rows of weight 0 may be skipped). */
  readonly g: Float64Array;
  /** Input of `hessian`: the weight of every `step`-th row, in order. */
  readonly h: Float64Array;
  /** z = X̃·θ (θ: columns + 1 numbers). */
  margins(theta: Float64Array): void;
  /** out = X̃ᵀ·g (columns + 1 numbers). */
  gradient(out: Float64Array): void;
  /** The upper triangle of out ((columns + 1)², row-major) = Σₖ hₖ x̃x̃ᵀ over the rows k·step. */
  hessian(step: number, out: Float64Array): void;
  /** The rows' losses at the last margins, summed; each row's weight in the gradient (c·loss′) written to g. */
  loss(c: number, logistic: boolean): number;
  /** The cost of one `margins` or `gradient`, and of one `hessian(step)`, in one unit for `newtonPays`. */
  work(step: number): { pass: number; hessian: number };
}

/** `RowPasses` over the non-zeros of each row: for rows that are mostly zeros (one-hot, hashed features). */
class SparsePasses implements RowPasses {
  readonly z: Float64Array;
  readonly g: Float64Array;
  readonly h: Float64Array;

  constructor(
    private readonly rows: SparseRows,
    private readonly y: Float64Array,
  ) {
    this.z = new Float64Array(rows.rows);
    this.g = new Float64Array(rows.rows);
    this.h = new Float64Array(rows.rows);
  }

  margins(theta: Float64Array): void {
    const { rows: n, cols: d, ptr, idx, val } = this.rows;
    const { z } = this;
    const bias = theta[d] as number;
    for (let i = 0; i < n; i++) {
      const end = ptr[i + 1] as number;
      let zi = bias;
      for (let k = ptr[i] as number; k < end; k++)
        zi += (theta[idx[k] as number] as number) * (val[k] as number);
      z[i] = zi;
    }
  }

  gradient(out: Float64Array): void {
    const { rows: n, cols: d, ptr, idx, val } = this.rows;
    const { g } = this;
    out.fill(0);
    let bias = 0;
    for (let i = 0; i < n; i++) {
      const gi = g[i] as number;
      if (gi === 0) continue;
      const end = ptr[i + 1] as number;
      for (let k = ptr[i] as number; k < end; k++) {
        const j = idx[k] as number;
        out[j] = (out[j] as number) + gi * (val[k] as number);
      }
      bias += gi;
    }
    out[d] = bias;
  }

  hessian(step: number, out: Float64Array): void {
    const { rows: n, cols: d, ptr, idx, val } = this.rows;
    const { h } = this;
    const p = d + 1;
    out.fill(0);
    for (let i = 0, at = 0; i < n; i += step, at++) {
      const hi = h[at] as number;
      if (hi === 0) continue;
      const start = ptr[i] as number;
      const end = ptr[i + 1] as number;
      // Row i's indices ascend, so (idx[k], idx[l]) with l ≥ k is in the upper triangle.
      for (let k = start; k < end; k++) {
        const row = (idx[k] as number) * p;
        const v = hi * (val[k] as number);
        for (let l = k; l < end; l++) {
          const cell = row + (idx[l] as number);
          out[cell] = (out[cell] as number) + v * (val[l] as number);
        }
        out[row + d] = (out[row + d] as number) + v;
      }
      out[d * p + d] = (out[d * p + d] as number) + hi;
    }
  }

  loss(c: number, logistic: boolean): number {
    return rowLosses(this.z, this.y, this.g, c, logistic);
  }

  work(step: number): { pass: number; hessian: number } {
    const { rows: n, ptr } = this.rows;
    let pass = 0;
    let hessian = 0;
    for (let i = 0; i < n; i++) {
      const k = (ptr[i + 1] as number) - (ptr[i] as number) + 1; // the intercept's 1 included
      pass += k;
      if (i % step === 0) hessian += (k * (k + 1)) / 2;
    }
    return { pass, hessian };
  }
}

/**
 * Dense passes when the rows are at least an eighth non-zeros (a dense pass costs ~0.4 ns per number, one over
 * the non-zeros ~5 ns per non-zero: BENCHMARKS.md, run J) and their copy fits in `DENSE_ROWS_MAX_BYTES`.
 */
export function denseRowsPay(X: Matrix): boolean {
  if (denseRowsBytes(X.rows, X.cols) > DENSE_ROWS_MAX_BYTES) return false;
  // Counted on at most DENSITY_SAMPLE rows spread evenly over X: a count over all of them was ~2 ms of a
  // process's first fit on online-shoppers, before V8 had compiled the loop.
  const { rows: n, cols: d, data } = X;
  const step = Math.max(1, Math.floor(n / DENSITY_SAMPLE));
  let counted = 0;
  let nnz = 0;
  for (let i = 0; i < n; i += step) {
    for (let j = i * d; j < (i + 1) * d; j++) nnz += +(data[j] !== 0);
    counted += d;
  }
  return nnz >= counted / 8;
}

/** Rows `denseRowsPay` counts the non-zeros of. */
const DENSITY_SAMPLE = 256;

interface Problem {
  readonly n: number;
  readonly d: number;
  /** The rows; after an evaluation, `rows.z` holds each row's margin there: Newton's Hessian is built from it. */
  readonly rows: RowPasses;
  readonly y: Float64Array;
  readonly c: number;
  readonly logistic: boolean;
  /** Newton's Hessian is estimated from every this-many-th row (`hessianStrideFor`). */
  readonly hessianStride: number;
  evaluations: number;
}

/**
 * Rows between two that Newton's Hessian is estimated from: about n/(d + 1) rows in all, so that it costs less
 * than a pass over the data, but never fewer than 50 per parameter (nor more than n). Measured (BENCHMARKS.md,
 * run H): 8–15 iterations instead of 6–11 with the full Hessian, in 0.3–0.7 of the time; fewer rows (20 per
 * parameter) cost more iterations than they save.
 */
function hessianStrideFor(n: number, d: number): number {
  const wanted = Math.max(n / (d + 1), 50 * (d + 1));
  return Math.max(1, Math.floor(n / wanted));
}

/**
 * C Σ loss + ½‖w‖² and its gradient: the margins, then each row's loss and its derivative (the weight of the
 * row in the gradient), then the gradient.
 */
function objectiveAndGradient(problem: Problem, theta: Float64Array, grad: Float64Array): number {
  const { d, rows, c, logistic } = problem;
  problem.evaluations++;
  rows.margins(theta);
  const f = rows.loss(c, logistic);
  rows.gradient(grad);
  let r = 0;
  for (let j = 0; j < d; j++) {
    const w = theta[j] as number;
    r += w * w;
    grad[j] = (grad[j] as number) + w;
  }
  return c * f + 0.5 * r;
}

/**
 * The rows' losses at their margins z, labels y (0 or 1), summed, and each row's weight in the gradient written
 * to g: for logistic loss Σ log(1 + exp(−sᵢzᵢ)) and c·(σ(zᵢ) − yᵢ), for the squared hinge Σ (1 − sᵢzᵢ)² and
 * −2c·sᵢ(1 − sᵢzᵢ) inside the margin (0 outside), sᵢ = 2yᵢ − 1. `DenseRows` runs the same operations in
 * WebAssembly (dense-kernels.wat), to the same numbers.
 */
export function rowLosses(
  z: Float64Array,
  y: Float64Array,
  g: Float64Array,
  c: number,
  logistic: boolean,
): number {
  let f = 0;
  // Logistic loss: Σ log(1 + e) is taken as the log of the product of the (1 + e), one log per 512 rows (each
  // factor is at most 2, so the product stays below 2^512): log1p per row was half the loop's time. Its
  // error, ~1e-16 per row, is far below what the solver tells apart (1e-14·f).
  let product = 1;
  for (let i = 0; i < z.length; i++) {
    const zi = z[i] as number;
    const s = 2 * (y[i] as number) - 1; // ±1 for labels 1 and 0
    const m = s * zi;
    if (logistic) {
      // One exp per row: e = exp(−|z|) gives both log(1 + exp(−m)) and σ(z).
      const e = Math.exp(zi >= 0 ? -zi : zi);
      f += m > 0 ? 0 : -m;
      product *= 1 + e;
      if ((i & 511) === 511) {
        f += Math.log(product);
        product = 1;
      }
      g[i] = c * ((zi >= 0 ? 1 / (1 + e) : e / (1 + e)) - (y[i] as number));
    } else if (m >= 1) {
      g[i] = 0;
    } else {
      f += (1 - m) * (1 - m);
      g[i] = c * -2 * s * (1 - m);
    }
  }
  return logistic ? f + Math.log(product) : f;
}

/** Newton's method builds a (columns + 1)² Hessian; past this many parameters L-BFGS is used instead. */
const NEWTON_MAX_PARAMETERS = 500;

/**
 * Which solver costs less, from the work of the passes: a Newton iteration builds the Hessian and evaluates
 * (two passes); it takes ~8–15 iterations where L-BFGS takes ~35 evaluations of logistic loss and ~60 of the
 * squared hinge. With the sampled Hessian, Newton wins for both losses on online-shoppers and paysim
 * (BENCHMARKS.md, runs H and J).
 */
function newtonPays(problem: Problem): boolean {
  const { pass, hessian } = problem.rows.work(problem.hessianStride);
  return hessian < (problem.logistic ? 6 : 12) * pass;
}

/**
 * Newton's method with a sampled estimate of the (for the squared hinge, generalised) Hessian, a Cholesky solve
 * (`choleskySolve`) and a backtracking line search: 8–15 iterations where L-BFGS needs 30–70 evaluations. The squared hinge's
 * Hessian runs over the rows inside the margin only.
 */
function newton(
  problem: Problem,
  fg: (theta: Float64Array, grad: Float64Array) => number,
  settings: SolverSettings,
  onIteration: (step: number, f: number) => void,
): { w: Float64Array; b: number; iterations: number } {
  const { n, d } = problem;
  const p = d + 1;
  const theta = new Float64Array(p);
  const grad = new Float64Array(p);
  const trial = new Float64Array(p);
  const trialGrad = new Float64Array(p);
  const hessian = new Float64Array(p * p);
  const negativeGrad = new Float64Array(p);
  const step = new Float64Array(p);
  let f = fg(theta, grad);
  let iteration = 0;
  for (; iteration < settings.maxIterations; iteration++) {
    onIteration(iteration + 1, f);
    let gMax = 0;
    for (let j = 0; j < p; j++) gMax = Math.max(gMax, Math.abs(grad[j] as number));
    if (gMax <= settings.tolerance * n) break;
    // The last evaluation was at theta (the start, or the step just accepted): its margins are in rows.z.
    sampledHessian(problem, hessian);
    // + I for the weights' penalty; a tiny ridge on the unpenalised intercept keeps H positive definite.
    for (let j = 0; j < p; j++) hessian[j * p + j] = (hessian[j * p + j] as number) + (j < d ? 1 : 1e-10);
    for (let j = 0; j < p; j++) negativeGrad[j] = -(grad[j] as number);
    if (!choleskySolve(hessian, p, negativeGrad, step)) break;
    let slope = 0;
    for (let j = 0; j < p; j++) slope += (grad[j] as number) * (step[j] as number);
    if (!(slope < 0)) break;
    let length = 1;
    let accepted = false;
    for (let tries = 0; tries < 40; tries++) {
      for (let j = 0; j < p; j++) trial[j] = (theta[j] as number) + length * (step[j] as number);
      const fTrial = fg(trial, trialGrad);
      if (fTrial <= f + 1e-4 * length * slope) {
        theta.set(trial);
        grad.set(trialGrad);
        accepted = f - fTrial > 1e-14 * Math.max(1, Math.abs(f));
        f = fTrial;
        break;
      }
      length /= 2;
    }
    if (!accepted) break;
  }
  return { w: theta.slice(0, d), b: theta[d] as number, iterations: iteration + 1 };
}

/**
 * An estimate of the Hessian's upper triangle, C Σ hᵢ x̃ᵢx̃ᵢᵀ, from every `hessianStride`-th row scaled up to
 * all n: a sub-sampled Newton method (Byrd, Chin, Neveitt and Nocedal 2011). The full Hessian costs several
 * passes over the data, more than the iterations it saves; the gradient and the stopping test stay exact, so the
 * optimum is the same. Built at the point of the last evaluation, whose margins are in `rows.z`:
 * hᵢ = σ(zᵢ)(1 − σ(zᵢ)) for logistic loss, 2 for the squared hinge's rows inside the margin (sᵢzᵢ < 1) and 0
 * outside it.
 */
function sampledHessian(problem: Problem, hessian: Float64Array): void {
  const { n, rows, y, c, logistic, hessianStride: stride } = problem;
  const { z, h } = rows;
  const scale = (c * n) / Math.ceil(n / stride);
  for (let i = 0, at = 0; i < n; i += stride, at++) {
    const zi = z[i] as number;
    if (logistic) {
      const e = Math.exp(zi >= 0 ? -zi : zi);
      h[at] = (scale * e) / ((1 + e) * (1 + e));
    } else {
      h[at] = (2 * (y[i] as number) - 1) * zi >= 1 ? 0 : 2 * scale;
    }
  }
  rows.hessian(stride, hessian);
}
