// Gradient-boosted trees checked against plain definitions: the best stump by enumerating every threshold, Shapley
// values by enumerating every subset of features, NDCG by its formula; bins, missing values and bad input.
import { describe, expect, it } from 'vitest';
import { Random } from '../../random.js';
import { zeros, type Matrix } from '../numerics/matrix.js';
import { ndcgAt } from '../numerics/metrics.js';
import { DEFAULT_GBDT, Gbdt } from './gbdt.js';
import { binBounds, binMatrix, binOf } from './gbdt/bins.js';
import { Forest, type ForestJSON } from './gbdt/forest.js';
import { TreeGrower } from './gbdt/grow.js';
import { TreeShap } from './gbdt/tree-shap.js';
import { binaryLogistic } from './gbdt/objectives.js';
import { TabularModel, trainTabular } from '../lifecycle/tabular.js';

function table(rows: number, cols: number, seed: number, f: (x: Float64Array, rng: Random) => number) {
  const rng = new Random(seed);
  const X = zeros(rows, cols);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const x = X.data.subarray(i * cols, (i + 1) * cols);
    for (let j = 0; j < cols; j++) x[j] = Math.round(rng.normal() * 100) / 10;
    y[i] = f(x, rng);
  }
  return { X, y };
}

const forestOf = (model: Gbdt) => Forest.fromJSON((model.toJSON().state as { forest: ForestJSON }).forest);

describe('bins', () => {
  it('one bin per distinct value when there are few; bounds midway; NaN in its own bin', () => {
    const bounds = binBounds(Float64Array.of(3, 1, 2, 2, Number.NaN), 255);
    expect(Array.from(bounds)).toEqual([1.5, 2.5, Infinity]);
    expect([1, 2, 3, 2.6, -5, Number.NaN].map((v) => binOf(bounds, v))).toEqual([0, 1, 2, 2, 0, 3]);
  });

  it('at most maxBins bins of about equal counts, never cutting between equal values', () => {
    const rng = new Random(1);
    const values = Float64Array.from({ length: 10_000 }, () => (rng.next() < 0.3 ? 0 : rng.normal()));
    const bounds = binBounds(values, 16);
    expect(bounds.length).toBeLessThanOrEqual(16);
    const counts = new Array<number>(bounds.length).fill(0);
    for (const v of values) counts[binOf(bounds, v)]!++;
    // 30% of the values are exactly 0: one bin holds them all; the others share the rest about evenly.
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(3000);
    const rest = counts.filter((c) => c < 3000);
    expect(Math.min(...rest)).toBeGreaterThan(7000 / 16 / 3);
    // A bound is never equal to a value, so `v ≤ bound` and the bin agree for every training value.
    for (const v of values) expect(bounds.includes(v)).toBe(false);
  });

  it('a raw value and its bin go the same way at every bound (binMatrix)', () => {
    const { X } = table(500, 3, 2, () => 0);
    const binned = binMatrix(X, 32);
    for (let i = 0; i < 500; i++) {
      for (let j = 0; j < 3; j++) {
        const v = X.data[i * 3 + j]!;
        const code = binned.codes[i * 3 + j]!;
        const u = binned.uppers[j]!;
        for (let b = 0; b < u.length; b++) expect(v <= u[b]!).toBe(code <= b);
      }
    }
  });
});

