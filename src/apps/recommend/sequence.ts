// The deep sequence model: self-attention over a shopper's recent products, SASRec-style (Kang and McAuley 2018),
// trained with TensorFlow.js on its wasm backend. Products are embedded; each position of a shopper's sequence
// attends to the ones before it (causal), through `blocks` blocks of one-head attention and a feed-forward layer
// with layer norm and residuals; the output at each position is trained to score the next product above a random
// one (binary cross-entropy on one sampled negative). A shopper's next products are scored by the output at their
// last position against every product's embedding.
import { Random, loadTensorflow } from '../../core/index.js';

type Tf = Awaited<ReturnType<typeof loadTensorflow>>;
type Tensor = import('@tensorflow/tfjs').Tensor;
type Variable = import('@tensorflow/tfjs').Variable;

export interface SequenceOptions {
  /** Positions read (the shopper's latest products). */
  readonly length: number;
  readonly dimensions: number;
  readonly blocks: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly dropout: number;
  readonly seed: number;
}

/**
 * Chosen on MovieLens latest-small (EVAL.md's split): 40 epochs at rate 0.005 give NDCG@10 0.094 in about 70 s;
 * at 0.001 0.076, at 0.01 0.083. With 610 shoppers it stays between popularity (0.088) and item-kNN (0.105).
 */
export const DEFAULT_SEQUENCE: SequenceOptions = {
  length: 50,
  dimensions: 48,
  blocks: 2,
  epochs: 40,
  batchSize: 128,
  learningRate: 0.005,
  dropout: 0.2,
  seed: 1,
};

interface Weights {
  readonly items: Variable;
  readonly positions: Variable;
  readonly blocks: {
    q: Variable;
    k: Variable;
    v: Variable;
    ffn1: Variable;
    ffn1b: Variable;
    ffn2: Variable;
    ffn2b: Variable;
  }[];
}

export class SequenceModel {
  private tf: Tf | undefined;
  private weights: Weights | undefined;
  private itemCount = 0;

  constructor(readonly options: SequenceOptions = DEFAULT_SEQUENCE) {}

  /**
   * Trains on the sequences (product numbers 0…items−1, oldest first); `onEpoch` is told each finished epoch and
   * its mean loss.
   */
  async fit(
    sequences: readonly (readonly number[])[],
    items: number,
    onEpoch?: (epoch: number, epochs: number, loss: number) => void,
  ): Promise<void> {
    const tf = (this.tf = await loadTensorflow());
    const { length: L, dimensions: d, blocks, epochs, batchSize, learningRate, dropout } = this.options;
    this.itemCount = items;
    const rng = new Random(this.options.seed);
    const init = (shape: number[], scale: number) =>
      tf.variable(
        tf.tensor(
          Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * scale),
          shape,
        ),
      );
    // Row 0 of the item table is padding (product n is row n + 1).
    this.weights = {
      items: init([items + 1, d], 0.05),
      positions: init([L, d], 0.05),
      blocks: Array.from({ length: blocks }, () => ({
        q: init([d, d], 1 / Math.sqrt(d)),
        k: init([d, d], 1 / Math.sqrt(d)),
        v: init([d, d], 1 / Math.sqrt(d)),
        ffn1: init([d, d], 1 / Math.sqrt(d)),
        ffn1b: tf.variable(tf.zeros([d])),
        ffn2: init([d, d], 1 / Math.sqrt(d)),
        ffn2b: tf.variable(tf.zeros([d])),
      })),
    };
    const trainable = sequences.filter((s) => s.length >= 2);
    const optimizer = tf.train.adam(learningRate);
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = trainable.map((_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(0, i + 1);
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
      let total = 0;
      let batches = 0;
      for (let b = 0; b < order.length; b += batchSize) {
        const rows = order.slice(b, b + batchSize).map((i) => trainable[i] as readonly number[]);
        const input = new Int32Array(rows.length * L);
        const positive = new Int32Array(rows.length * L);
        const negative = new Int32Array(rows.length * L);
        const mask = new Float32Array(rows.length * L);
        rows.forEach((seq, r) => {
          // The last L + 1 products: inputs are all but the last, targets all but the first (left-padded).
          const tail = seq.slice(-(L + 1));
          const n = tail.length - 1;
          const seen = new Set(seq);
          for (let t = 0; t < n; t++) {
            const at = r * L + (L - n + t);
            input[at] = (tail[t] as number) + 1;
            positive[at] = (tail[t + 1] as number) + 1;
            let neg = rng.int(0, items);
            while (seen.has(neg) && seen.size < items) neg = rng.int(0, items);
            negative[at] = neg + 1;
            mask[at] = 1;
          }
        });
        const loss = tf.tidy(() => {
          const x = tf.tensor2d(input, [rows.length, L], 'int32');
          const pos = tf.tensor2d(positive, [rows.length, L], 'int32');
          const neg = tf.tensor2d(negative, [rows.length, L], 'int32');
          const m = tf.tensor2d(mask, [rows.length, L]);
          const value = optimizer.minimize(() => {
            const h = this.forward(tf, x, m, dropout);
            const w = this.weights as Weights;
            const posScore = tf.sum(tf.mul(h, embed(tf, w.items, pos)), -1);
            const negScore = tf.sum(tf.mul(h, embed(tf, w.items, neg)), -1);
            const perPosition = tf.add(tf.softplus(tf.neg(posScore)), tf.softplus(negScore));
            return tf.div(
              tf.sum(tf.mul(perPosition, m)),
              tf.maximum(tf.sum(m), 1),
            ) as import('@tensorflow/tfjs').Scalar;
          }, true);
          return value?.dataSync()[0] ?? 0;
        });
        total += loss;
        batches++;
      }
      onEpoch?.(epoch + 1, epochs, total / Math.max(1, batches));
    }
    optimizer.dispose();
  }

