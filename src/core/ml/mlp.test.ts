// The MLP's TensorFlow.js set-up: the BatchMatMul kernel that transposes an operand before multiplying must give
// the products of the definition, for every transpose flag and for batched (rank-3) operands.
import { describe, expect, it } from 'vitest';
import { Random } from '../random.js';
import { loadTensorflow } from './mlp.js';

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
});