describe('the WebAssembly loops against the JavaScript ones', () => {
  it('grow the same trees, on sparse (one-hot) and dense columns, all rows or a sample, missing values too', () => {
    const rng = new Random(14);
    for (const oneHot of [true, false]) {
      const cols = 8;
      const X = zeros(3000, cols);
      for (let i = 0; i < 3000; i++) {
        for (let j = 0; j < cols; j++) {
          const dense = !oneHot || j < 2;
          X.data[i * cols + j] = dense ? rng.normal() : rng.next() < 0.1 ? 1 : 0;
        }
        if (i % 17 === 0) X.data[i * cols + 1] = Number.NaN;
      }
      const binned = binMatrix(X, 64);
      expect(binned.sparse).toBe(oneHot);
      const settings = { ...DEFAULT_GBDT, maxDepth: 5 };
      const wasm = new TreeGrower(binned, settings);
      const js = new TreeGrower(binned, settings, { kernels: false });
      expect([wasm.kernels, js.kernels]).toEqual([true, false]);
      for (const grower of [wasm, js]) {
        for (let i = 0; i < 3000; i++) {
          let g = 0.3 * Math.sin(i);
          for (let j = 0; j < cols; j++) g += (j % 2 ? 1 : -1) * (X.data[i * cols + j]! || 0) * (1 + j / 4);
          grower.grad[i] = g;
          grower.hess[i] = 0.5 + 0.25 * Math.cos(i);
        }
      }
      const all = Uint32Array.from({ length: 3000 }, (_, i) => i);
      const sample = all.filter((i) => i % 3 !== 0);
      const every = Int32Array.from({ length: cols }, (_, j) => j);
      const some = Int32Array.of(0, 2, 3, 5);
      for (const [rows, columns] of [
        [all, every],
        [sample, every],
        [all, some],
        [sample, some],
      ] as const) {
        const a = wasm.grow(rows, columns);
        const b = js.grow(rows, columns);
        expect(a.feature.filter((f) => f >= 0).length).toBeGreaterThan(10);
        expect(a).toEqual(b);
      }
    }
  });
});

describe('the gradients kernel against the objective', () => {
  it('gives binary log loss its gradients and hessians number for number, weights and extremes included', () => {
    const { X } = table(500, 2, 15, () => 0);
    const grower = new TreeGrower(binMatrix(X, 16), { ...DEFAULT_GBDT, maxDepth: 3 });
    const rng = new Random(16);
    for (let i = 0; i < 500; i++) {
      grower.raw[i] = i < 4 ? [-800, 800, -40, 40][i]! : rng.normal(0, 5);
      grower.labels[i] = rng.next() < 0.3 ? 1 : 0;
    }
    const grad = new Float64Array(500);
    const hess = new Float64Array(500);
    for (const weight of [1, 7.5]) {
      binaryLogistic(weight).gradients(grower.raw, grower.labels, grad, hess);
      expect(grower.logisticGradients(weight)).toBe(true);
      expect(Array.from(grower.grad)).toEqual(Array.from(grad));
      expect(Array.from(grower.hess)).toEqual(Array.from(hess));
    }
  });
});

