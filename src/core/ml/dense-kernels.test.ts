import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { MODULES, bytesModule, compileWat } from '../../../scripts/build-wasm.js';
import { DenseRows } from './dense-kernels.js';
import { zeros, type Matrix } from './matrix.js';
import { Random } from '../random.js';

describe('dense kernels (WebAssembly)', () => {
  it('each module carried in a .bytes.ts file is its .wat compiled (npm run build:wasm)', async () => {
    expect(MODULES.length).toBeGreaterThan(1);
    for (const module of MODULES) {
      const base64 = await compileWat(module.wat);
      expect(readFileSync(module.bytesModule, 'utf8'), module.wat).toBe(bytesModule(module, base64));
    }
  });

  /** Rows with about half their numbers zero, as one-hot columns make them. */
  function randomRows(n: number, d: number, rng: Random): Matrix {
    const X = zeros(n, d);
    for (let i = 0; i < X.data.length; i++) X.data[i] = rng.next() < 0.5 ? 0 : rng.normal(0, 2);
    return X;
  }

  // Widths around the multiple of four that rows are padded to (columns + 1 for the intercept). Each case first
  // fills the memory with NaN through an earlier matrix: the memory is reused, and a number left over where the
  // new rows' padding or θ's lies would show.
  it.each([
    [37, 1],
    [50, 2],
    [41, 3],
    [64, 4],
    [23, 30],
    [9, 7],
  ])('margins, gradient and the sampled Hessian equal plain loops (%i rows, %i columns)', (n, d) => {
    const rng = new Random(n * 100 + d);
    const earlier = zeros(60, 40);
    earlier.data.fill(Number.NaN);
    const stale = new DenseRows(earlier);
    stale.margins(new Float64Array(41).fill(Number.NaN));
    for (const v of [stale.z, stale.g, stale.h]) v.fill(Number.NaN);
    const X = randomRows(n, d, rng);
    const rows = new DenseRows(X);
    const p = d + 1;
    const x = (i: number, j: number) => (j === d ? 1 : (X.data[i * d + j] as number));
    const theta = Float64Array.from({ length: p }, () => rng.normal(0, 1));
    rows.margins(theta);
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let j = 0; j < p; j++) z += x(i, j) * (theta[j] as number);
      expect(rows.z[i]).toBeCloseTo(z, 10);
    }
    for (let i = 0; i < n; i++) rows.g[i] = i % 5 === 0 ? 0 : rng.normal(0, 1);
    const sum = new Float64Array(p);
    rows.gradient(sum);
    for (let j = 0; j < p; j++) {
      let v = 0;
      for (let i = 0; i < n; i++) v += (rows.g[i] as number) * x(i, j);
      expect(sum[j]).toBeCloseTo(v, 10);
    }
    for (const step of [1, 3]) {
      const sampled = Math.ceil(n / step);
      for (let k = 0; k < sampled; k++) rows.h[k] = k % 4 === 0 ? 0 : rng.next();
      const square = new Float64Array(p * p);
      rows.hessian(step, square);
      for (let a = 0; a < p; a++) {
        for (let b = a; b < p; b++) {
          let v = 0;
          for (let i = 0, k = 0; i < n; i += step, k++) v += (rows.h[k] as number) * x(i, a) * x(i, b);
          expect(square[a * p + b]).toBeCloseTo(v, 10);
        }
      }
    }
  });
});
