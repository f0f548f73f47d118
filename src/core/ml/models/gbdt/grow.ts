// Growing one regression tree on gradients and hessians (XGBoost's `hist`, LightGBM): per leaf, a histogram of
// gradient and hessian sums by bin; the best split of each column found by one scan of its bins, the missing bin
// tried on either side; a child's histogram is its parent's minus its sibling's, so only the smaller child is built.
import type { Matrix } from '../../numerics/matrix.js';
import type { BinnedMatrix } from './bins.js';
import { Histograms } from './histogram.js';

export interface TreeSettings {
  /** Deepest level a split may make (the root is depth 0); 0: no limit. */
  readonly maxDepth: number;
  /** Most leaves per tree; 0: no limit. */
  readonly numLeaves: number;
  /** `depthwise` splits level by level (XGBoost's default), `lossguide` the leaf of largest gain first (LightGBM). */
  readonly growPolicy: 'depthwise' | 'lossguide';
  /** Least hessian sum in a child (XGBoost's min_child_weight). */
  readonly minChildWeight: number;
  /** Least rows in a child (LightGBM's min_data_in_leaf). */
  readonly minDataInLeaf: number;
  /** L2 and L1 penalties on leaf weights. */
  readonly lambda: number;
  readonly alpha: number;
  /** Least loss reduction a split must bring (XGBoost's gamma). */
  readonly gamma: number;
  /** Leaf weights are multiplied by it (shrinkage). */
  readonly learningRate: number;
}

/** A grown tree as parallel node arrays; node 0 is the root, a leaf has feature −1. */
export interface GrownTree {
  readonly feature: number[];
  /** The split's last bin on the left: codes `≤ bin` go left. */
  readonly bin: number[];
  readonly threshold: number[];
  readonly missingLeft: boolean[];
  readonly left: number[];
  readonly right: number[];
  /** Leaf weights (0 for inner nodes). */
  readonly value: number[];
  /** Hessian sum of the node's training rows: TreeSHAP's cover. */
  readonly cover: number[];
  /** Loss reduction of the node's split (0 for leaves): gain importance. */
  readonly gain: number[];
}

interface Split {
  gain: number;
  feature: number;
  bin: number;
  missingLeft: boolean;
  gl: number;
  hl: number;
}

interface Leaf {
  readonly node: number;
  readonly start: number;
  readonly end: number;
  readonly depth: number;
  readonly g: number;
  readonly h: number;
  hist: Float64Array | undefined;
  split: Split | undefined;
}

/**
 * Grows trees over one binned matrix; keeps its scratch (histograms, the row partition) between trees.
 * @example const grower = new TreeGrower(binned, settings); const tree = grower.grow(grad, hess, rows, columns)
 */
export class TreeGrower {
  private readonly hists: Histograms;

  constructor(
    private readonly X: BinnedMatrix,
    private readonly s: TreeSettings,
    options: { kernels?: boolean } = {},
  ) {
    this.hists = new Histograms(X, s, options);
  }

  /** The rows' gradients and hessians: the objective writes them here before each tree. */
  get grad(): Float64Array {
    return this.hists.grad;
  }

  get hess(): Float64Array {
    return this.hists.hess;
  }

  /** The rows' raw scores and labels, kept where the gradients' kernel reads them. */
  get raw(): Float64Array {
    return this.hists.raw;
  }

  get labels(): Float64Array {
    return this.hists.labels;
  }

  /** Binary log loss's gradients by the kernel into `grad`/`hess`; false where the kernels do not run. */
  logisticGradients(positiveWeight: number): boolean {
    return this.hists.logistic(positiveWeight);
  }

  /** Whether the WebAssembly loops run. */
  get kernels(): boolean {
    return this.hists.kernels;
  }