describe('the learner against plain definitions', () => {
  it('one tree of depth 1 is the best stump over every column and threshold (brute force)', async () => {
    const { X, y } = table(200, 4, 3, (x, rng) => 2 * x[1]! - x[3]! + rng.normal());
    const lambda = 1;
    const model = new Gbdt({
      task: 'regression',
      nEstimators: 1,
      maxDepth: 1,
      learningRate: 1,
      lambda,
      minChildWeight: 0,
    });
    await model.fit(X, y);
    // The plain definition: g = base − y, h = 1; gain = G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ).
    const base = y.reduce((s, v) => s + v, 0) / y.length;
    const g = Array.from(y, (v) => base - v);
    const G = g.reduce((s, v) => s + v, 0);
    let best = { gain: -Infinity, j: -1, t: 0, left: 0, right: 0 };
    for (let j = 0; j < 4; j++) {
      const values = [...new Set(Array.from({ length: 200 }, (_, i) => X.data[i * 4 + j]!))].sort(
        (a, b) => a - b,
      );
      for (let k = 0; k + 1 < values.length; k++) {
        const t = (values[k]! + values[k + 1]!) / 2;
        let gl = 0;
        let hl = 0;
        for (let i = 0; i < 200; i++) {
          if (X.data[i * 4 + j]! <= t) {
            gl += g[i]!;
            hl += 1;
          }
        }
        const gain = gl ** 2 / (hl + lambda) + (G - gl) ** 2 / (200 - hl + lambda) - G ** 2 / (200 + lambda);
        if (gain > best.gain)
          best = { gain, j, t, left: -gl / (hl + lambda), right: -(G - gl) / (200 - hl + lambda) };
      }
    }
    for (let i = 0; i < 200; i++) {
      const x = X.data.subarray(i * 4, (i + 1) * 4);
      const expected = base + (x[best.j]! <= best.t ? best.left : best.right);
      expect(model.predictOne(x)).toBeCloseTo(expected, 9);
    }
  });

  it('predictions equal a plain walk of each tree, missing values and odd counts of trees and rows included', async () => {
    const { X, y } = table(403, 4, 13, (x, rng) => (x[0]! - x[2]! + rng.normal() > 0 ? 1 : 0));
    for (let i = 0; i < 403; i += 5) X.data[i * 4 + (i % 4)] = Number.NaN;
    const model = new Gbdt({ nEstimators: 23, maxDepth: 5, subsample: 0.7, seed: 3 });
    await model.fit(X, y);
    const f = forestOf(model);
    const walk = (x: ArrayLike<number>) => {
      let sum = f.base;
      for (const root of f.roots) {
        let n = root;
        while (f.feature[n]! >= 0) {
          const v = x[f.feature[n]!]!;
          const left = Number.isNaN(v) ? f.missingLeft[n] === 1 : v <= f.threshold[n]!;
          n = left ? f.left[n]! : f.right[n]!;
        }
        sum += f.value[n]!;
      }
      return sum;
    };
    // With missing values, and without (each has its own walk).
    const complete = { ...X, data: X.data.map((v) => (Number.isNaN(v) ? 0.5 : v)) };
    for (const M of [X, complete]) {
      // The WebAssembly walk (a batch of 64 rows or more) and the JavaScript one.
      const many = f.rawMany(M);
      const js = f.rawManyJs(M, new Float64Array(M.rows).fill(f.base));
      for (let i = 0; i < 403; i++) {
        const x = M.data.subarray(i * 4, (i + 1) * 4);
        expect(f.rawOne(x)).toBeCloseTo(walk(x), 12);
        expect(many[i]).toBeCloseTo(walk(x), 12);
        expect(js[i]).toBeCloseTo(walk(x), 12);
      }
    }
  });

  it('TreeSHAP equals Shapley values by enumerating every subset, and sums to the raw score within 1e-9', async () => {
    // Three columns and depth 5: paths split on one column more than once (the algorithm's unwinding case).
    for (const [cols, depth, seed] of [
      [3, 5, 4],
      [5, 4, 5],
      [6, 3, 6],
    ] as const) {
      const { X, y } = table(300, cols, seed, (x, rng) =>
        x[0]! * x[1]! + x[cols - 1]! + rng.normal() > 0 ? 1 : 0,
      );
      for (let i = 0; i < 300; i += 7) X.data[i * cols + 1] = Number.NaN; // missing values, with their own side
      const model = new Gbdt({ nEstimators: 4, maxDepth: depth, learningRate: 0.5, minChildWeight: 0.1 });
      await model.fit(X, y);
      const forest = forestOf(model);
      const shap = new TreeShap(forest);
      for (let i = 0; i < 12; i++) {
        const x = X.data.subarray(i * cols, (i + 1) * cols);
        const { base, contributions } = shap.explain(x, cols);
        const brute = bruteShapley(forest, x, cols);
        expect(base).toBeCloseTo(brute.base, 12);
        for (let j = 0; j < cols; j++) expect(contributions[j]).toBeCloseTo(brute.phi[j]!, 10);
        const sum = contributions.reduce((s, c) => s + c, base);
        expect(Math.abs(sum - forest.rawOne(x))).toBeLessThan(1e-9);
        const e = model.explainOne(x);
        expect(e.method).toBe('tree-shap');
        expect(Math.abs(e.contributions.reduce((s, c) => s + c, e.base) - e.output)).toBeLessThan(1e-9);
      }
    }
  });
});