  /** Scores of every product for each sequence (its latest products), as rows of one array. */
  scores(sequences: readonly (readonly number[])[]): Float32Array[] {
    const tf = this.tf;
    const w = this.weights;
    if (!tf || !w) throw new Error('sequence model: not fitted');
    const L = this.options.length;
    const out: Float32Array[] = [];
    for (let b = 0; b < sequences.length; b += 256) {
      const rows = sequences.slice(b, b + 256);
      const input = new Int32Array(rows.length * L);
      const mask = new Float32Array(rows.length * L);
      rows.forEach((seq, r) => {
        const tail = seq.slice(-L);
        tail.forEach((item, t) => {
          input[r * L + (L - tail.length + t)] = item + 1;
          mask[r * L + (L - tail.length + t)] = 1;
        });
      });
      const scores = tf.tidy(() => {
        const h = this.forward(
          tf,
          tf.tensor2d(input, [rows.length, L], 'int32'),
          tf.tensor2d(mask, [rows.length, L]),
          0,
        );
        const last = tf.squeeze(tf.slice(h, [0, L - 1, 0], [rows.length, 1, -1]), [1]);
        const table = tf.slice(w.items, [1, 0], [this.itemCount, -1]);
        return tf.matMul(last, table, false, true).dataSync() as Float32Array;
      });
      for (let r = 0; r < rows.length; r++)
        out.push(scores.slice(r * this.itemCount, (r + 1) * this.itemCount));
    }
    return out;
  }

  dispose(): void {
    const w = this.weights;
    if (!w) return;
    w.items.dispose();
    w.positions.dispose();
    for (const b of w.blocks) for (const v of Object.values(b)) v.dispose();
    this.weights = undefined;
  }

  /** The output at every position: embeddings plus positions, then the blocks (causal attention, feed-forward). */
  private forward(tf: Tf, input: Tensor, mask: Tensor, dropout: number): Tensor {
    const w = this.weights as Weights;
    const { length: L, dimensions: d } = this.options;
    const keep = tf.expandDims(mask, -1);
    const drop = (t: Tensor) => (dropout > 0 ? tf.dropout(t, dropout) : t);
    let h = tf.mul(tf.add(tf.mul(embed(tf, w.items, input), Math.sqrt(d)), w.positions), keep);
    h = drop(h);
    // Position i sees j ≤ i, and no padding.
    const causal = tf.linalg.bandPart(tf.ones([L, L]), -1, 0);
    const visible = tf.mul(causal, tf.expandDims(mask, 1));
    const blocked = tf.mul(tf.sub(1, visible), -1e9);
    for (const block of w.blocks) {
      const x = layerNorm(tf, h);
      const q = tf.matMul(tf.reshape(x, [-1, d]), block.q).reshape([-1, L, d]);
      const k = tf.matMul(tf.reshape(h, [-1, d]), block.k).reshape([-1, L, d]);
      const v = tf.matMul(tf.reshape(h, [-1, d]), block.v).reshape([-1, L, d]);
      const attention = tf.softmax(tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(d)), blocked));
      h = tf.mul(tf.add(x, drop(tf.matMul(attention, v))), keep);
      const y = layerNorm(tf, h);
      const f = tf.reshape(y, [-1, d]);
      const ffn = tf.add(
        tf.matMul(drop(tf.relu(tf.add(tf.matMul(f, block.ffn1), block.ffn1b))), block.ffn2),
        block.ffn2b,
      );
      h = tf.mul(tf.add(y, drop(tf.reshape(ffn, [-1, L, d]))), keep);
    }
    return layerNorm(tf, h);
  }
}

/**
 * Rows of `table` by `index`, with a gradient the wasm backend can compute: tf.gather's needs UnsortedSegmentSum,
 * which it lacks, so the gradient is a scatter-add (ScatterNd sums repeated rows).
 */
function embed(tf: Tf, table: Tensor, index: Tensor): Tensor {
  const [rows, width] = table.shape as [number, number];
  const forward = (t: Tensor, i: Tensor, save: (tensors: Tensor[]) => void) => {
    save([i]);
    return {
      value: tf.gather(t, i),
      gradFunc: (dy: Tensor, saved: Tensor[]) => [
        tf.scatterND(tf.reshape(saved[0] as Tensor, [-1, 1]), tf.reshape(dy, [-1, width]), [rows, width]),
        tf.zerosLike(saved[0] as Tensor),
      ],
    };
  };
  const lookup = tf.customGrad(forward as unknown as Parameters<Tf['customGrad']>[0]);
  return (lookup as unknown as (t: Tensor, i: Tensor) => Tensor)(table, index);
}

function layerNorm(tf: Tf, x: Tensor): Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-6)));
}
