// A fitted ensemble of trees as flat typed arrays: every tree's nodes side by side, children by absolute index.
// Prediction walks them without allocating; JSON keeps the arrays as base64 of their bytes (exact and compact).
import type { Matrix } from '../../numerics/matrix.js';
import { KernelMemory } from '../../numerics/tree-kernels.js';
import type { GrownTree } from './grow.js';

export interface ForestJSON {
  readonly base: number;
  readonly trees: number;
  readonly nodes: number;
  /** Base64 of each typed array's bytes (little-endian). */
  readonly roots: string;
  readonly feature: string;
  readonly threshold: string;
  readonly missingLeft: string;
  readonly left: string;
  readonly right: string;
  readonly value: string;
  readonly cover: string;
}

export class Forest {
  // Prediction's layout (built from the arrays below): a leaf loops on itself (its column 0, threshold +∞, left
  // child itself), so a walk of a tree's depth in steps ends at the leaf whatever the path, with no branch on
  // the data; each step is `left + (goes right)`, the right child being the left one's neighbour.
  /** Per node, side by side: the column a step reads, and the left child (the leaf itself at a leaf). */
  private readonly step: Int32Array;
  private readonly stepThreshold: Float64Array;
  /** 1 where a missing value (NaN) goes right. */
  private readonly stepMissingRight: Uint8Array;
  /** Each tree's depth: the steps of its walk. */
  private readonly depths: Int32Array;
  /** The same layout in the kernels' memory, made on the first batch of `width` columns (null: none to be had). */
  private predictor: Predictor | null | undefined;

  constructor(
    /** The raw score before any tree (the prior's log-odds, the mean of a regression target). */
    readonly base: number,
    /** First node of each tree. */
    readonly roots: Int32Array,
    /** Split column, −1 at a leaf. */
    readonly feature: Int32Array,
    /** Values `≤ threshold` go left. */
    readonly threshold: Float64Array,
    /** Where a missing value (NaN) goes: 1 left, 0 right. */
    readonly missingLeft: Uint8Array,
    readonly left: Int32Array,
    readonly right: Int32Array,
    /** Leaf weights (shrinkage applied). */
    readonly value: Float64Array,
    /** Training hessian sum of each node: the weight of its rows in TreeSHAP's expectations. */
    readonly cover: Float64Array,
  ) {
    const nodes = feature.length;
    this.step = new Int32Array(2 * nodes);
    this.stepThreshold = new Float64Array(nodes);
    this.stepMissingRight = new Uint8Array(nodes);
    for (let i = 0; i < nodes; i++) {
      const leaf = (feature[i] as number) < 0;
      if (!leaf && right[i] !== (left[i] as number) + 1) {
        throw new Error(`forest: node ${i}'s children are not side by side`);
      }
      this.step[2 * i] = leaf ? 0 : (feature[i] as number);
      this.step[2 * i + 1] = leaf ? i : (left[i] as number);
      this.stepThreshold[i] = leaf ? Infinity : (threshold[i] as number);
      this.stepMissingRight[i] = leaf || missingLeft[i] === 1 ? 0 : 1;
    }
    this.depths = Int32Array.from(roots, (root) => this.depthBelow(root));
  }

  /** Tree `t`'s depth. */
  depthOf(t: number): number {
    return this.depths[t] as number;
  }

  private depthBelow(node: number): number {
    if ((this.feature[node] as number) < 0) return 0;
    return (
      1 + Math.max(this.depthBelow(this.left[node] as number), this.depthBelow(this.right[node] as number))
    );
  }

  get trees(): number {
    return this.roots.length;
  }

  /** The deepest root-to-leaf path (edges) of any tree. */
  maxDepth(): number {
    return this.depths.reduce((m, d) => Math.max(m, d), 0);
  }

  /** The leaf row `x` (at `offset` of `data`) reaches in tree `t`. */
  leafOf(t: number, data: ArrayLike<number>, offset: number): number {
    const { step: S, stepThreshold: T, stepMissingRight: M } = this;
    let n = this.roots[t] as number;
    for (let k = this.depths[t] as number; k > 0; k--) {
      const v = data[offset + (S[2 * n] as number)] as number;
      n = (S[2 * n + 1] as number) + (+(v > (T[n] as number)) | (+(v !== v) & (M[n] as number)));
    }
    return n;
  }

  /** The child of inner node `node` that row `x` goes to. */
  childOf(node: number, x: ArrayLike<number>): number {
    const v = x[this.feature[node] as number] as number;
    const t = this.threshold[node] as number;
    if (v <= t) return this.left[node] as number;
    if (v > t) return this.right[node] as number;
    return this.missingLeft[node] === 1 ? (this.left[node] as number) : (this.right[node] as number);
  }

