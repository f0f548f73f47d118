// Exact TreeSHAP (Lundberg, Erion & Lee 2018, "Consistent individualized feature attribution for tree ensembles",
// Algorithm 2): the Shapley values of one prediction in O(leaves · depth²) per tree, where the value of a set of
// features S is the tree's expected output given x's values on S — the other splits weighted by their training cover.
// The base value is the expected output with no feature known; base + Σ contributions = the raw score.
import type { Forest } from './forest.js';

/**
 * TreeSHAP over a forest, with the path storage for its deepest tree allocated once.
 * @example const shap = new TreeShap(forest); const { base, contributions } = shap.explain(x)
 */
export class TreeShap {
  // The "unique path" of the paper, one frame per recursion level, each frame up to depth + 2 entries.
  private readonly pathFeature: Int32Array;
  private readonly pathZero: Float64Array;
  private readonly pathOne: Float64Array;
  private readonly pathWeight: Float64Array;
  private readonly stride: number;
  /** Expected output of each tree with nothing known (cover-weighted mean of its leaves), summed, plus the base. */
  readonly base: number;
  private phi: Float64Array = new Float64Array(0);
  private x: ArrayLike<number> = [];
  /** Each node's expected output (cover-weighted mean of its leaves), for path attributions; made on first use. */
  private nodeExpected: Float64Array | undefined;

  constructor(private readonly forest: Forest) {
    const depth = forest.maxDepth();
    this.stride = depth + 2;
    const size = (depth + 2) * this.stride;
    this.pathFeature = new Int32Array(size);
    this.pathZero = new Float64Array(size);
    this.pathOne = new Float64Array(size);
    this.pathWeight = new Float64Array(size);
    let base = forest.base;
    for (const root of forest.roots) base += this.expected(root);
    this.base = base;
  }

  /** Contributions of each of `width` columns to the raw score of `x`. */
  explain(x: ArrayLike<number>, width: number): { base: number; contributions: Float64Array } {
    this.phi = new Float64Array(width);
    this.x = x;
    for (const root of this.forest.roots) this.recurse(root, 0, 0, 1, 1, -1);
    return { base: this.base, contributions: this.phi };
  }

  /**
   * Path attribution (Saabas): along each tree's path for `x`, the change of the expected output at each split
   * goes to the split's feature. O(depth) per tree, so cheap enough for every decision; base + Σ = the raw score
   * as with TreeSHAP, but a feature's share depends on where in the tree it splits (the exact Shapley values are
   * `explain`'s). The reasons a decision carries use it.
   */
  explainPath(x: ArrayLike<number>, width: number): { base: number; contributions: Float64Array } {
    const f = this.forest;
    let expected = this.nodeExpected;
    if (!expected) {
      expected = new Float64Array(f.feature.length);
      for (let n = 0; n < expected.length; n++) expected[n] = this.expected(n);
      this.nodeExpected = expected;
    }
    const phi = new Float64Array(width);
    for (const root of f.roots) {
      let node = root;
      while ((f.feature[node] as number) >= 0) {
        const next = f.childOf(node, x);
        const j = f.feature[node] as number;
        phi[j] = (phi[j] as number) + (expected[next] as number) - (expected[node] as number);
        node = next;
      }
    }
    return { base: this.base, contributions: phi };
  }

  private expected(node: number): number {
    const f = this.forest;
    if ((f.feature[node] as number) < 0) return f.value[node] as number;
    const l = f.left[node] as number;
    const r = f.right[node] as number;
    const cover = f.cover[node] as number;
    if (cover <= 0) return 0.5 * (this.expected(l) + this.expected(r));
    return ((f.cover[l] as number) * this.expected(l) + (f.cover[r] as number) * this.expected(r)) / cover;
  }

