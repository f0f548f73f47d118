// The generic checks every model passes (scikit-learn's check_estimator, River's checks): clone, JSON round trip,
// same seed → same model, unseen and missing features, NaN input, explanations that add up.
import { describe, expect, it } from 'vitest';
import { Random } from '../../random.js';
import { zeros, type Matrix } from '../numerics/matrix.js';
import { MODEL_KINDS, type Model, type ModelKind } from './model.js';
import { createModel, modelFromJSON, trainTabular } from '../lifecycle/tabular.js';

/** 400 rows, 5 columns; label from a noisy linear rule (binary) or the rule itself plus noise (regression). */
function dataset(task: 'binary' | 'regression', seed = 3): { X: Matrix; y: Float64Array } {
  const rng = new Random(seed);
  const X = zeros(400, 5);
  const y = new Float64Array(400);
  for (let i = 0; i < 400; i++) {
    let z = 0.3;
    for (let j = 0; j < 5; j++) {
      const v = rng.normal();
      X.data[i * 5 + j] = v;
      z += [1.5, -2, 0.5, 0, 1][j]! * v;
    }
    y[i] = task === 'binary' ? (rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0) : z + rng.normal(0, 0.1);
  }
  return { X, y };
}

const SMALL: Record<ModelKind, Record<string, unknown>> = {
  logistic: {},
  linear: {},
  svm: {},
  ftrl: { epochs: 3 },
  mlp: { hidden: [16, 8], epochs: 30, batchSize: 32, learningRate: 0.01, seed: 7 },
  gbdt: { nEstimators: 40, maxDepth: 3, learningRate: 0.2, subsample: 0.8, colsampleBytree: 0.8 },
};

const taskOf = (kind: ModelKind) => (kind === 'linear' ? 'regression' : 'binary');

describe.each(MODEL_KINDS.map((k) => [k]))('model checks: %s', (kind) => {
  const fitted = async (settings = SMALL[kind]): Promise<Model> => {
    const { X, y } = dataset(taskOf(kind));
    const model = createModel(kind, settings);
    await model.fit(X, y);
    return model;
  };

  it('clone() has the same settings and nothing learned', async () => {
    const model = await fitted();
    const clone = model.clone();
    expect(clone.kind).toBe(kind);
    expect(clone.settings).toEqual(model.settings);
    expect(clone.fitted).toBe(false);
    expect(() => clone.predictOne(new Float64Array(5))).toThrow(/not fitted/);
  });

  it('a JSON round trip gives identical predictions and explanations', async () => {
    const model = await fitted();
    const back = modelFromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    const { X } = dataset(taskOf(kind), 11);
    expect(Array.from(back.predictMany(X))).toEqual(Array.from(model.predictMany(X)));
    const x = X.data.subarray(0, 5);
    expect(back.explainOne(x)).toEqual(model.explainOne(x));
  });

  it('the same seed gives the same model; it learns the rule', async () => {
    const a = await fitted();
    const b = await fitted();
    expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(a.toJSON()));
    const { X, y } = dataset(taskOf(kind), 12);
    const scores = a.predictMany(X);
    if (kind === 'linear') {
      let sse = 0;
      for (let i = 0; i < y.length; i++) sse += (scores[i]! - y[i]!) ** 2;
      expect(Math.sqrt(sse / y.length)).toBeLessThan(0.2);
    } else {
      let right = 0;
      for (let i = 0; i < y.length; i++) if ((scores[i]! >= 0.5 ? 1 : 0) === y[i]) right++;
      expect(right / y.length).toBeGreaterThan(0.75);
    }
  });

  it('NaN, Infinity and a wrong width are clear errors naming the input', async () => {
    const model = await fitted();
    const x = new Float64Array([0, 1, Number.NaN, 0, 0]);
    // Trees read NaN as a missing value (each split learned where it goes); the other models refuse it.
    if (kind === 'gbdt') expect([0, 1]).toContain(model.predictOne(x));
    else expect(() => model.predictOne(x)).toThrow(/column 2: NaN is not a finite number/);
    expect(() => model.explainOne(new Float64Array([0, 0, 0, 0, Infinity]))).toThrow(/column 4/);
    expect(() => model.predictOne(new Float64Array(3))).toThrow(/3 numbers, the model expects 5/);
    const { X, y } = dataset(taskOf(kind));
    X.data[7] = kind === 'gbdt' ? Infinity : Number.NaN;
    await expect(model.clone().fit(X, y)).rejects.toThrow(/row 1 is (NaN|Infinity)/);
    if (taskOf(kind) === 'binary') {
      const bad = dataset('binary').y;
      bad[3] = 2;
      await expect(model.clone().fit(dataset('binary').X, bad)).rejects.toThrow(/label: row 3 is 2/);
    }
  });

  it('explanations add up: base + Σ contributions = output (exact for linear models, within 1% for the MLP)', async () => {
    const model = await fitted();
    const { X } = dataset(taskOf(kind), 13);
    for (let i = 0; i < 20; i++) {
      const x = X.data.subarray(i * 5, (i + 1) * 5);
      const e = model.explainOne(x);
      const sum = e.contributions.reduce((s, c) => s + c, e.base);
      if (kind === 'mlp')
        expect(Math.abs(sum - e.output)).toBeLessThanOrEqual(
          0.01 * Math.max(Math.abs(e.output - e.base), 1e-6),
        );
      else expect(sum).toBeCloseTo(e.output, 10);
      // The output is the model's additive score: its probability is σ(output) (the SVM's is Platt-scaled).
      if (kind === 'logistic' || kind === 'ftrl' || kind === 'mlp' || kind === 'gbdt')
        expect(model.predictProbaOne(x)).toBeCloseTo(1 / (1 + Math.exp(-e.output)), 10);
    }
  });
});