describe('path attribution', () => {
  it('gives each split the change of the expected output along the path (a plain walk), summing to the raw score', async () => {
    const cols = 4;
    const { X, y } = table(300, cols, 9, (x, rng) => (x[0]! * x[2]! + x[3]! + rng.normal() > 0 ? 1 : 0));
    for (let i = 0; i < 300; i += 5) X.data[i * cols + 2] = Number.NaN;
    const model = new Gbdt({ nEstimators: 5, maxDepth: 4, learningRate: 0.5, minChildWeight: 0.1 });
    await model.fit(X, y);
    const forest = forestOf(model);
    const everything = new Set(Array.from({ length: cols }, (_, j) => j));
    for (let i = 0; i < 20; i++) {
      const x = X.data.subarray(i * cols, (i + 1) * cols);
      // The plain definition: walk each tree, crediting each split's feature with E[child] − E[node], where E of a
      // node is the cover-weighted mean of the leaves below it (a one-tree forest's expectation with nothing known).
      const phi = new Array<number>(cols).fill(0);
      for (const root of forest.roots) {
        const sub = (n: number) =>
          expectedGiven({ ...forest, roots: Int32Array.of(n), base: 0 } as unknown as Forest, x, new Set());
        for (let n = root; forest.feature[n]! >= 0; n = forest.childOf(n, x)) {
          phi[forest.feature[n]!]! += sub(forest.childOf(n, x)) - sub(n);
        }
      }
      const e = model.explainFast(x);
      expect(e.method).toBe('tree-path');
      for (let j = 0; j < cols; j++) expect(e.contributions[j]).toBeCloseTo(phi[j]!, 10);
      expect(Math.abs(e.contributions.reduce((s, c) => s + c, e.base) - e.output)).toBeLessThan(1e-9);
      expect(e.output).toBeCloseTo(expectedGiven(forest, x, everything), 9);
    }
  });
});

/** The expected output of a forest when only the columns in `known` are known (the others: cover-weighted). */
function expectedGiven(forest: Forest, x: ArrayLike<number>, known: Set<number>): number {
  const walk = (n: number): number => {
    const f = forest.feature[n]!;
    if (f < 0) return forest.value[n]!;
    if (known.has(f)) return walk(forest.childOf(n, x));
    const l = forest.left[n]!;
    const r = forest.right[n]!;
    return (forest.cover[l]! * walk(l) + forest.cover[r]! * walk(r)) / forest.cover[n]!;
  };
  let sum = forest.base;
  for (const root of forest.roots) sum += walk(root);
  return sum;
}

function bruteShapley(forest: Forest, x: ArrayLike<number>, cols: number): { base: number; phi: number[] } {
  const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
  const phi = new Array<number>(cols).fill(0);
  for (let j = 0; j < cols; j++) {
    for (let mask = 0; mask < 1 << cols; mask++) {
      if (mask & (1 << j)) continue;
      const S = new Set<number>();
      for (let k = 0; k < cols; k++) if (mask & (1 << k)) S.add(k);
      const weight = (factorial(S.size) * factorial(cols - S.size - 1)) / factorial(cols);
      const without = expectedGiven(forest, x, S);
      S.add(j);
      phi[j]! += weight * (expectedGiven(forest, x, S) - without);
    }
  }
  return { base: expectedGiven(forest, x, new Set()), phi };
}