  /**
   * One tree on the rows `rows` (ascending) and the columns `columns`; `leafOut`, where given, receives for each
   * leaf its range of `rowsInLeaves()` so that the caller adds its weight to those rows' scores.
   */
  grow(
    rows: Uint32Array,
    columns: Int32Array,
    leafOut?: (start: number, end: number, value: number) => void,
  ): GrownTree {
    const { grad, hess } = this.hists;
    const tree: GrownTree = {
      feature: [],
      bin: [],
      threshold: [],
      missingLeft: [],
      left: [],
      right: [],
      value: [],
      cover: [],
      gain: [],
    };
    const m = rows.length;
    this.hists.order.set(rows);
    const all = m === this.X.rows;
    let g = 0;
    let h = 0;
    for (let k = 0; k < m; k++) {
      const r = rows[k] as number;
      g += grad[r] as number;
      h += hess[r] as number;
    }
    const root: Leaf = {
      node: this.addNode(tree, h),
      start: 0,
      end: m,
      depth: 0,
      g,
      h,
      hist: undefined,
      split: undefined,
    };
    const open: Leaf[] = [];
    const done: Leaf[] = [];
    if (this.splittable(root)) {
      root.hist = this.hists.take();
      this.hists.build(root.hist, 0, m, columns, all, g, h);
      root.split = this.bestSplit(root, columns);
    }
    (root.split ? open : done).push(root);
    if (!root.split) this.release(root);
    let leaves = 1;
    while (open.length > 0 && (this.s.numLeaves === 0 || leaves < this.s.numLeaves)) {
      const leaf = this.next(open);
      const [a, b] = this.apply(tree, leaf, columns);
      leaves++;
      for (const child of [a, b]) (child.split ? open : done).push(child);
    }
    for (const leaf of [...open, ...done]) {
      this.release(leaf);
      const value = -this.s.learningRate * (thresholded(leaf.g, this.s.alpha) / (leaf.h + this.s.lambda));
      tree.value[leaf.node] = value;
      leafOut?.(leaf.start, leaf.end, value);
    }
    return tree;
  }

  /** The row order after the last `grow`: leaf ranges index it. */
  rowsInLeaves(): Uint32Array {
    return this.hists.order;
  }

  private next(open: Leaf[]): Leaf {
    // Depthwise: the oldest open leaf (breadth first); lossguide: the one of largest gain.
    let at = 0;
    if (this.s.growPolicy === 'lossguide') {
      for (let i = 1; i < open.length; i++) {
        if ((open[i]!.split as Split).gain > (open[at]!.split as Split).gain) at = i;
      }
    }
    return open.splice(at, 1)[0] as Leaf;
  }

  private splittable(leaf: Leaf): boolean {
    return (
      (this.s.maxDepth === 0 || leaf.depth < this.s.maxDepth) &&
      leaf.end - leaf.start >= 2 * Math.max(1, this.s.minDataInLeaf) &&
      leaf.h >= 2 * this.s.minChildWeight
    );
  }

  private addNode(tree: GrownTree, cover: number): number {
    tree.feature.push(-1);
    tree.bin.push(0);
    tree.threshold.push(0);
    tree.missingLeft.push(false);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(0);
    tree.cover.push(cover);
    tree.gain.push(0);
    return tree.feature.length - 1;
  }

  /** Splits `leaf`'s rows, gives each child a histogram (built for the smaller, subtracted for the larger). */
  private apply(tree: GrownTree, leaf: Leaf, columns: Int32Array): [Leaf, Leaf] {
    const split = leaf.split as Split;
    const j = split.feature;
    const l = this.hists.partition(leaf.start, leaf.end, j, split.bin, split.missingLeft);
    const node = leaf.node;
    tree.feature[node] = j;
    tree.bin[node] = split.bin;
    tree.threshold[node] = (this.X.uppers[j] as Float64Array)[split.bin] as number;
    tree.missingLeft[node] = split.missingLeft;
    tree.gain[node] = split.gain;
    const gr = leaf.g - split.gl;
    const hr = leaf.h - split.hl;
    const a: Leaf = {
      node: this.addNode(tree, split.hl),
      start: leaf.start,
      end: l,
      depth: leaf.depth + 1,
      g: split.gl,
      h: split.hl,
      hist: undefined,
      split: undefined,
    };
    const b: Leaf = {
      node: this.addNode(tree, hr),
      start: l,
      end: leaf.end,
      depth: leaf.depth + 1,
      g: gr,
      h: hr,
      hist: undefined,
      split: undefined,
    };
    tree.left[node] = a.node;
    tree.right[node] = b.node;
    const parent = leaf.hist as Float64Array;
    leaf.hist = undefined;
    const wantA = this.splittable(a);
    const wantB = this.splittable(b);
    if (wantA || wantB) {
      const [small, large] = a.end - a.start <= b.end - b.start ? [a, b] : [b, a];
      small.hist = this.hists.take();
      this.hists.build(small.hist, small.start, small.end, columns, false, small.g, small.h);
      this.hists.subtract(parent, small.hist, columns);
      large.hist = parent;
      for (const child of [a, b]) {
        if (child === a ? wantA : wantB) child.split = this.bestSplit(child, columns);
        if (!child.split) this.release(child);
      }
    } else {
      this.hists.give(parent);
    }
    return [a, b];
  }