  /** `frame`: where this level's copy of the path starts; `depth`: its last entry's index. */
  private recurse(
    node: number,
    parentFrame: number,
    depth: number,
    zero: number,
    one: number,
    feature: number,
  ): void {
    const f = this.forest;
    const frame = depth === 0 ? 0 : parentFrame + this.stride;
    if (depth > 0) {
      // This level's path starts as a copy of the parent's.
      this.pathFeature.copyWithin(frame, parentFrame, parentFrame + depth);
      this.pathZero.copyWithin(frame, parentFrame, parentFrame + depth);
      this.pathOne.copyWithin(frame, parentFrame, parentFrame + depth);
      this.pathWeight.copyWithin(frame, parentFrame, parentFrame + depth);
    }
    this.extend(frame, depth, zero, one, feature);
    const split = f.feature[node] as number;
    if (split < 0) {
      const value = f.value[node] as number;
      for (let i = 1; i <= depth; i++) {
        const w = this.unwoundSum(frame, depth, i);
        const at = frame + i;
        const j = this.pathFeature[at] as number;
        this.phi[j] =
          (this.phi[j] as number) +
          w * ((this.pathOne[at] as number) - (this.pathZero[at] as number)) * value;
      }
      return;
    }
    const hot = f.childOf(node, this.x);
    const cold = hot === f.left[node] ? (f.right[node] as number) : (f.left[node] as number);
    const cover = f.cover[node] as number;
    const hotZero = cover > 0 ? (f.cover[hot] as number) / cover : 0.5;
    const coldZero = cover > 0 ? (f.cover[cold] as number) / cover : 0.5;
    let incomingZero = 1;
    let incomingOne = 1;
    // A feature split on again: undo its earlier entry, so that it appears on the path once.
    let k = 0;
    for (; k <= depth; k++) if (this.pathFeature[frame + k] === split) break;
    let d = depth;
    if (k <= depth) {
      incomingZero = this.pathZero[frame + k] as number;
      incomingOne = this.pathOne[frame + k] as number;
      this.unwind(frame, d, k);
      d -= 1;
    }
    this.recurse(hot, frame, d + 1, hotZero * incomingZero, incomingOne, split);
    this.recurse(cold, frame, d + 1, coldZero * incomingZero, 0, split);
  }

  private extend(frame: number, depth: number, zero: number, one: number, feature: number): void {
    const w = this.pathWeight;
    this.pathFeature[frame + depth] = feature;
    this.pathZero[frame + depth] = zero;
    this.pathOne[frame + depth] = one;
    w[frame + depth] = depth === 0 ? 1 : 0;
    for (let i = depth - 1; i >= 0; i--) {
      w[frame + i + 1] =
        (w[frame + i + 1] as number) + (one * (w[frame + i] as number) * (i + 1)) / (depth + 1);
      w[frame + i] = (zero * (w[frame + i] as number) * (depth - i)) / (depth + 1);
    }
  }

  private unwind(frame: number, depth: number, index: number): void {
    const w = this.pathWeight;
    const one = this.pathOne[frame + index] as number;
    const zero = this.pathZero[frame + index] as number;
    let next = w[frame + depth] as number;
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const tmp = w[frame + i] as number;
        w[frame + i] = (next * (depth + 1)) / ((i + 1) * one);
        next = tmp - ((w[frame + i] as number) * zero * (depth - i)) / (depth + 1);
      } else if (zero !== 0) {
        w[frame + i] = ((w[frame + i] as number) * (depth + 1)) / (zero * (depth - i));
      }
    }
    for (let i = index; i < depth; i++) {
      this.pathFeature[frame + i] = this.pathFeature[frame + i + 1] as number;
      this.pathZero[frame + i] = this.pathZero[frame + i + 1] as number;
      this.pathOne[frame + i] = this.pathOne[frame + i + 1] as number;
    }
  }

  /** The total weight of the path with entry `index` unwound (without changing the path). */
  private unwoundSum(frame: number, depth: number, index: number): number {
    const w = this.pathWeight;
    const one = this.pathOne[frame + index] as number;
    const zero = this.pathZero[frame + index] as number;
    let next = w[frame + depth] as number;
    let total = 0;
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const tmp = (next * (depth + 1)) / ((i + 1) * one);
        total += tmp;
        next = (w[frame + i] as number) - (tmp * zero * (depth - i)) / (depth + 1);
      } else if (zero !== 0) {
        total += (w[frame + i] as number) / zero / ((depth - i) / (depth + 1));
      }
    }
    return total;
  }
}
