// The MLP's TensorFlow.js set-up: the kernels it replaces (tf-kernels.ts) must give the results of the definition
// (BatchMatMul for every transpose flag and for batched operands; Transpose and Sum, float for float, for shapes
// on and off their four-wide blocks), and its batch loss's written-out gradient must be the autodiff one.
import { describe, expect, it } from 'vitest';
import { Random } from '../../random.js';
import { batchLoss, loadTensorflow } from './mlp.js';
import { replacedKernels } from '../numerics/tf-kernels.js';

/** Random numbers for a tensor of `shape`, row-major. */
function randomArray(rng: Random, shape: number[]): number[] {
  return Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
}

/** Σₖ op(a)[i, k] · op(b)[k, j] in float64, op transposing the last two axes when asked. */
function reference(
  a: number[],
  b: number[],
  [batch, aRows, aCols]: number[],
  [, bRows, bCols]: number[],
  transposeA: boolean,
  transposeB: boolean,
): number[] {
  const m = transposeA ? aCols! : aRows!;
  const k = transposeA ? aRows! : aCols!;
  const n = transposeB ? bRows! : bCols!;
  const out: number[] = [];
  for (let t = 0; t < batch!; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let l = 0; l < k; l++) {
          const x = transposeA
            ? a[t * aRows! * aCols! + l * aCols! + i]!
            : a[t * aRows! * aCols! + i * aCols! + l]!;
          const y = transposeB
            ? b[t * bRows! * bCols! + j * bCols! + l]!
            : b[t * bRows! * bCols! + l * bCols! + j]!;
          s += x * y;
        }
        out.push(s);
      }
    }
  }
  return out;
}

