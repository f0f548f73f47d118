import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { Matrix as Dense, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { Random } from '../../random.js';
import { FtrlProximal } from './ftrl.js';
import { LinearRegression, LinearSvm, LogisticRegression } from './linear.js';
import { choleskySolve } from '../numerics/dense-kernels.js';
import { denseRowsPay } from './linear-solver.js';
import { zeros, type Matrix } from '../numerics/matrix.js';
import { Pipeline } from './preprocess.js';

const SHOPPERS = fileURLToPath(
  new URL(
    '../../../../../shared/data/online-shoppers-intention/online_shoppers_intention.csv',
    import.meta.url,
  ),
);

/** The numeric columns of online-shoppers-intention (plain split: the file has no quoted commas). */
function shoppers(): { rows: Record<string, number | string>[]; numeric: string[] } {
  const [head, ...lines] = readFileSync(SHOPPERS, 'utf8').trim().split('\n');
  const names = (head as string).split(',');
  const rows = lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(
      names.map((n, i) => [n, Number.isNaN(Number(cells[i])) ? (cells[i] as string) : Number(cells[i])]),
    );
  });
  const numeric = names.filter((n) => typeof rows[0]![n] === 'number');
  return { rows, numeric };
}

describe('LinearRegression', () => {
  // The shared data sets are beside CI's checkout, not beside a clone of the repository alone.
  it.skipIf(!existsSync(SHOPPERS) && !process.env.CI)(
    'matches the closed-form least-squares solution (QR) on real data to 1e-6',
    async () => {
      const { rows, numeric } = shoppers();
      const target = 'ProductRelated_Duration';
      const columns = numeric.filter((c) => c !== target);
      const pipeline = new Pipeline({ scale: 'none' });
      pipeline.fit(rows, columns);
      const X = pipeline.transform(rows);
      const y = Float64Array.from(rows, (r) => r[target] as number);
      const model = new LinearRegression();
      await model.fit(X, y);
      // Independent solution: QR least squares of [X, 1] (ml-matrix's solve on a tall matrix).
      const A = new Dense(X.rows, X.cols + 1);
      for (let i = 0; i < X.rows; i++) {
        for (let j = 0; j < X.cols; j++) A.set(i, j, X.data[i * X.cols + j]!);
        A.set(i, X.cols, 1);
      }
      const exact = solve(A, Dense.columnVector(Array.from(y)));
      const e = model.explainOne(new Float64Array(X.cols));
      expect(Math.abs(e.base - exact.get(X.cols, 0))).toBeLessThan(
        1e-6 * Math.max(1, Math.abs(exact.get(X.cols, 0))),
      );
      const weights = model.explainOne(new Float64Array(X.cols).fill(1)).contributions;
      for (let j = 0; j < X.cols; j++) {
        expect(Math.abs(weights[j]! - exact.get(j, 0))).toBeLessThan(
          1e-6 * Math.max(1, Math.abs(exact.get(j, 0))),
        );
      }
    },
  );

  it('gives the minimum-norm solution when columns are collinear (one-hot with an intercept)', async () => {
    const X: Matrix = { rows: 4, cols: 2, data: Float64Array.from([1, 0, 0, 1, 1, 0, 0, 1]) };
    const model = new LinearRegression();
    await model.fit(X, Float64Array.from([2, 4, 2, 4]));
    expect(model.predictOne([1, 0])).toBeCloseTo(2, 9);
    expect(model.predictOne([0, 1])).toBeCloseTo(4, 9);
  });
});

