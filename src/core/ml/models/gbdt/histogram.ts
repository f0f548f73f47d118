// Per-node histograms of gradient and hessian sums by bin, and the partition of a node's rows at a split: the tree
// learner's two hot loops. Each has a plain JavaScript version (the reference) and a WebAssembly one
// (numerics/tree-kernels.wat) over the same memory layout, used where it applies; both sum in the same order, so
// they give the same trees (tested).
import { KernelMemory, TREE_KERNELS_MAX_BYTES } from '../../numerics/tree-kernels.js';
import type { BinnedMatrix } from './bins.js';

/** Where each of the binned matrix's arrays lives in the kernels' memory (byte offsets). */
interface Layout {
  readonly memory: KernelMemory;
  readonly codes: number;
  readonly columnCodes: number;
  readonly rowStart: number;
  readonly rowSlots: number;
  readonly offsets: number;
  /** Per column with a major bin: its listed rows. */
  readonly minor: Int32Array;
  readonly order: number;
  readonly scratch: number;
  readonly sides: number;
  readonly grad: number;
  readonly hess: number;
  readonly raw: number;
  readonly labels: number;
}

export class Histograms {
  /** Slots per bin: gradient and hessian sums, and the row count where `minDataInLeaf` > 1 needs it. */
  readonly stride: number;
  /** Gradients and hessians of the rows: the objective writes them here. */
  readonly grad!: Float64Array;
  readonly hess!: Float64Array;
  /** The rows' raw scores and labels: the boosting loop keeps them here, for the gradients' kernel. */
  readonly raw!: Float64Array;
  readonly labels!: Float64Array;
  /** Row order: each leaf's rows are one range of it. */
  readonly order!: Uint32Array;
  private readonly scratch!: Uint32Array;
  /** Per bin code of the column being split: 1 if its rows go left. */
  private readonly sides!: Uint8Array;
  private readonly pool: Float64Array[] = [];
  private readonly layout: Layout | undefined;

  constructor(
    private readonly X: BinnedMatrix,
    s: { readonly minDataInLeaf: number; readonly maxDepth: number; readonly numLeaves: number },
    options: { kernels?: boolean } = {},
  ) {
    this.stride = s.minDataInLeaf > 1 ? 3 : 2;
    const n = X.rows;
    // Histograms alive at once: the open leaves (at most 2^maxDepth, or numLeaves) and the two being made.
    const live = Math.min(
      s.maxDepth > 0 && s.maxDepth <= 24 ? 2 ** s.maxDepth : Infinity,
      s.numLeaves > 0 ? s.numLeaves : Infinity,
    );
    const histBytes = X.slots * 16;
    let opened = false;
    if ((options.kernels ?? true) && this.stride === 2 && Number.isFinite(live)) {
      // Laid out first; opened only where the whole of it stays within the kernels' bound.
      const memory = new KernelMemory();
      const at = reserveLayout(memory, X, live + 2, histBytes);
      opened = memory.bytes <= TREE_KERNELS_MAX_BYTES && tryOpen(memory);
      if (opened) {
        memory.u8(at.codes, X.codes.length).set(X.codes);
        memory.u8(at.columnCodes, X.columnCodes.length).set(X.columnCodes);
        memory.i32(at.rowStart, X.rowStart.length).set(X.rowStart);
        memory.i32(at.rowSlots, X.rowSlots.length).set(X.rowSlots);
        memory.i32(at.offsets, X.cols).set(X.offsets);
        X.minorRows.forEach((m, j) => m && memory.i32(at.minorRows[j] as number, m.length).set(m));
        this.grad = memory.f64(at.grad, n);
        this.hess = memory.f64(at.hess, n);
        this.raw = memory.f64(at.raw, n);
        this.labels = memory.f64(at.labels, n);
        this.order = memory.u32(at.order, n);
        this.scratch = memory.u32(at.scratch, n);
        this.sides = memory.u8(at.sides, 256);
        for (let k = live + 1; k >= 0; k--) this.pool.push(memory.f64(at.hists + k * histBytes, X.slots * 2));
        this.layout = { memory, ...at, minor: Int32Array.from(at.minorRows) };
      }
    }
    if (!opened) {
      this.grad = new Float64Array(n);
      this.hess = new Float64Array(n);
      this.raw = new Float64Array(n);
      this.labels = new Float64Array(n);
      this.order = new Uint32Array(n);
      this.scratch = new Uint32Array(n);
      this.sides = new Uint8Array(256);
    }
  }

  /** Whether the WebAssembly loops run (otherwise the JavaScript ones). */
  get kernels(): boolean {
    return this.layout !== undefined;
  }

