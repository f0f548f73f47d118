// The seed's workflow end to end through the CLI, on the real online-shoppers-intention file: train (logistic, svm,
// mlp) → metrics → stored → promoted → predict new rows from the stored model → explanations; plus the quality
// bar against scikit-learn on the same split.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_SHARED_DATA, lastJson, runCli, SHARED_DATA } from './helpers/cli.js';
import { freshDir } from './helpers/tmp.js';

const SHOPPERS = join(SHARED_DATA, 'online-shoppers-intention/online_shoppers_intention.csv');
const PAYSIM = join(SHARED_DATA, 'paysim-sample/paysim_sample.csv');

/**
 * scikit-learn 1.2 on exactly the split `train` makes (stratified 80/20, seed 42), with ref_tabular.py's models:
 * measured by `npm run bench -- --only=models` (benchmarks/ref_same_split.py), BENCHMARKS.md "Models".
 */
const SKLEARN_SAME_SPLIT = {
  shoppers: { logistic: 0.8815, svm: 0.89, mlp: 0.8976 },
  paysim: { logistic: 0.9615, svm: 0.9793 },
};

interface TrainSummary {
  model: string;
  version: number;
  stage: string;
  auc: number;
  prAuc: number;
  accuracy: number;
  fitSeconds: number;
  rows: { train: number; test: number; dropped: number };
  importance: { column: string; drop: number }[];
}

