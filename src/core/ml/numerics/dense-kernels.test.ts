import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { MODULES, bytesModule, compileWat } from '../../../../scripts/build-wasm.js';
import { DenseRows, kernelMath } from './dense-kernels.js';
import { rowLosses } from '../models/linear-solver.js';
import { zeros, type Matrix } from './matrix.js';
import { Random } from '../../random.js';

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
  // fills the memory with NaN through an earlier matrix's views: the memory is reused, and a number left over
  // where the new rows' padding or θ's lies would show.
  it.each([
    [37, 1],
    [50, 2],
    [41, 3],
    [64, 4],
    [23, 30],
    [9, 7],
  ])('margins, gradient and the sampled Hessian equal plain loops (%i rows, %i columns)', (n, d) => {
    const rng = new Random(n * 100 + d);
    const stale = new DenseRows(zeros(60, 40), new Float64Array(60));
    new Float64Array(stale.z.buffer).fill(Number.NaN);
    const X = randomRows(n, d, rng);
    const rows = new DenseRows(X, new Float64Array(n));
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

  // The copy's check: an even and an odd count of numbers (the kernel takes two at a time), the bad number first,
  // inside, and last.
  it.each([
    [6, 4, 0, Number.NaN],
    [5, 3, 7, Number.POSITIVE_INFINITY],
    [5, 3, 14, Number.NEGATIVE_INFINITY],
    [4, 4, 15, Number.NaN],
  ])(
    'refuses a %i × %i matrix with a non-finite number at %i, naming its row and column',
    (n, d, at, bad) => {
      const X = zeros(n, d);
      X.data.fill(0.5);
      X.data[at] = bad;
      expect(() => new DenseRows(X, new Float64Array(n))).toThrow(
        `column ${at % d}: row ${Math.floor(at / d)} is ${String(bad)}, not a finite number`,
      );
      X.data[at] = 2;
      expect(() => new DenseRows(X, new Float64Array(n))).not.toThrow();
    },
  );

  it("the kernels' exp and log are V8's Math.exp and Math.log, number for number", () => {
    const { exp, log } = kernelMath();
    const rng = new Random(12);
    const special = [
      0,
      -0,
      1,
      -1,
      0.5,
      1e-30,
      -1e-30,
      709.78,
      -745.2,
      -746,
      1000,
      -1000,
      Infinity,
      -Infinity,
      NaN,
    ];
    const xs = [...special, ...Array.from({ length: 60_000 }, (_, i) => rng.normal(0, [1, 20, 400][i % 3]!))];
    for (const x of xs) expect(Object.is(exp(x), Math.exp(x)), `exp(${x})`).toBe(true);
    const positive = [
      1,
      2,
      0.5,
      1e-310,
      5e-324,
      0,
      -0,
      -1,
      Infinity,
      NaN,
      1 + 2 ** -30,
      1 - 2 ** -30,
      2 ** 512,
    ];
    const ls = [
      ...positive,
      ...Array.from({ length: 60_000 }, (_, i) => Math.exp(rng.normal(0, [0.3, 5, 200][i % 3]!))),
    ];
    for (const x of ls) expect(Object.is(log(x), Math.log(x)), `log(${x})`).toBe(true);
  });

  // More than 512 rows, so that the logistic loss's products are taken as logs more than once, and an odd count.
  it.each([
    [true, 1, 1301],
    [false, 1, 1301],
    [true, 0.3, 7],
    [false, 2.5, 7],
  ])('the losses (logistic %s, C %d, %i rows) are rowLosses, number for number', (logistic, c, n) => {
    const rng = new Random(n);
    const X = zeros(n, 3);
    for (let i = 0; i < X.data.length; i++) X.data[i] = rng.normal(0, 2);
    const y = Float64Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
    const rows = new DenseRows(X, y);
    rows.margins(Float64Array.from([0.8, -1.5, 0.3, 0.2]));
    rows.g.fill(Number.NaN);
    const f = rows.loss(c, logistic);
    const g = new Float64Array(n);
    expect(f).toBe(rowLosses(rows.z, y, g, c, logistic));
    expect(Array.from(rows.g)).toEqual(Array.from(g));
    expect(f).toBeGreaterThan(0);
  });
});