  /**
   * Binary log loss's gradients and hessians at `raw` for `labels`, by the kernel (false where the kernels do not
   * run: the objective's own loop is then the one).
   */
  logistic(positiveWeight: number): boolean {
    const k = this.layout;
    if (!k) return false;
    k.memory.kernels.logistic(k.raw, k.labels, k.grad, k.hess, this.X.rows, positiveWeight);
    return true;
  }

  take(): Float64Array {
    return this.pool.pop() ?? new Float64Array(this.X.slots * this.stride);
  }

  give(hist: Float64Array): void {
    this.pool.push(hist);
  }

  /** `parent` becomes the sibling's histogram: the parent's minus `child`'s, over `columns`. */
  subtract(parent: Float64Array, child: Float64Array, columns: Int32Array): void {
    const { offsets, binCount } = this.X;
    const k = this.layout;
    if (k && parent.buffer === this.grad.buffer && child.buffer === this.grad.buffer) {
      if (columns.length === this.X.cols) {
        k.memory.kernels.subtract(parent.byteOffset, child.byteOffset, this.X.slots * 16);
        return;
      }
      for (let t = 0; t < columns.length; t++) {
        const from = 16 * (offsets[columns[t] as number] as number);
        const bytes = 16 * ((binCount[columns[t] as number] as number) + 1);
        k.memory.kernels.subtract(parent.byteOffset + from, child.byteOffset + from, bytes);
      }
      return;
    }
    for (let t = 0; t < columns.length; t++) {
      const c = columns[t] as number;
      const from = (offsets[c] as number) * this.stride;
      const to = from + ((binCount[c] as number) + 1) * this.stride;
      for (let i = from; i < to; i++) parent[i] = (parent[i] as number) - (child[i] as number);
    }
  }

  /**
   * Moves the rows of `order[start … end)` whose code in column `j` is at most `bin` (or is missing, where
   * `missingLeft`) before the others, each side in its order (stable: histograms then read codes in memory order);
   * returns where the others start.
   */
  partition(start: number, end: number, j: number, bin: number, missingLeft: boolean): number {
    const { rows, columnCodes, binCount } = this.X;
    const missingCode = binCount[j] as number;
    const sides = this.sides;
    for (let c = 0; c <= missingCode; c++)
      sides[c] = c === missingCode ? (missingLeft ? 1 : 0) : c <= bin ? 1 : 0;
    const k = this.layout;
    if (k)
      return k.memory.kernels.partition(k.order, k.scratch, start, end, k.columnCodes + j * rows, k.sides);
    // Every row is written to both sides and only its side's end advances: no branch on the data (the side of
    // consecutive rows is a coin flip for the branch predictor).
    const base = j * rows;
    const order = this.order;
    const scratch = this.scratch;
    let l = start;
    let r = 0;
    for (let i = start; i < end; i++) {
      const row = order[i] as number;
      const left = sides[columnCodes[base + row] as number] as number;
      order[l] = row;
      scratch[r] = row;
      l += left;
      r += 1 - left;
    }
    order.set(scratch.subarray(0, r), l);
    return l;
  }

  /**
   * Sums of gradient and hessian (and row count, where `minDataInLeaf` needs it) per bin of `columns` over the rows
   * `order[start … end)`, whose totals are `G` and `H`. All rows (`all`: a root without row sampling) are read
   * column by column; a subset row by row. A column with a major bin (one-hot zeros) skips it: that bin gets the
   * node's total minus the column's other bins.
   */
  build(
    hist: Float64Array,
    start: number,
    end: number,
    columns: Int32Array,
    all: boolean,
    G: number,
    H: number,
  ): void {
    hist.fill(0);
    const k = this.layout;
    const at = k && hist.buffer === this.grad.buffer ? hist.byteOffset : -1;
    // The root and sparse rows skip major bins (completed below); dense rows of a subset read every cell.
    const complete = all || this.X.sparse;
    if (k && at >= 0 && this.buildWithKernels(k, at, start, end, columns, all)) {
      if (complete) this.completeMajorBins(hist, columns, G, H, end - start);
      return;
    }
    const { rows, cols, codes, columnCodes, offsets, minorRows, rowStart, rowSlots, sparse } = this.X;
    const { grad, hess, order } = this;
    const w = this.stride;
    const counting = w === 3;
    const n = columns.length;
    if (all) {
      for (let t = 0; t < n; t++) {
        const j = columns[t] as number;
        const off = offsets[j] as number;
        const base = j * rows;
        const minor = minorRows[j];
        const count = minor ? minor.length : rows;
        for (let i = 0; i < count; i++) {
          const r = minor ? (minor[i] as number) : i;
          const s = (off + (columnCodes[base + r] as number)) * w;
          hist[s] = (hist[s] as number) + (grad[r] as number);
          hist[s + 1] = (hist[s + 1] as number) + (hess[r] as number);
          if (counting) hist[s + 2] = (hist[s + 2] as number) + 1;
        }
      }
    } else if (sparse) {
      for (let i = start; i < end; i++) {
        const r = order[i] as number;
        const g = grad[r] as number;
        const h = hess[r] as number;
        const last = rowStart[r + 1] as number;
        for (let e = rowStart[r] as number; e < last; e++) {
          const s = (rowSlots[e] as number) * w;
          hist[s] = (hist[s] as number) + g;
          hist[s + 1] = (hist[s + 1] as number) + h;
          if (counting) hist[s + 2] = (hist[s + 2] as number) + 1;
        }
      }
    } else {
      // Few cells in major bins: every cell of each row, straight from the row-major codes.
      for (let i = start; i < end; i++) {
        const r = order[i] as number;
        const g = grad[r] as number;
        const h = hess[r] as number;
        const base = r * cols;
        for (let t = 0; t < n; t++) {
          const j = columns[t] as number;
          const s = ((offsets[j] as number) + (codes[base + j] as number)) * w;
          hist[s] = (hist[s] as number) + g;
          hist[s + 1] = (hist[s + 1] as number) + h;
          if (counting) hist[s + 2] = (hist[s + 2] as number) + 1;
        }
      }
      return;
    }
    this.completeMajorBins(hist, columns, G, H, end - start);
  }