describe('missing values, ranking, early stopping', () => {
  it('learns where a missing value goes: NaN means the positive class here', async () => {
    const { X, y } = table(2000, 3, 7, (x, rng) => (rng.next() < 0.3 ? 1 : 0));
    for (let i = 0; i < 2000; i++) if (y[i] === 1) X.data[i * 3] = Number.NaN;
    const model = new Gbdt({ nEstimators: 20, maxDepth: 2 });
    await model.fit(X, y);
    expect(model.predictProbaOne([Number.NaN, 0, 0])).toBeGreaterThan(0.95);
    expect(model.predictProbaOne([0.5, 0, 0])).toBeLessThan(0.05);
    expect(model.gainImportance[0]).toBeGreaterThan(model.gainImportance[1]! * 100);
  });

  it('missing: keep carries missing cells to the trees through the pipeline, and through its JSON', async () => {
    const rng = new Random(12);
    // A missing income means a positive row here; the other models would need it filled (and lose that).
    const rows = Array.from({ length: 1200 }, () => {
      const label = rng.next() < 0.3 ? 1 : 0;
      return { income: label === 1 ? null : rng.logNormal(3, 1), city: rng.pick(['a', 'b', null]), label };
    });
    const { trained, report } = await trainTabular(rows, {
      label: 'label',
      model: 'gbdt',
      settings: { nEstimators: 20, maxDepth: 2 },
      pipeline: { missing: 'keep' },
      importanceRows: 0,
    });
    expect(report.rows.dropped).toBe(0);
    expect(report.metrics.auc).toBeGreaterThan(0.99);
    const back = TabularModel.fromJSON(JSON.parse(JSON.stringify(trained.toJSON())));
    for (const row of [{ income: null, city: 'a' }, { city: 'b' }, { income: 20, city: null }]) {
      expect(back.predict(row)).toEqual(trained.predict(row));
    }
    expect(back.predict({ city: 'a' }).score).toBeGreaterThan(0.9);
    expect(back.predict({ income: 20, city: 'a' }).score).toBeLessThan(0.1);
    await expect(
      trainTabular(rows, { label: 'label', model: 'logistic', pipeline: { missing: 'keep' } }),
    ).rejects.toThrow(/missing: keep .* only gbdt reads/);
  });

  it('LambdaMART orders rows within their group: NDCG@10 near 1 on held-out groups, far above random', async () => {
    const make = (groups: number, seed: number) => {
      const rng = new Random(seed);
      const rows = groups * 20;
      const X = zeros(rows, 4);
      const y = new Float64Array(rows);
      const g = new Float64Array(rows);
      for (let i = 0; i < rows; i++) {
        g[i] = Math.floor(i / 20);
        for (let j = 0; j < 4; j++) X.data[i * 4 + j] = rng.normal();
        const z = 1.5 * X.data[i * 4]! - X.data[i * 4 + 2]! + 0.3 * rng.normal();
        y[i] = z > 2 ? 3 : z > 1 ? 2 : z > 0 ? 1 : 0;
      }
      return { X, y, g };
    };
    const train = make(200, 8);
    const test = make(100, 9);
    const model = new Gbdt({
      task: 'rank',
      nEstimators: 60,
      maxDepth: 4,
      learningRate: 0.2,
      minChildWeight: 0.01,
    });
    await model.fit(train.X, train.y, { groups: train.g });
    const ndcg = ndcgAt(test.y, model.predictMany(test.X), test.g, 10);
    const random = ndcgAt(
      test.y,
      Float64Array.from(test.y, (_, i) => (i * 7919) % 20),
      test.g,
      10,
    );
    expect(ndcg).toBeGreaterThan(0.93);
    expect(random).toBeLessThan(0.6);
    await expect(new Gbdt({ task: 'rank' }).fit(train.X, train.y)).rejects.toThrow(/needs each row's group/);
  });

  it('leaf-wise growth keeps to numLeaves; L1 and gamma prune; row and column samples change the forest', async () => {
    const { X, y } = table(2000, 6, 17, (x, rng) => (x[0]! * x[1]! + x[2]! + rng.normal() > 0 ? 1 : 0));
    const leavesOf = (m: Gbdt) => {
      const f = forestOf(m);
      return Array.from(f.roots, (root, t) => {
        const end = t + 1 < f.roots.length ? f.roots[t + 1]! : f.feature.length;
        return Array.from(f.feature.subarray(root, end)).filter((v) => v < 0).length;
      });
    };
    const lossguide = new Gbdt({ nEstimators: 10, maxDepth: 0, numLeaves: 8, growPolicy: 'lossguide' });
    await lossguide.fit(X, y);
    expect(Math.max(...leavesOf(lossguide))).toBe(8);
    const depthwise = new Gbdt({ nEstimators: 10, maxDepth: 6 });
    await depthwise.fit(X, y);
    expect(Math.max(...leavesOf(depthwise))).toBeGreaterThan(8);
    const pruned = new Gbdt({ nEstimators: 10, maxDepth: 6, alpha: 5, gamma: 5 });
    await pruned.fit(X, y);
    const sum = (a: number[]) => a.reduce((p, v) => p + v, 0);
    expect(sum(leavesOf(pruned))).toBeLessThan(sum(leavesOf(depthwise)) / 2);
    const sampled = new Gbdt({ nEstimators: 10, maxDepth: 6, subsample: 0.5, colsampleBytree: 0.5 });
    await sampled.fit(X, y);
    expect(JSON.stringify(sampled.toJSON().state)).not.toBe(JSON.stringify(depthwise.toJSON().state));
    let right = 0;
    const scores = sampled.predictMany(X);
    for (let i = 0; i < 2000; i++) if ((scores[i]! >= 0.5 ? 1 : 0) === y[i]) right++;
    expect(right / 2000).toBeGreaterThan(0.75);
  });

  it('early stopping keeps the best round on held-out rows', async () => {
    const { X, y } = table(1500, 5, 10, (x, rng) => (x[0]! + 3 * rng.normal() > 0 ? 1 : 0));
    const model = new Gbdt({ nEstimators: 300, maxDepth: 6, learningRate: 0.3, earlyStoppingRounds: 10 });
    const steps: number[] = [];
    await model.fit(X, y, { onProgress: (p) => steps.push(p.step) });
    expect(model.trees).toBeLessThan(60);
    expect(steps.length).toBe(model.trees + 10);
  });
});

describe('bad input', () => {
  const { X, y } = table(100, 3, 11, (x) => (x[0]! > 0 ? 1 : 0));
  it('NaN in labels, one class, every column constant, too few rows: clear errors', async () => {
    const bad = Float64Array.from(y);
    bad[5] = Number.NaN;
    await expect(new Gbdt().fit(X, bad)).rejects.toThrow(/label: row 5 is NaN/);
    await expect(new Gbdt().fit(X, new Float64Array(100))).rejects.toThrow(/every row has the label 0/);
    const constant: Matrix = { rows: 100, cols: 3, data: new Float64Array(300).fill(2) };
    await expect(new Gbdt().fit(constant, y)).rejects.toThrow(/every column is constant/);
    const few: Matrix = { rows: 4, cols: 3, data: X.data.slice(0, 12) };
    await expect(new Gbdt().fit(few, Float64Array.of(0, 1, 0, 1))).rejects.toThrow(/no tree found a split/);
    await expect(
      new Gbdt({ task: 'regression' }).fit(
        X,
        Float64Array.from(y, (v, i) => (i === 3 ? Infinity : v)),
      ),
    ).rejects.toThrow(/label: row 3/);
  });

  it('a constant column among others is never split on; more bins than rows is fine', async () => {
    const withConstant = zeros(100, 4);
    for (let i = 0; i < 100; i++) {
      withConstant.data.set(X.data.subarray(i * 3, i * 3 + 3), i * 4);
      withConstant.data[i * 4 + 3] = 7;
    }
    const model = new Gbdt({ nEstimators: 10, maxBins: 255 });
    await model.fit(withConstant, y);
    expect(model.gainImportance[3]).toBe(0);
    expect(model.gainImportance[0]).toBeGreaterThan(0);
  });

  it('settings out of range name the setting', () => {
    expect(() => new Gbdt({ maxBins: 300 })).toThrow(/maxBins: at most 255/);
    expect(() => new Gbdt({ learningRate: 0 })).toThrow(/learningRate/);
    expect(() => new Gbdt({ nEstimators: 1.5 })).toThrow(/nEstimators: an integer/);
    expect(() => new Gbdt({ maxDepth: 0, numLeaves: 0 })).toThrow(/numLeaves: a limit is needed/);
    expect(() => new Gbdt({ task: 'multiclass' as 'binary' })).toThrow(/task/);
  });
});