function binaryData(n: number, d: number, seed: number): { X: Matrix; y: Float64Array } {
  const rng = new Random(seed);
  const X = zeros(n, d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = -0.5;
    for (let j = 0; j < d; j++) {
      const v = j % 3 === 0 ? (rng.next() < 0.3 ? 1 : 0) : rng.normal(0, 1 + j);
      X.data[i * d + j] = v;
      z += ((j % 2 === 0 ? 0.7 : -0.4) * v) / (1 + j / 3);
    }
    y[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X, y };
}

/** ∇ of C Σ loss + ½‖w‖² at the model's weights (intercept unpenalised). */
function gradient(
  model: LogisticRegression | LinearSvm,
  X: Matrix,
  y: Float64Array,
  c: number,
  loss: 'logistic' | 'squared_hinge',
): number {
  const e0 = model.explainOne(new Float64Array(X.cols).fill(1));
  const w = e0.contributions;
  const grad = new Float64Array(X.cols + 1);
  for (let i = 0; i < X.rows; i++) {
    let z = e0.base;
    for (let j = 0; j < X.cols; j++) z += w[j]! * X.data[i * X.cols + j]!;
    const s = y[i] === 1 ? 1 : -1;
    const g = loss === 'logistic' ? 1 / (1 + Math.exp(-z)) - y[i]! : s * z < 1 ? -2 * s * (1 - s * z) : 0;
    for (let j = 0; j < X.cols; j++) grad[j]! += c * g * X.data[i * X.cols + j]!;
    grad[X.cols]! += c * g;
  }
  for (let j = 0; j < X.cols; j++) grad[j]! += w[j]!;
  return Math.max(...Array.from(grad, Math.abs));
}

// Newton's Hessian is estimated from every third row here (2,000 rows, 13 parameters): the exact gradient below
// shows that the sampled Hessian changes the path, not the optimum.
describe('LogisticRegression and LinearSvm (squared hinge) reach the optimum of their objective', () => {
  it('logistic: the gradient vanishes at the solution (as scikit-learn lbfgs with C = 1)', async () => {
    const { X, y } = binaryData(2000, 12, 1);
    const model = new LogisticRegression({ c: 1, tolerance: 1e-9 });
    await model.fit(X, y);
    expect(gradient(model, X, y, 1, 'logistic')).toBeLessThan(1e-3);
    const loose = new LogisticRegression({ c: 0.01 });
    await loose.fit(X, y);
    expect(gradient(loose, X, y, 0.01, 'logistic')).toBeLessThan(1e-4 * 2000);
  });

  it('svm: the gradient of the squared-hinge objective vanishes; hinge by dual coordinate descent separates as well', async () => {
    const { X, y } = binaryData(2000, 12, 2);
    const model = new LinearSvm({ tolerance: 1e-9 });
    await model.fit(X, y);
    // The squared hinge's curvature jumps at the margin, so the solver ends a little further from 0 than for
    // logistic loss (scikit-learn's own stopping rule allows 1e-4 × rows = 0.2 here).
    expect(gradient(model, X, y, 1, 'squared_hinge')).toBeLessThan(1e-2);
    const hinge = new LinearSvm({ loss: 'hinge' });
    await hinge.fit(X, y);
    let agree = 0;
    for (let i = 0; i < X.rows; i++) {
      const x = X.data.subarray(i * X.cols, (i + 1) * X.cols);
      if (hinge.predictOne(x) === model.predictOne(x)) agree++;
    }
    expect(agree / X.rows).toBeGreaterThan(0.95);
  });

  it('over the rows non-zeros too (rows mostly zeros: one-hot columns), for both losses', async () => {
    // 40 one-hot columns of which each row has two set, and one number: 3 of 41 non-zero.
    const rng = new Random(3);
    const n = 3000;
    const d = 41;
    const X = zeros(n, d);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const a = Math.floor(rng.next() * 20);
      const b = 20 + Math.floor(rng.next() * 20);
      const v = rng.normal(0, 1);
      X.data[i * d + a] = 1;
      X.data[i * d + b] = 1;
      X.data[i * d + 40] = v;
      y[i] = rng.next() < 1 / (1 + Math.exp(-(a / 10 - b / 30 + v))) ? 1 : 0;
    }
    expect(denseRowsPay(X)).toBe(false);
    expect(denseRowsPay(binaryData(100, 12, 1).X)).toBe(true); // the tests above run on the dense copy
    const logistic = new LogisticRegression({ c: 1, tolerance: 1e-9 });
    await logistic.fit(X, y);
    expect(gradient(logistic, X, y, 1, 'logistic')).toBeLessThan(1e-3);
    const svm = new LinearSvm({ tolerance: 1e-9 });
    await svm.fit(X, y);
    expect(gradient(svm, X, y, 1, 'squared_hinge')).toBeLessThan(1e-2);
  });
});

describe('LinearSvm probabilities', () => {
  it('Platt scaling is the one-feature logistic regression (C = 1e4) of the training margins', async () => {
    const { X, y } = binaryData(3000, 8, 4);
    const svm = new LinearSvm();
    await svm.fit(X, y);
    const [a, b] = (svm.toJSON().state as { platt: [number, number] }).platt;
    const margins = zeros(X.rows, 1);
    for (let i = 0; i < X.rows; i++)
      margins.data[i] = svm.explainOne(X.data.subarray(i * 8, (i + 1) * 8)).output;
    const platt = new LogisticRegression({ c: 1e4, tolerance: 1e-10 });
    await platt.fit(margins, y);
    const e = platt.explainOne([1]);
    expect(a).toBeCloseTo(e.contributions[0]!, 6);
    expect(b).toBeCloseTo(e.base, 6);
    expect(a).toBeGreaterThan(0);
  });
});

