// The linear solver's passes over dense rows in WebAssembly with SIMD (dense-kernels.wat): two doubles per
// instruction where V8 compiles JavaScript loops to one. Measured on online-shoppers' 9,864 × 31 rows
// (BENCHMARKS.md, run J): margins 0.125 ms against 0.82 ms for the JavaScript loop over the rows' non-zeros,
// the gradient 0.12 ms against 0.91 ms, the sampled Hessian 0.5 ms against 1.7 ms. The rows' copy and check,
// their losses and Newton's Cholesky solve are kernels too: in a process's first fit they run compiled where
// JavaScript loops would run in V8's interpreter (BENCHMARKS.md, run K).
import { DENSE_KERNELS_BASE64 } from './dense-kernels.bytes.js';
import { checkFinite, type Matrix } from './matrix.js';
import { compileBase64, wasm } from './wasm.js';

interface Kernels {
  margins(x: number, n: number, s: number, theta: number, z: number): void;
  gradient(x: number, n: number, s: number, g: number, out: number): void;
  hessian(x: number, n: number, s: number, step: number, h: number, out: number): void;
  probe(x: number, count: number): number;
  spread(x: number, n: number, d: number, s: number): void;
  cholesky(a: number, p: number, b: number, x: number): number;
  logisticLoss(z: number, y: number, g: number, n: number, c: number): number;
  squaredHingeLoss(z: number, y: number, g: number, n: number, c: number): number;
  exp(x: number): number;
  log(x: number): number;
}

let compiled: object | undefined;

function kernelModule(): object {
  compiled ??= compileBase64(DENSE_KERNELS_BASE64);
  return compiled;
}

interface Instance {
  readonly memory: { buffer: ArrayBuffer };
  readonly kernels: Kernels;
  readonly bytes: number;
}

/**
 * Memories up to this size are kept for the next `DenseRows`: a fresh memory's first touch costs ~0.85 ms per
 * MiB here (2.2 ms of online-shoppers' 9 ms fit), a kept one's nothing.
 */
const KEPT_BYTES = 64 << 20;

let kept: Instance | undefined;

/**
 * An instance of the kernels with at least `bytes` of memory: the kept one where it is large enough, else a new
 * one, kept in its place when it is at most `KEPT_BYTES`. So one `DenseRows` at a time may use it: the solver
 * makes one per fit and is done with it when the (synchronous) fit returns.
 */
function instanceFor(bytes: number): Instance {
  if (kept && kept.bytes >= bytes) return kept;
  const instance = newInstance(bytes);
  if (instance.bytes <= KEPT_BYTES) kept = instance;
  return instance;
}

function newInstance(bytes: number): Instance {
  const pages = Math.max(1, Math.ceil(bytes / 65536)); // the module asks for at least one page
  const memory = new wasm.Memory({ initial: pages });
  const kernels = new wasm.Instance(kernelModule(), { env: { memory } }).exports as unknown as Kernels;
  return { memory, kernels, bytes: pages * 65536 };
}

/** `choleskySolve`'s instance: a memory of its own, so that it never writes into a `DenseRows`'s. */
let solver: Instance | undefined;

/**
 * Solves A·x = b for a symmetric positive definite A given by its upper triangle (`a`, row-major p × p) by
 * Cholesky's factorisation; false when A is not positive definite. `a` and `b` are left as they are. In the
 * kernels (`cholesky`): the same loops in JavaScript took 2–4 ms of a process's first fit on online-shoppers
 * (eight 32 × 32 systems) before V8 had compiled them, 0.1 ms after (BENCHMARKS.md, run K).
 */
export function choleskySolve(a: Float64Array, p: number, b: Float64Array, x: Float64Array): boolean {
  const doubles = p * p + 2 * p;
  if (!solver || solver.bytes < doubles * 8) solver = newInstance(doubles * 8);
  const memory = new Float64Array(solver.memory.buffer, 0, doubles);
  memory.set(a.subarray(0, p * p));
  memory.set(b.subarray(0, p), p * p);
  if (solver.kernels.cholesky(0, p, p * p * 8, (p * p + p) * 8) !== 1) return false;
  x.set(memory.subarray(p * p + p, doubles));
  return true;
}

/** fdlibm's exp and log as the kernels compute them (the same numbers as V8's Math.exp and Math.log), for tests. */
export function kernelMath(): { exp(x: number): number; log(x: number): number } {
  const { exp, log } = instanceFor(0).kernels;
  return { exp, log };
}

/** The most memory one `DenseRows` may take: past it the solver keeps to the rows' non-zeros. */
export const DENSE_ROWS_MAX_BYTES = 1 << 30;

/** Bytes a copy of `rows × cols` (plus the column of ones) takes, for the choice of `DENSE_ROWS_MAX_BYTES`. */
export function denseRowsBytes(rows: number, cols: number): number {
  return layoutFor(rows, cols).bytes;
}

/** Byte offsets of a `DenseRows`'s regions in its memory. */
interface Regions {
  readonly x: number;
  readonly theta: number;
  readonly z: number;
  readonly g: number;
  readonly sum: number;
  readonly h: number;
  readonly square: number;
  readonly y: number;
}

/**
 * The memory of a `DenseRows` of `rows × cols`: doubles per stored row (the columns and the 1, rounded up to a
 * multiple of four), where each region starts (on a 16-byte boundary: the kernels load two doubles at a time),
 * and the bytes in all.
 */
