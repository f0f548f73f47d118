// The Adam optimizer over weight arrays in doubles, for the MLP's training on TensorFlow.js.

/**
 * Adam (Kingma and Ba 2015; ε = 1e-7 as tf.train.adam) on gradients read out of the backend, the L2 penalty's
 * gradient added here: TensorFlow.js's own Adam and the penalty took ~14 backend calls per weight array and
 * step, 1.3 of a 3.7 ms step on 256 rows of 11 → 128 → 64 → 1, where the update here takes a pass over the
 * 10k numbers (BENCHMARKS.md, run J). Keeps the weights in doubles and returns them as floats for the backend.
 */
export class Adam {
  private readonly first: Float64Array[];
  private readonly second: Float64Array[];
  private readonly out: Float32Array[];
  private t = 0;

  constructor(
    private readonly weights: Float64Array[],
    private readonly penalised: boolean[],
    private readonly rate: number,
  ) {
    this.first = weights.map((w) => new Float64Array(w.length));
    this.second = weights.map((w) => new Float64Array(w.length));
    this.out = weights.map((w) => new Float32Array(w.length));
  }

  /** One step on the mean loss's gradients, plus `l2` × weight for the penalised arrays. */
  step(grads: ArrayLike<number>[], l2: number): Float32Array[] {
    const b1 = 0.9;
    const b2 = 0.999;
    this.t++;
    // The bias corrections as factors: a multiplication in the loop where a division was (1.8× faster here).
    const stepSize = this.rate / (1 - b1 ** this.t);
    const unbias = 1 / (1 - b2 ** this.t);
    for (let a = 0; a < this.weights.length; a++) {
      const w = this.weights[a] as Float64Array;
      const m = this.first[a] as Float64Array;
      const v = this.second[a] as Float64Array;
      const out = this.out[a] as Float32Array;
      const g = grads[a] as ArrayLike<number>;
      const decay = this.penalised[a] ? l2 : 0;
      for (let j = 0; j < w.length; j++) {
        const wj = w[j] as number;
        const gj = (g[j] as number) + decay * wj;
        const mj = b1 * (m[j] as number) + (1 - b1) * gj;
        const vj = b2 * (v[j] as number) + (1 - b2) * gj * gj;
        m[j] = mj;
        v[j] = vj;
        const next = wj - (stepSize * mj) / (Math.sqrt(vj * unbias) + 1e-7);
        w[j] = next;
        out[j] = next;
      }
    }
    return this.out;
  }
}