  private release(leaf: Leaf): void {
    if (leaf.hist) this.hists.give(leaf.hist);
    leaf.hist = undefined;
  }

  /** The split of largest gain above `gamma` over `columns`, or none. */
  private bestSplit(leaf: Leaf, columns: Int32Array): Split | undefined {
    const { offsets, binCount } = this.X;
    const hist = leaf.hist as Float64Array;
    const w = this.hists.stride;
    const counting = w === 3;
    const { lambda, alpha, gamma, minChildWeight } = this.s;
    const minData = Math.max(1, this.s.minDataInLeaf);
    const G = leaf.g;
    const H = leaf.h;
    const N = leaf.end - leaf.start;
    const parentScore = score(G, H, lambda, alpha);
    let best: Split | undefined;
    let bestGain = gamma;
    for (let t = 0; t < columns.length; t++) {
      const j = columns[t] as number;
      const off = offsets[j] as number;
      const bins = binCount[j] as number;
      const ms = (off + bins) * w;
      const gm = hist[ms] as number;
      const hm = hist[ms + 1] as number;
      const nm = counting ? (hist[ms + 2] as number) : hm > 0 ? 1 : 0;
      let gl = 0;
      let hl = 0;
      let nl = 0;
      for (let b = 0; b + 1 < bins; b++) {
        const i = (off + b) * w;
        if (hist[counting ? i + 2 : i + 1] === 0 && b > 0) continue; // an empty bin splits as its left neighbour did
        gl += hist[i] as number;
        hl += hist[i + 1] as number;
        if (counting) nl += hist[i + 2] as number;
        // Missing values on the right, then (where there are any) on the left.
        for (let side = 0; side < (nm > 0 ? 2 : 1); side++) {
          const lg = side === 0 ? gl : gl + gm;
          const lh = side === 0 ? hl : hl + hm;
          const rh = H - lh;
          if (lh < minChildWeight || rh < minChildWeight) continue;
          if (counting) {
            const ln = side === 0 ? nl : nl + nm;
            if (ln < minData || N - ln < minData) continue;
          } else if (!(lh > 0 && rh > 1e-12 * H)) continue; // neither side empty
          const gain = score(lg, lh, lambda, alpha) + score(G - lg, rh, lambda, alpha) - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            // No missing values here: unseen ones follow the side with more weight.
            const missingLeft = nm > 0 ? side === 1 : lh >= rh;
            best = { gain, feature: j, bin: b, missingLeft, gl: lg, hl: lh };
          }
        }
      }
    }
    return best;
  }
}

/** The L1-thresholded gradient sum (XGBoost's ThresholdL1). */
export function thresholded(g: number, alpha: number): number {
  if (g > alpha) return g - alpha;
  if (g < -alpha) return g + alpha;
  return 0;
}

/** A leaf's loss reduction before shrinkage: T(G)² / (H + λ). */
function score(g: number, h: number, lambda: number, alpha: number): number {
  const t = thresholded(g, alpha);
  return (t * t) / (h + lambda);
}

/** A grown tree's leaf weight for row `i` of the binned matrix it was grown on. */
export function leafByBins(tree: GrownTree, binned: BinnedMatrix, i: number): number {
  let n = 0;
  while ((tree.feature[n] as number) >= 0) {
    const j = tree.feature[n] as number;
    const code = binned.codes[i * binned.cols + j] as number;
    const left = code === binned.binCount[j] ? tree.missingLeft[n] : code <= (tree.bin[n] as number);
    n = (left ? tree.left[n] : tree.right[n]) as number;
  }
  return tree.value[n] as number;
}

/** Adds a grown tree's output to the raw scores of the rows of `X` (raw values, as at prediction). */
export function addTree(tree: GrownTree, X: Matrix, raw: Float64Array): void {
  for (let i = 0; i < X.rows; i++) {
    let n = 0;
    while ((tree.feature[n] as number) >= 0) {
      const v = X.data[i * X.cols + (tree.feature[n] as number)] as number;
      const t = tree.threshold[n] as number;
      const left = v <= t ? true : v > t ? false : tree.missingLeft[n];
      n = (left ? tree.left[n] : tree.right[n]) as number;
    }
    raw[i] = (raw[i] as number) + (tree.value[n] as number);
  }
}