describe('FtrlProximal', () => {
  /** McMahan et al. 2013, Algorithm 1, written plainly (per coordinate, from the paper's formulas). */
  function paperFtrl(
    rows: { x: Map<number, number>; y: number }[],
    dims: number,
    a: number,
    b: number,
    l1: number,
    l2: number,
  ) {
    const z = new Float64Array(dims);
    const n = new Float64Array(dims);
    const weight = (i: number) =>
      Math.abs(z[i]!) <= l1 ? 0 : -(z[i]! - Math.sign(z[i]!) * l1) / ((b + Math.sqrt(n[i]!)) / a + l2);
    for (const { x, y } of rows) {
      const full = new Map(x).set(dims - 1, 1); // the bias
      const w = new Map([...full.keys()].map((i) => [i, weight(i)]));
      let dot = 0;
      for (const [i, v] of full) dot += w.get(i)! * v;
      const p = 1 / (1 + Math.exp(-dot));
      for (const [i, v] of full) {
        const g = (p - y) * v;
        const sigma = (Math.sqrt(n[i]! + g * g) - Math.sqrt(n[i]!)) / a;
        z[i]! += g - sigma * w.get(i)!;
        n[i]! += g * g;
      }
    }
    return Array.from({ length: dims }, (_, i) => weight(i));
  }

  it('matches Algorithm 1 of the paper update by update, and L1 zeroes irrelevant weights exactly', () => {
    const rng = new Random(9);
    const dims = 50;
    const rows = Array.from({ length: 3000 }, () => {
      const x = new Map<number, number>();
      while (x.size < 6) x.set(rng.int(0, dims), rng.next() < 0.5 ? 1 : rng.normal());
      // Only the first 10 features matter.
      let z = 0;
      for (const [i, v] of x) if (i < 10) z += (i % 2 ? 2 : -2) * v;
      return { x, y: rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0 };
    });
    const model = new FtrlProximal({ alpha: 0.1, beta: 1, l1: 8, l2: 1 }).init(dims);
    for (const { x, y } of rows) {
      const indices = Int32Array.from(x.keys());
      const values = Float64Array.from(x.values());
      model.learnSparse(indices, values, indices.length, y);
    }
    const ours = model.weights();
    const paper = paperFtrl(rows, dims + 1, 0.1, 1, 8, 1);
    for (let i = 0; i <= dims; i++) expect(ours[i]).toBeCloseTo(paper[i]!, 9);
    const zeros = Array.from(ours.subarray(10, dims)).filter((w) => w === 0).length;
    expect(zeros).toBeGreaterThanOrEqual(25); // most of the 40 irrelevant weights are exactly zero
    expect(Array.from(ours.subarray(0, 10)).every((w) => w !== 0)).toBe(true);
    expect(model.updateCount).toBe(3000);
  });

  it('learnOne on dense rows equals learnSparse on their non-zeros', () => {
    const a = new FtrlProximal();
    const b = new FtrlProximal().init(4);
    const rows = [
      [0, 1.5, 0, -2],
      [1, 0, 0, 3],
      [0, 0, 2, 0],
    ];
    rows.forEach((x, k) => {
      a.learnOne(x, k % 2);
      const idx = x.flatMap((v, i) => (v !== 0 ? [i] : []));
      b.learnSparse(
        Int32Array.from(idx),
        Float64Array.from(idx, (i) => x[i]!),
        idx.length,
        k % 2,
      );
    });
    expect(Array.from(a.weights())).toEqual(Array.from(b.weights()));
  });
});

it('FTRL restored from JSON goes on learning exactly like the original', () => {
  const a = new FtrlProximal();
  const rows = [
    [0, 1.5, 0, -2],
    [1, 0, 0, 3],
    [0, 0, 2, 0],
  ];
  rows.forEach((x, k) => a.learnOne(x, k % 2));
  const b = FtrlProximal.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
  for (const model of [a, b]) model.learnOne([2, 0, 1, 0], 1);
  expect(Array.from(b.weights())).toEqual(Array.from(a.weights()));
  expect(b.updateCount).toBe(4);
});

it('choleskySolve solves a positive definite system from its upper triangle, and refuses an indefinite one', () => {
  const rng = new Random(11);
  const p = 9;
  const B = Dense.rand(p, p, { random: () => rng.next() });
  const A = B.mmul(B.transpose()).add(Dense.eye(p));
  const b = Float64Array.from({ length: p }, () => rng.normal(0, 1));
  const upper = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = i; j < p; j++) upper[i * p + j] = A.get(i, j);
  const x = new Float64Array(p);
  const given = upper.slice();
  expect(choleskySolve(upper, p, b, x)).toBe(true);
  const expected = solve(A, Dense.columnVector(Array.from(b)));
  for (let i = 0; i < p; i++) expect(x[i]).toBeCloseTo(expected.get(i, 0), 9);
  expect(upper).toEqual(given);
  // A larger system after it (the kernels' memory grows), then the small one again.
  const q = 40;
  const C = Dense.rand(q, q, { random: () => rng.next() });
  const big = C.mmul(C.transpose()).add(Dense.eye(q));
  const rhs = Float64Array.from({ length: q }, () => rng.normal(0, 1));
  const y = new Float64Array(q);
  expect(
    choleskySolve(
      Float64Array.from({ length: q * q }, (_, k) => big.get(Math.floor(k / q), k % q)),
      q,
      rhs,
      y,
    ),
  ).toBe(true);
  const bigExpected = solve(big, Dense.columnVector(Array.from(rhs)));
  for (let i = 0; i < q; i++) expect(y[i]).toBeCloseTo(bigExpected.get(i, 0), 8);
  const again = new Float64Array(p);
  expect(choleskySolve(upper, p, b, again)).toBe(true);
  expect(again).toEqual(x);
  const indefinite = Float64Array.from([1, 2, 0, 1]); // [[1, 2], [2, 1]]: eigenvalues 3 and −1
  expect(choleskySolve(indefinite, 2, Float64Array.from([1, 1]), new Float64Array(2))).toBe(false);
});