describe('unseen and missing features through the tabular model', () => {
  it.each(MODEL_KINDS.map((k) => [k]))(
    '%s: unknown categories, missing and extra columns still predict',
    async (kind) => {
      const rng = new Random(5);
      const rows = Array.from({ length: 300 }, () => {
        const country = rng.pick(['DE', 'FR', 'NL']);
        const amount = rng.logNormal(3, 1);
        const z = (country === 'NL' ? 1.5 : -0.5) + (amount > 30 ? 1 : -1);
        return {
          country,
          amount,
          target: kind === 'linear' ? z : rng.next() < 1 / (1 + Math.exp(-2 * z)) ? 1 : 0,
        };
      });
      const { trained } = await trainTabular(rows, {
        label: 'target',
        model: kind,
        settings: SMALL[kind],
        importanceRows: 0,
      });
      for (const row of [
        { country: 'BR', amount: 10 },
        { amount: 10 },
        { country: 'NL' },
        { country: 'DE', amount: 5, extra: 'ignored' },
      ]) {
        const p = trained.predict(row);
        expect(Number.isFinite(p.score)).toBe(true);
        const e = trained.explain(row);
        expect(Object.keys(e.byColumn).sort()).toEqual(['amount', 'country']);
      }
      expect(() => trained.predict({ country: 'DE', amount: Number.NaN })).toThrow(/amount: NaN/);
      expect(() => trained.predict({ country: 'DE', amount: 'lots' })).toThrow(/amount: expected a number/);
    },
  );
});

describe('MLP regression', () => {
  it('learns a target in large units (standardised inside), round-trips, and explains in those units', async () => {
    const { X, y } = dataset('regression', 21);
    const big = Float64Array.from(y, (v) => 5000 + 1000 * v);
    const model = createModel('mlp', { ...SMALL.mlp, task: 'regression', epochs: 60 });
    await model.fit(X, big);
    const test = dataset('regression', 22);
    const predictions = model.predictMany(test.X);
    let sse = 0;
    let sst = 0;
    const mean = test.y.reduce((a, v) => a + 5000 + 1000 * v, 0) / test.y.length;
    for (let i = 0; i < test.y.length; i++) {
      const truth = 5000 + 1000 * test.y[i]!;
      sse += (predictions[i]! - truth) ** 2;
      sst += (truth - mean) ** 2;
    }
    expect(1 - sse / sst).toBeGreaterThan(0.9);
    const back = modelFromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    expect(Array.from(back.predictMany(test.X))).toEqual(Array.from(predictions));
    const x = test.X.data.subarray(0, 5);
    const e = model.explainOne(x);
    expect(e.space).toBe('value');
    expect(e.output).toBeCloseTo(model.predictOne(x), 6);
    const sum = e.contributions.reduce((s, c) => s + c, e.base);
    expect(Math.abs(sum - e.output)).toBeLessThanOrEqual(0.01 * Math.abs(e.output - e.base));
  });
});