  /** The WebAssembly loops where they apply (false: the caller runs the JavaScript ones). */
  private buildWithKernels(
    k: Layout,
    at: number,
    start: number,
    end: number,
    columns: Int32Array,
    all: boolean,
  ): boolean {
    const K = k.memory.kernels;
    const { rows, cols, offsets, minorRows, sparse } = this.X;
    if (all) {
      for (let t = 0; t < columns.length; t++) {
        const j = columns[t] as number;
        const first = at + 16 * (offsets[j] as number);
        const codes = k.columnCodes + j * rows;
        const minor = minorRows[j];
        if (minor) K.listed(first, codes, k.minor[j] as number, minor.length, k.grad, k.hess);
        else K.column(first, codes, rows, k.grad, k.hess);
      }
      return true;
    }
    if (sparse) {
      K.rows(at, k.order, start, end, k.rowStart, k.rowSlots, k.grad, k.hess);
      return true;
    }
    if (columns.length !== cols) return false;
    K.dense(at, k.order, start, end, k.codes, cols, k.offsets, k.grad, k.hess);
    return true;
  }

  /** Each skipped major bin: the node's totals minus the column's other bins (its own slot is still 0). */
  private completeMajorBins(
    hist: Float64Array,
    columns: Int32Array,
    G: number,
    H: number,
    count: number,
  ): void {
    const { offsets, binCount, majorBin, minorRows } = this.X;
    const w = this.stride;
    const counting = w === 3;
    for (let t = 0; t < columns.length; t++) {
      const j = columns[t] as number;
      if (!minorRows[j]) continue;
      const from = (offsets[j] as number) * w;
      const to = from + ((binCount[j] as number) + 1) * w;
      const major = from + (majorBin[j] as number) * w;
      let g = G;
      let h = H;
      let c = count;
      for (let i = from; i < to; i += w) {
        g -= hist[i] as number;
        h -= hist[i + 1] as number;
        if (counting) c -= hist[i + 2] as number;
      }
      hist[major] = g;
      hist[major + 1] = h;
      if (counting) hist[major + 2] = c;
    }
  }
}

/** The regions of the kernels' memory for one binned matrix and `hists` histograms (one region, side by side). */
function reserveLayout(memory: KernelMemory, X: BinnedMatrix, hists: number, histBytes: number) {
  const n = X.rows;
  return {
    codes: memory.reserve(X.codes.length),
    columnCodes: memory.reserve(X.columnCodes.length),
    rowStart: memory.reserve(4 * X.rowStart.length),
    rowSlots: memory.reserve(4 * X.rowSlots.length),
    offsets: memory.reserve(4 * X.cols),
    minorRows: X.minorRows.map((m) => (m ? memory.reserve(4 * m.length) : -1)),
    order: memory.reserve(4 * n),
    scratch: memory.reserve(4 * n),
    sides: memory.reserve(256),
    grad: memory.reserve(8 * n),
    hess: memory.reserve(8 * n),
    raw: memory.reserve(8 * n),
    labels: memory.reserve(8 * n),
    hists: memory.reserve(hists * histBytes),
  };
}

/** Whether the memory could be had (a large one may be refused): if not, the JavaScript loops run. */
function tryOpen(memory: KernelMemory): boolean {
  try {
    memory.open();
    return true;
  } catch {
    return false;
  }
}