  /**
   * The raw score of one row: base plus every tree's leaf. Four trees are walked in step, so that their
   * independent chains of loads overlap (one tree's walk is a chain, each step waiting on the last); a missing
   * value (NaN) goes the way its node learned — a row without one pays two more operations a step for the test.
   */
  rawOne(x: ArrayLike<number>): number {
    const { step: S, stepThreshold: T, stepMissingRight: M, roots, depths, value } = this;
    let sum = this.base;
    const trees = roots.length;
    let t = 0;
    for (; t + 4 <= trees; t += 4) {
      let a = roots[t] as number;
      let b = roots[t + 1] as number;
      let c = roots[t + 2] as number;
      let d = roots[t + 3] as number;
      const steps = Math.max(
        depths[t] as number,
        depths[t + 1] as number,
        depths[t + 2] as number,
        depths[t + 3] as number,
      );
      for (let k = 0; k < steps; k++) {
        const va = x[S[2 * a] as number] as number;
        const vb = x[S[2 * b] as number] as number;
        const vc = x[S[2 * c] as number] as number;
        const vd = x[S[2 * d] as number] as number;
        a = (S[2 * a + 1] as number) + (+(va > (T[a] as number)) | (+(va !== va) & (M[a] as number)));
        b = (S[2 * b + 1] as number) + (+(vb > (T[b] as number)) | (+(vb !== vb) & (M[b] as number)));
        c = (S[2 * c + 1] as number) + (+(vc > (T[c] as number)) | (+(vc !== vc) & (M[c] as number)));
        d = (S[2 * d + 1] as number) + (+(vd > (T[d] as number)) | (+(vd !== vd) & (M[d] as number)));
      }
      sum += (value[a] as number) + (value[b] as number) + (value[c] as number) + (value[d] as number);
    }
    for (; t < trees; t++) sum += value[this.leafOf(t, x, 0)] as number;
    return sum;
  }

  /**
   * Raw scores of every row of `X`: batches of 64 rows or more by the WebAssembly walk (eight rows in step), smaller
   * ones (and all, where its memory cannot be had) by the JavaScript one below.
   */
  rawMany(X: Matrix, out = new Float64Array(X.rows)): Float64Array {
    out.fill(this.base);
    if (X.rows >= KERNEL_MIN_ROWS) {
      this.predictor ??= makePredictor(this, X.cols);
      if (this.predictor && this.predictor.cols === X.cols) return this.predictor.run(X, out);
    }
    return this.rawManyJs(X, out);
  }

  /** The JavaScript walk of `rawMany` (the kernel's reference): tree by tree, four rows in step. */
  rawManyJs(X: Matrix, out: Float64Array): Float64Array {
    const { data, cols, rows } = X;
    const { step: S, stepThreshold: T, stepMissingRight: M, roots, depths, value } = this;
    for (let t = 0; t < roots.length; t++) {
      const root = roots[t] as number;
      const steps = depths[t] as number;
      let i = 0;
      for (; i + 4 <= rows; i += 4) {
        let a = root;
        let b = root;
        let c = root;
        let d = root;
        const oa = i * cols;
        const ob = oa + cols;
        const oc = ob + cols;
        const od = oc + cols;
        for (let k = 0; k < steps; k++) {
          const va = data[oa + (S[2 * a] as number)] as number;
          const vb = data[ob + (S[2 * b] as number)] as number;
          const vc = data[oc + (S[2 * c] as number)] as number;
          const vd = data[od + (S[2 * d] as number)] as number;
          a = (S[2 * a + 1] as number) + (+(va > (T[a] as number)) | (+(va !== va) & (M[a] as number)));
          b = (S[2 * b + 1] as number) + (+(vb > (T[b] as number)) | (+(vb !== vb) & (M[b] as number)));
          c = (S[2 * c + 1] as number) + (+(vc > (T[c] as number)) | (+(vc !== vc) & (M[c] as number)));
          d = (S[2 * d + 1] as number) + (+(vd > (T[d] as number)) | (+(vd !== vd) & (M[d] as number)));
        }
        out[i] = (out[i] as number) + (value[a] as number);
        out[i + 1] = (out[i + 1] as number) + (value[b] as number);
        out[i + 2] = (out[i + 2] as number) + (value[c] as number);
        out[i + 3] = (out[i + 3] as number) + (value[d] as number);
      }
      for (; i < rows; i++) out[i] = (out[i] as number) + (value[this.leafOf(t, data, i * cols)] as number);
    }
    return out;
  }