function layoutFor(rows: number, cols: number): { stride: number; at: Regions; bytes: number } {
  const s = (cols + 1 + 3) & ~3;
  let next = 0;
  const region = (doubles: number) => {
    const start = next;
    next += Math.ceil(doubles / 2) * 16;
    return start;
  };
  const at = {
    x: region(rows * s),
    theta: region(s),
    z: region(rows),
    g: region(rows),
    sum: region(s),
    h: region(rows),
    square: region(s * s),
    y: region(rows),
  };
  return { stride: s, at, bytes: next };
}

/**
 * A copy of X with a trailing column of ones (the intercept) in WebAssembly memory, rows padded to a multiple of
 * four doubles, with the vectors the passes read and write as views into that memory. A small one's memory is
 * reused by the next (`instanceFor`): one at a time, each used within one synchronous fit. Making one checks
 * X's numbers: a NaN or ±Infinity throws `checkFinite`'s error.
 */
export class DenseRows {
  readonly rows: number;
  /** Parameters: X's columns and the intercept. */
  readonly width: number;
  /** Doubles per stored row (`width` rounded up to a multiple of four). */
  readonly stride: number;
  /** Input of the margins kernel: θ, `width` numbers (the padding stays 0). */
  private readonly theta: Float64Array;
  /** Output of `margins`: each row's x̃·θ. */
  readonly z: Float64Array;
  /** Input of `gradient`: each row's weight. */
  readonly g: Float64Array;
  /** Output of the gradient kernel: Σᵢ gᵢ x̃ᵢ (`stride` numbers, the first `width` meaningful). */
  private readonly sum: Float64Array;
  /** Input of `hessian`: the weight of every `step`-th row, in order. */
  readonly h: Float64Array;
  /** Output of the Hessian kernel: `stride × stride`, its upper triangle meaningful. */
  private readonly square: Float64Array;
  private readonly kernels: Kernels;
  private readonly at: Regions;

  /** y: the labels, 0 or 1, for `loss`. */
  constructor(X: Matrix, y: Float64Array) {
    const { rows: n, cols: d } = X;
    const { stride: s, at, bytes } = layoutFor(n, d);
    this.rows = n;
    this.width = d + 1;
    this.stride = s;
    this.at = at;
    const instance = instanceFor(bytes);
    this.kernels = instance.kernels;
    const buffer = instance.memory.buffer;
    const view = (offset: number, length: number) => new Float64Array(buffer, offset, length);
    // X in one copy, checked and spread to padded rows by the kernels: a loop per row here was a tenth of a
    // process's first fit on online-shoppers, before V8 had compiled it (BENCHMARKS.md, run K).
    view(this.at.x, n * d).set(X.data);
    if (this.kernels.probe(this.at.x, n * d) !== 0) checkFinite(X); // throws, naming the row and column
    this.kernels.spread(this.at.x, n, d, s);
    this.theta = view(this.at.theta, s).fill(0);
    this.z = view(this.at.z, n);
    this.g = view(this.at.g, n);
    this.sum = view(this.at.sum, s);
    this.h = view(this.at.h, n);
    this.square = view(this.at.square, s * s);
    view(this.at.y, n).set(y.subarray(0, n));
  }

  /**
   * The rows' losses at the last margins (Σ log(1 + exp(−sᵢzᵢ)) or the squared hinge's Σ (1 − sᵢzᵢ)², sᵢ = ±1),
   * each row's weight in the gradient written to g (c·loss′). The same numbers as `rowLosses` in
   * linear-solver.ts, whose JavaScript loop was the largest part of a process's first fit before V8 had compiled it.
   */
  loss(c: number, logistic: boolean): number {
    const { z, y, g } = this.at;
    return logistic
      ? this.kernels.logisticLoss(z, y, g, this.rows, c)
      : this.kernels.squaredHingeLoss(z, y, g, this.rows, c);
  }

  /** z = X̃·θ (θ: `width` numbers). */
  margins(theta: Float64Array): void {
    this.theta.set(theta);
    this.kernels.margins(this.at.x, this.rows, this.stride, this.at.theta, this.at.z);
  }

  /** out = X̃ᵀ·g (`width` numbers; rows whose g is 0 are skipped). */
  gradient(out: Float64Array): void {
    this.kernels.gradient(this.at.x, this.rows, this.stride, this.at.g, this.at.sum);
    out.set(this.sum.subarray(0, this.width));
  }

  /** The upper triangle of out (`width`², row-major) = Σₖ hₖ x̃x̃ᵀ over the rows k·step. */
  hessian(step: number, out: Float64Array): void {
    this.kernels.hessian(this.at.x, this.rows, this.stride, step, this.at.h, this.at.square);
    const { width: p, stride: s, square } = this;
    for (let a = 0; a < p; a++) out.set(square.subarray(a * s + a, a * s + p), a * p + a);
  }

  /**
   * The cost of a pass and of `hessian(step)` in instructions (two doubles each), the Hessian's as if every
   * number were non-zero.
   */
  work(step: number): { pass: number; hessian: number } {
    const { rows: n, stride: s } = this;
    return { pass: (n * s) / 2, hessian: (Math.ceil(n / step) * s * (s + 2)) / 4 };
  }
}