describe('TensorFlow.js as the MLP loads it', () => {
  it('multiplies with either operand transposed, 2-D and batched, as the definition says', async () => {
    const tf = await loadTensorflow();
    const rng = new Random(5);
    // The wrapper's transposed copies live in the backend only: they must be freed there too.
    const buffers = () => tf.engine().backend.numDataIds();
    const before = buffers();
    const cases: [number[], number[], boolean, boolean][] = [
      [[1, 37, 9], [1, 37, 21], true, false], // a dense layer's weight gradient: xᵀ · dy
      [[1, 37, 21], [1, 9, 21], false, true], // its input gradient: dy · wᵀ
      [[1, 21, 37], [1, 9, 21], true, true],
      [[1, 37, 9], [1, 9, 21], false, false],
      [[3, 8, 5], [3, 8, 6], true, false],
      [[3, 5, 8], [3, 6, 8], false, true],
    ];
    for (const [aShape, bShape, transposeA, transposeB] of cases) {
      const a = randomArray(rng, aShape);
      const b = randomArray(rng, bShape);
      const batched = aShape[0]! > 1;
      const shapeOf = (s: number[]) => (batched ? s : s.slice(1));
      const out = tf.tidy(() =>
        tf.matMul(tf.tensor(a, shapeOf(aShape)), tf.tensor(b, shapeOf(bShape)), transposeA, transposeB),
      );
      const product = out.dataSync();
      out.dispose();
      const expected = reference(a, b, aShape, bShape, transposeA, transposeB);
      expect(product.length).toBe(expected.length);
      const worst = Math.max(...expected.map((v, i) => Math.abs(v - product[i]!)));
      expect(worst, `${aShape} × ${bShape}, transposeA ${transposeA}, transposeB ${transposeB}`).toBeLessThan(
        1e-4,
      );
    }
    expect(buffers()).toBe(before);
  });

  // Shapes on the kernels' four-wide blocks, off them by one to three rows or columns, and degenerate ones.
  const SHAPES: [number, number][] = [
    [1, 1],
    [1, 9],
    [9, 1],
    [3, 3],
    [4, 4],
    [5, 8],
    [8, 13],
    [37, 22],
    [256, 11],
  ];

  it('transposes 2-D tensors float for float, and rank-3 ones through the backend', async () => {
    const tf = await loadTensorflow();
    // All three are ours (the backend exposes its memory): else the tests below would check the backend's own.
    expect(replacedKernels).toEqual(['Transpose', 'Sum', 'BatchMatMul']);
    const rng = new Random(6);
    const before = tf.engine().backend.numDataIds();
    for (const [rows, cols] of SHAPES) {
      const a = Float32Array.from(randomArray(rng, [rows, cols]));
      const t = tf.tidy(() => tf.transpose(tf.tensor2d(a, [rows, cols])));
      expect(t.shape).toEqual([cols, rows]);
      const out = t.dataSync();
      t.dispose();
      const expected = Float32Array.from(
        { length: rows * cols },
        (_, k) => a[(k % rows) * cols + Math.floor(k / rows)]!,
      );
      expect(Array.from(out), `${rows} × ${cols}`).toEqual(Array.from(expected));
    }
    const cube = tf.tidy(() => tf.transpose(tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]), [0, 2, 1]));
    expect(Array.from(cube.dataSync())).toEqual([1, 3, 2, 4, 5, 7, 6, 8]);
    cube.dispose();
    expect(tf.engine().backend.numDataIds()).toBe(before);
  });

  it('sums the rows of 2-D tensors in the same float32 order as the backend, with and without keepDims', async () => {
    const tf = await loadTensorflow();
    const rng = new Random(8);
    for (const [rows, cols] of SHAPES) {
      const a = Float32Array.from(randomArray(rng, [rows, cols]));
      const expected = Array.from({ length: cols }, (_, j) => {
        let sum = 0;
        for (let i = 0; i < rows; i++) sum = Math.fround(sum + a[i * cols + j]!);
        return sum;
      });
      for (const keepDims of [false, true]) {
        const s = tf.tidy(() => tf.sum(tf.tensor2d(a, [rows, cols]), 0, keepDims));
        expect(s.shape).toEqual(keepDims ? [1, cols] : [cols]);
        expect(Array.from(s.dataSync()), `${rows} × ${cols}`).toEqual(expected);
        s.dispose();
      }
    }
    // Other axes go to the backend's own kernel.
    const across = tf.tidy(() => tf.sum(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]), 1));
    expect(Array.from(across.dataSync())).toEqual([6, 15]);
    across.dispose();
  });

  it("the batch loss's written-out gradient is TensorFlow.js's own, and its value is its own loss", async () => {
    const tf = await loadTensorflow();
    const rng = new Random(9);
    const z = tf.tensor2d(
      randomArray(rng, [50, 1]).map((v) => 3 * v),
      [50, 1],
    );
    const labels = {
      binary: tf.tensor2d(
        Array.from({ length: 50 }, () => (rng.next() < 0.3 ? 1 : 0)),
        [50, 1],
      ),
      regression: tf.tensor2d(randomArray(rng, [50, 1]), [50, 1]),
    };
    for (const task of ['binary', 'regression'] as const) {
      const y = labels[task];
      const own = (out: import('@tensorflow/tfjs').Tensor) =>
        task === 'binary' ? tf.losses.sigmoidCrossEntropy(y, out) : tf.losses.meanSquaredError(y, out);
      const expected = tf.valueAndGrad(own)(z);
      const ours = tf.valueAndGrad(batchLoss(tf, task, y, true))(z);
      expect(ours.value.dataSync()[0]).toBeCloseTo(expected.value.dataSync()[0]!, 6);
      const worst = Math.max(
        ...Array.from(ours.grad.dataSync(), (g, i) => Math.abs(g - expected.grad.dataSync()[i]!)),
      );
      expect(worst, task).toBeLessThan(1e-7);
      // Where the value is not wanted it is 0, and the gradient is the same.
      const quiet = tf.valueAndGrad(batchLoss(tf, task, y, false))(z);
      expect(quiet.value.dataSync()[0]).toBe(0);
      expect(Array.from(quiet.grad.dataSync())).toEqual(Array.from(ours.grad.dataSync()));
      tf.dispose([expected.value, expected.grad, ours.value, ours.grad, quiet.value, quiet.grad]);
    }
    tf.dispose([z, labels.binary, labels.regression]);
  });
});