describe.skipIf(!HAS_SHARED_DATA)('models: train → store → promote → predict → explain', () => {
  const tmp = freshDir();
  const data = ['--data', tmp.dir];
  const trained: Record<string, TrainSummary> = {};

  beforeAll(() => {
    for (const model of ['logistic', 'svm', 'mlp']) {
      const run = runCli([
        'train',
        SHOPPERS,
        '--label',
        'Revenue',
        '--model',
        model,
        '--name',
        'shoppers',
        '--json',
        ...data,
      ]);
      expect(run.code, run.stderr).toBe(0);
      trained[model] = lastJson<TrainSummary>(run.stdout);
    }
  }, 180_000);
  afterAll(() => tmp.remove());

  it('trains each model on the EVAL.md protocol and reports held-out metrics and importance', () => {
    for (const [model, s] of Object.entries(trained)) {
      expect(s.rows).toMatchObject({ train: 9864, test: 2466, dropped: 0 });
      expect(s.stage).toBe('candidate');
      expect(s.auc).toBeGreaterThanOrEqual(SKLEARN_SAME_SPLIT.shoppers[model as 'svm'] - 0.01);
      expect(s.prAuc).toBeGreaterThan(0.55);
      expect(s.accuracy).toBeGreaterThan(0.86);
      // PageValues is by far the strongest signal of this dataset.
      expect(s.importance[0]?.column).toBe('PageValues');
    }
    expect(Object.values(trained).map((s) => s.version)).toEqual([1, 2, 3]);
  });

  it('lists, promotes with the quality gate, predicts new rows from the stored model, and explains them', () => {
    const listed = JSON.parse(runCli(['models', 'list', 'shoppers', '--json', ...data]).stdout) as {
      version: number;
      stage: string;
    }[];
    expect(listed.map((v) => v.stage)).toEqual(['candidate', 'candidate', 'candidate']);
    // Nothing in production yet: predicting by name says what to do.
    const none = runCli(['predict', SHOPPERS, '--model', 'shoppers', ...data]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/SS_MODEL_NOT_FOUND.*no production version.*models promote shoppers@3/);

    expect(runCli(['models', 'promote', 'shoppers@2', ...data]).code).toBe(0); // svm
    // The logistic model scores lower than the svm on the same validation rows: refused, then forced.
    const refused = runCli(['models', 'promote', 'shoppers@1', ...data]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/SS_MODEL_REFUSED.*worse than production shoppers@2/);
    const forced = JSON.parse(
      runCli(['models', 'promote', 'shoppers@1', '--force', '--json', ...data]).stdout,
    );
    expect(forced.forced).toBe(true);
    expect(runCli(['models', 'rollback', 'shoppers', ...data]).stdout).toMatch(
      /production is shoppers@2 again/,
    );

    // New rows: the last 50 lines of the file without their label, one with an unseen month and one bad value.
    const lines = readFileSync(SHOPPERS, 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    const keep = header.map((_, i) => i).filter((i) => header[i] !== 'Revenue');
    const fresh = lines.slice(-50).map((l) => l.split(','));
    fresh[0]![header.indexOf('Month')] = 'Smarch';
    fresh[1]![header.indexOf('PageValues')] = 'lots';
    const file = join(tmp.dir, 'new.csv');
    writeFileSync(
      file,
      [keep.map((i) => header[i]).join(','), ...fresh.map((r) => keep.map((i) => r[i]).join(','))].join('\n'),
    );
    const out = join(tmp.dir, 'scored.csv');
    const scored = runCli(['predict', file, '--model', 'shoppers', '--out', out, '--json', ...data]);
    expect(scored.code, scored.stderr).toBe(0);
    // 'lots' makes DuckDB read the column as text; numeric text still counts, the one bad row is rejected by name.
    const summary = lastJson<{ version: number; rows: number; rejected: number }>(scored.stdout);
    expect(summary).toMatchObject({ version: 2, rows: 50, rejected: 1 });
    expect(readFileSync(out, 'utf8')).toMatch(/PageValues: expected a number, got ""lots""/); // CSV-quoted

    fresh[1]![header.indexOf('PageValues')] = '0';
    writeFileSync(
      file,
      [keep.map((i) => header[i]).join(','), ...fresh.map((r) => keep.map((i) => r[i]).join(','))].join('\n'),
    );
    const jsonl = runCli(['predict', file, '--model', 'shoppers@3', '--explain', ...data]);
    expect(jsonl.code, jsonl.stderr).toBe(0);
    const predictions = jsonl.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(predictions).toHaveLength(50);
    for (const p of predictions) {
      expect(p.score).toBeGreaterThanOrEqual(0);
      expect(p.score).toBeLessThanOrEqual(1);
      expect([0, 1]).toContain(p.label);
      // The MLP's contributions (integrated gradients, in log-odds) add up to its output.
      const sum = Object.values(p.contributions as Record<string, number>).reduce((a, b) => a + b, p.base);
      expect(Math.abs(1 / (1 + Math.exp(-sum)) - p.score)).toBeLessThan(0.01);
    }
  });

  it('bad options fail with a message naming the flag', () => {
    const cases: [string[], RegExp][] = [
      [['train', SHOPPERS, '--label', 'Nope', ...data], /label: no column "Nope"/],
      [
        ['train', SHOPPERS, '--label', 'Revenue', '--model', 'forest', ...data],
        /--model: "forest" is not one of/,
      ],
      [
        ['train', SHOPPERS, '--label', 'Revenue', '--hidden', '8', ...data],
        /--hidden: not a setting of --model logistic/,
      ],
      [['train', SHOPPERS, '--label', 'Revenue', '--test-size', '2', ...data], /--test-size/],
      [['train', join(tmp.dir, 'missing.csv'), '--label', 'x', ...data], /SS_FILE_NOT_FOUND/],
      [['models', 'promote', 'shoppers', ...data], /name the version to promote/],
      [['models', 'show', 'shoppers@9', ...data], /no such version/],
    ];
    for (const [args, message] of cases) {
      const run = runCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
    }
  });
});

describe.skipIf(!HAS_SHARED_DATA)('models: quality on paysim-sample (EVAL.md protocol, ids dropped)', () => {
  const tmp = freshDir();
  afterAll(() => tmp.remove());

  it.each([['logistic'], ['svm']] as const)(
    '%s is within 0.01 ROC-AUC of scikit-learn on the same split',
    (model) => {
      const run = runCli([
        'train',
        PAYSIM,
        '--label',
        'isFraud',
        '--drop',
        'nameOrig,nameDest,isFlaggedFraud,step',
        '--model',
        model,
        '--json',
        '--data',
        tmp.dir,
      ]);
      expect(run.code, run.stderr).toBe(0);
      const s = lastJson<TrainSummary>(run.stdout);
      expect(s.auc).toBeGreaterThanOrEqual(SKLEARN_SAME_SPLIT.paysim[model] - 0.01);
    },
  );
});
