// Training of L2-regularised linear models with a smooth per-row loss (logistic, squared hinge) over the non-zeros
// of each row: by L-BFGS (two passes over the non-zeros per evaluation; scikit-learn's default solver too) or by
// Newton's method with a Hessian estimated from a sample of the rows, where that costs less than L-BFGS's extra
// passes (`newtonPays`). Both stop on the exact gradient, at the same optimum.
import { CholeskyDecomposition, Matrix as Dense } from 'ml-matrix';
import type { Matrix } from './matrix.js';
import { sparseRows } from './matrix.js';
import type { FitOptions } from './model.js';

export type RowLoss = 'logistic' | 'squared_hinge';

export interface SolverSettings {
  readonly c: number;
  readonly maxIterations: number;
  /**
   * Stops when every component of the gradient of (1/n)·objective is below this (scikit-learn's `tol` on its
   * averaged objective, 1e-4, is ten times looser than the default here).
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
 */
export function fitLinear(
  X: Matrix,
  y: Float64Array,
  loss: RowLoss,
  settings: SolverSettings,
  options: FitOptions = {},
): { w: Float64Array; b: number; iterations: number; evaluations: number } {
  const { rows: n, cols: d } = X;
  const { ptr, idx, val } = sparseRows(X);
  const C = settings.c;
  const sign = Float64Array.from(y, (v) => (v === 1 ? 1 : -1));
  const problem: Problem = {
    n,
    d,
    ptr,
    idx,
    val,
    y,
    sign,
    c: C,
    logistic: loss === 'logistic',
    z: new Float64Array(n),
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

interface Problem {
  readonly n: number;
  readonly d: number;
  readonly ptr: Int32Array;
  readonly idx: Int32Array;
  readonly val: Float64Array;
  readonly y: Float64Array;
  readonly sign: Float64Array;
  readonly c: number;
  readonly logistic: boolean;
  /** Each row's margin w·x + b at the last evaluation: Newton's Hessian is built where the objective was. */
  readonly z: Float64Array;
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
 * C Σ loss + ½‖w‖² and its gradient in one pass over the non-zeros: the hot loop of training (a plain function
 * of one object, no closure variables, no calls, no allocation).
 */
function objectiveAndGradient(problem: Problem, theta: Float64Array, grad: Float64Array): number {
  const { n, d, ptr, idx, val, y, sign, c, logistic, z: margins } = problem;
  problem.evaluations++;
  grad.fill(0);
  let f = 0;
  let gBias = 0;
  const bias = theta[d] as number;
  for (let i = 0; i < n; i++) {
    const start = ptr[i] as number;
    const end = ptr[i + 1] as number;
    let z = bias;
    for (let k = start; k < end; k++) z += (theta[idx[k] as number] as number) * (val[k] as number);
    margins[i] = z;
    const s = sign[i] as number;
    const m = s * z;
    let g: number;
    if (logistic) {
      // One exp per row: e = exp(−|z|) gives both log(1 + exp(−m)) and σ(z).
      const e = Math.exp(z >= 0 ? -z : z);
      f += (m > 0 ? 0 : -m) + Math.log1p(e);
      g = c * ((z >= 0 ? 1 / (1 + e) : e / (1 + e)) - (y[i] as number));
    } else {
      if (m >= 1) continue;
      f += (1 - m) * (1 - m);
      g = c * -2 * s * (1 - m);
    }
    for (let k = start; k < end; k++) {
      const j = idx[k] as number;
      grad[j] = (grad[j] as number) + g * (val[k] as number);
    }
    gBias += g;
  }
  grad[d] = gBias;
  let r = 0;
  for (let j = 0; j < d; j++) {
    const w = theta[j] as number;
    r += w * w;
    grad[j] = (grad[j] as number) + w;
  }
  return c * f + 0.5 * r;
}

/** Newton's method builds a (columns + 1)² Hessian; past this many parameters L-BFGS is used instead. */
const NEWTON_MAX_PARAMETERS = 500;

/**
 * Which solver costs less, from the work per row: a Newton iteration builds the Hessian (about nnz²/2 per
 * sampled row) and evaluates; it takes ~8–15 iterations where L-BFGS takes ~35 evaluations of logistic loss and
 * ~60 of the squared hinge (two passes over the non-zeros each). With the sampled Hessian, Newton wins for both
 * losses on online-shoppers (17 non-zeros per row) and paysim (6 per row): BENCHMARKS.md, run H.
 */
function newtonPays(problem: Problem): boolean {
  const { n, ptr, hessianStride } = problem;
  let pass = 0;
  let hessian = 0;
  for (let i = 0; i < n; i++) {
    const k = (ptr[i + 1] as number) - (ptr[i] as number) + 1; // the intercept's 1 included
    pass += k;
    if (i % hessianStride === 0) hessian += (k * (k + 1)) / 2;
  }
  return hessian < (problem.logistic ? 6 : 12) * pass;
}

/**
 * Newton's method with a sampled estimate of the (for the squared hinge, generalised) Hessian, a Cholesky solve
 * and a backtracking line search: 8–15 iterations where L-BFGS needs 30–70 evaluations. The squared hinge's
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
  let f = fg(theta, grad);
  let iteration = 0;
  for (; iteration < settings.maxIterations; iteration++) {
    onIteration(iteration + 1, f);
    let gMax = 0;
    for (let j = 0; j < p; j++) gMax = Math.max(gMax, Math.abs(grad[j] as number));
    if (gMax <= settings.tolerance * n) break;
    // The last evaluation was at theta (the start, or the step just accepted): its margins are in problem.z.
    rowHessian(problem, hessian);
    const H = new Dense(p, p);
    for (let a = 0; a < p; a++) {
      for (let b = a; b < p; b++) {
        // + I for the weights' penalty; a tiny ridge on the unpenalised intercept keeps H positive definite.
        const v = (hessian[a * p + b] as number) + (a === b ? (a < d ? 1 : 1e-10) : 0);
        H.set(a, b, v);
        H.set(b, a, v);
      }
    }
    const step = new CholeskyDecomposition(H).solve(Dense.columnVector(Array.from(grad, (g) => -g)));
    let slope = 0;
    for (let j = 0; j < p; j++) slope += (grad[j] as number) * step.get(j, 0);
    if (!(slope < 0)) break;
    let length = 1;
    let accepted = false;
    for (let tries = 0; tries < 40; tries++) {
      for (let j = 0; j < p; j++) trial[j] = (theta[j] as number) + length * step.get(j, 0);
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
 * An estimate of the Hessian's upper triangle, C Σ hᵢ x̃ᵢx̃ᵢᵀ (x̃ = x with a trailing 1), from every
 * `hessianStride`-th row scaled up to all n: a sub-sampled Newton method (Byrd, Chin, Neveitt and Nocedal 2011).
 * The full Hessian costs several passes over the data, more than the iterations it saves; the gradient and the
 * stopping test stay exact, so the optimum is the same. Built at the point of the last evaluation, whose
 * margins are in `problem.z`: hᵢ = σ(zᵢ)(1 − σ(zᵢ)) for logistic loss, 2 for the squared hinge's rows inside
 * the margin (sᵢzᵢ < 1) and 0 outside it.
 */
function rowHessian(problem: Problem, hessian: Float64Array): void {
  const { n, d, ptr, idx, val, sign, c, logistic, z, hessianStride: stride } = problem;
  const p = d + 1;
  const scale = (c * n) / Math.ceil(n / stride);
  hessian.fill(0);
  for (let i = 0; i < n; i += stride) {
    const zi = z[i] as number;
    let h: number;
    if (logistic) {
      const e = Math.exp(zi >= 0 ? -zi : zi);
      h = (scale * e) / ((1 + e) * (1 + e));
    } else {
      if ((sign[i] as number) * zi >= 1) continue;
      h = 2 * scale;
    }
    const start = ptr[i] as number;
    const end = ptr[i + 1] as number;
    // Row i's indices ascend, so (idx[k], idx[l]) with l ≥ k is in the upper triangle.
    for (let k = start; k < end; k++) {
      const row = (idx[k] as number) * p;
      const v = h * (val[k] as number);
      for (let l = k; l < end; l++) {
        const at = row + (idx[l] as number);
        hessian[at] = (hessian[at] as number) + v * (val[l] as number);
      }
      hessian[row + d] = (hessian[row + d] as number) + v;
    }
    hessian[d * p + d] = (hessian[d * p + d] as number) + h;
  }
}