  /** Appends grown trees' nodes to a forest (children re-indexed to absolute positions). */
  static of(base: number, trees: readonly GrownTree[]): Forest {
    const nodes = trees.reduce((s, t) => s + t.feature.length, 0);
    const roots = new Int32Array(trees.length);
    const feature = new Int32Array(nodes);
    const threshold = new Float64Array(nodes);
    const missingLeft = new Uint8Array(nodes);
    const left = new Int32Array(nodes);
    const right = new Int32Array(nodes);
    const value = new Float64Array(nodes);
    const cover = new Float64Array(nodes);
    let at = 0;
    trees.forEach((tree, t) => {
      roots[t] = at;
      for (let k = 0; k < tree.feature.length; k++) {
        const i = at + k;
        feature[i] = tree.feature[k] as number;
        threshold[i] = tree.threshold[k] as number;
        missingLeft[i] = tree.missingLeft[k] ? 1 : 0;
        left[i] = (tree.left[k] as number) < 0 ? -1 : at + (tree.left[k] as number);
        right[i] = (tree.right[k] as number) < 0 ? -1 : at + (tree.right[k] as number);
        value[i] = tree.value[k] as number;
        cover[i] = tree.cover[k] as number;
      }
      at += tree.feature.length;
    });
    return new Forest(base, roots, feature, threshold, missingLeft, left, right, value, cover);
  }

  toJSON(): ForestJSON {
    return {
      base: this.base,
      trees: this.roots.length,
      nodes: this.feature.length,
      roots: toBase64(this.roots),
      feature: toBase64(this.feature),
      threshold: toBase64(this.threshold),
      missingLeft: toBase64(this.missingLeft),
      left: toBase64(this.left),
      right: toBase64(this.right),
      value: toBase64(this.value),
      cover: toBase64(this.cover),
    };
  }

  static fromJSON(json: ForestJSON): Forest {
    return new Forest(
      json.base,
      new Int32Array(fromBase64(json.roots)),
      new Int32Array(fromBase64(json.feature)),
      new Float64Array(fromBase64(json.threshold)),
      new Uint8Array(fromBase64(json.missingLeft)),
      new Int32Array(fromBase64(json.left)),
      new Int32Array(fromBase64(json.right)),
      new Float64Array(fromBase64(json.value)),
      new Float64Array(fromBase64(json.cover)),
    );
  }
}

function toBase64(a: ArrayBufferView): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** The bytes of a base64 text, in a fresh (aligned) buffer. */
function fromBase64(text: string): ArrayBuffer {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes.buffer;
}

/** Batches of at least this many rows are scored by the kernel (below, the JavaScript walk costs less than the copy). */
const KERNEL_MIN_ROWS = 64;
/** Rows copied into the kernels' memory at a time. */
const CHUNK_ROWS = 2048;

interface Predictor {
  readonly cols: number;
  run(X: Matrix, out: Float64Array): Float64Array;
}

/** The forest in the kernels' memory: 16 bytes a node (column with the missing side in bit 31, left child, threshold). */
function makePredictor(forest: Forest, cols: number): Predictor | null {
  const nodes = forest.feature.length;
  const trees = forest.roots.length;
  const memory = new KernelMemory();
  const at = {
    nodes: memory.reserve(16 * nodes),
    values: memory.reserve(8 * nodes),
    roots: memory.reserve(4 * trees),
    depths: memory.reserve(4 * trees),
    x: memory.reserve(8 * CHUNK_ROWS * cols),
    out: memory.reserve(8 * CHUNK_ROWS),
  };
  try {
    memory.open();
  } catch {
    return null;
  }
  const words = memory.i32(at.nodes, 4 * nodes);
  const thresholds = memory.f64(at.nodes, 2 * nodes);
  for (let i = 0; i < nodes; i++) {
    const leaf = (forest.feature[i] as number) < 0;
    const missingRight = !leaf && forest.missingLeft[i] === 0 ? 1 << 31 : 0;
    words[4 * i] = (leaf ? 0 : (forest.feature[i] as number)) | missingRight;
    words[4 * i + 1] = leaf ? i : (forest.left[i] as number);
    thresholds[2 * i + 1] = leaf ? Infinity : (forest.threshold[i] as number);
  }
  memory.f64(at.values, nodes).set(forest.value);
  memory.i32(at.roots, trees).set(forest.roots);
  memory.i32(at.depths, trees).set(Int32Array.from({ length: trees }, (_, t) => forest.depthOf(t)));
  const x = memory.f64(at.x, CHUNK_ROWS * cols);
  const chunkOut = memory.f64(at.out, CHUNK_ROWS);
  return {
    cols,
    run(X, out) {
      for (let from = 0; from < X.rows; from += CHUNK_ROWS) {
        const rows = Math.min(CHUNK_ROWS, X.rows - from);
        x.set(X.data.subarray(from * cols, (from + rows) * cols));
        chunkOut.fill(0);
        memory.kernels.predict(at.nodes, at.values, at.roots, at.depths, trees, at.x, rows, cols, at.out);
        for (let i = 0; i < rows; i++) out[from + i] = (out[from + i] as number) + (chunkOut[i] as number);
      }
      return out;
    },
  };
}
