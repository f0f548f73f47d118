// Gradient-boosted trees through the CLI as a user runs them: `train --model gbdt` on the real online-shoppers file
// (quality against XGBoost on the same rows, gain importance, stored, promoted, predicted with TreeSHAP reasons that
// add up), and `train --task rank --group` on a graded ranking table (NDCG@10 on held-out groups, the promotion gate
// on NDCG), with the errors a user meets on the way.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Random } from '../src/core/index.js';
import { HAS_SHARED_DATA, lastJson, runCli, SHARED_DATA, startCli, stop } from './helpers/cli.js';
import { freshDir } from './helpers/tmp.js';

const SHOPPERS = join(SHARED_DATA, 'online-shoppers-intention/online_shoppers_intention.csv');

/**
 * XGBoost 1.7 (hist, 200 trees of depth 6, eta 0.3, one thread) on exactly the rows this split trains and tests on:
 * `npm run bench -- --only=trees` (benchmarks/ref_trees.py), BENCHMARKS.md "Trees".
 */
const XGBOOST_SAME_ROWS = { auc: 0.9132, prAuc: 0.6676 };

describe.skipIf(!HAS_SHARED_DATA)('trees: train → store → promote → predict with TreeSHAP', () => {
  const tmp = freshDir();
  const data = ['--data', tmp.dir];
  afterAll(() => tmp.remove());

  it('matches XGBoost on the same rows, reports gain importance, and explains each prediction exactly', () => {
    const run = runCli([
      'train',
      SHOPPERS,
      '--label',
      'Revenue',
      '--model',
      'gbdt',
      '--trees',
      '200',
      '--depth',
      '6',
      '--name',
      'shoppers',
      '--json',
      ...data,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const s = lastJson<{
      auc: number;
      prAuc: number;
      gainImportance: { column: string; share: number }[];
      importance: { column: string }[];
    }>(run.stdout);
    expect(s.auc).toBeGreaterThanOrEqual(XGBOOST_SAME_ROWS.auc - 0.005);
    expect(s.prAuc).toBeGreaterThanOrEqual(XGBOOST_SAME_ROWS.prAuc - 0.005);
    expect(s.gainImportance[0]?.column).toBe('PageValues');
    expect(s.importance[0]?.column).toBe('PageValues');
    // Shares of the total split gain, largest first (the summary lists the top 10 of 17 columns).
    const shares = s.gainImportance.map((g) => g.share);
    expect(shares).toEqual([...shares].sort((a, b) => b - a));
    expect(shares.reduce((a, b) => a + b, 0)).toBeGreaterThan(0.9);
    expect(shares.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-12);
    expect(runCli(['models', 'promote', 'shoppers@1', ...data]).code).toBe(0);

    const sample = join(tmp.dir, 'sample.csv');
    writeFileSync(sample, readFileSync(SHOPPERS, 'utf8').split('\n').slice(0, 301).join('\n') + '\n');
    const predicted = runCli(['predict', sample, '--model', 'shoppers', '--explain', ...data]);
    expect(predicted.code, predicted.stderr).toBe(0);
    const rows = predicted.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { score: number; base: number; contributions: Record<string, number> });
    for (const p of rows) {
      // Exact TreeSHAP in log-odds: base + Σ contributions is the model's raw score, σ of it the probability.
      const raw = Object.values(p.contributions).reduce((a, b) => a + b, p.base);
      expect(Math.abs(1 / (1 + Math.exp(-raw)) - p.score)).toBeLessThan(1e-9);
    }
  }, 120_000);
});

/** Queries with 12 candidates each; the grade follows two of the four columns, with noise. */
function rankingTable(file: string, queries: number, seed: number): void {
  const rng = new Random(seed);
  const lines = ['query,match,popularity,price,noise,grade'];
  for (let q = 0; q < queries; q++) {
    for (let k = 0; k < 12; k++) {
      const match = rng.next();
      const popularity = rng.exponential(1);
      const z = 3 * match + 0.5 * Math.min(popularity, 3) + 0.4 * rng.normal();
      const grade = z > 3.5 ? 3 : z > 2.5 ? 2 : z > 1.5 ? 1 : 0;
      lines.push(`q${q},${match},${popularity},${rng.int(5, 200)},${rng.normal()},${grade}`);
    }
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

describe('trees: learning to rank (LambdaMART) through the CLI', () => {
  const tmp = freshDir();
  const data = ['--data', tmp.dir];
  const file = join(tmp.dir, 'judgments.csv');
  rankingTable(file, 300, 1);
  afterAll(() => tmp.remove());

  it('trains on grouped, graded rows and reports NDCG on held-out groups; the gate compares NDCG', () => {
    const train = (extra: string[]) =>
      runCli([
        'train',
        file,
        '--label',
        'grade',
        '--model',
        'gbdt',
        '--task',
        'rank',
        '--group',
        'query',
        '--trees',
        '50',
        '--learning-rate',
        '0.1',
        '--name',
        'ranker',
        '--json',
        ...extra,
        ...data,
      ]);
    const run = train([]);
    expect(run.code, run.stderr).toBe(0);
    const s = lastJson<{ ndcg10: number; ndcg5: number; groups: { train: number; test: number } }>(
      run.stdout,
    );
    expect(s.groups).toEqual({ train: 240, test: 60 });
    expect(s.ndcg10).toBeGreaterThan(0.9);
    expect(s.ndcg5).toBeGreaterThan(0.85);
    expect(runCli(['models', 'list', 'ranker', ...data]).stdout).toMatch(/ranker@1 .* ndcg@10 0\.9\d{3}/);
    expect(runCli(['models', 'promote', 'ranker@1', ...data]).code).toBe(0);
    // A ranker of two trees is worse on the same held-out groups: the gate, by NDCG@10, refuses it.
    expect(train(['--trees', '2', '--depth', '1']).code).toBe(0);
    const refused = runCli(['models', 'promote', 'ranker@2', ...data]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/SS_MODEL_REFUSED.*ndcg10/);
  }, 120_000);

  it('is served like the others: scores that order candidates, TreeSHAP reasons that add up', async () => {
    const { child, match } = await startCli(
      ['serve', '--port', '0', '--no-features', ...data],
      /at (http:\S+)/,
    );
    try {
      const rows = [
        { match: 0.95, popularity: 2, price: 20, noise: 0 },
        { match: 0.5, popularity: 1, price: 20, noise: 0 },
        { match: 0.05, popularity: 0.1, price: 20, noise: 0 },
      ];
      const response = await fetch(`${match[1]}/v1/models/ranker/predict?explain=true`, {
        method: 'POST',
        body: JSON.stringify({ rows }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        version: number;
        predictions: {
          score: number;
          explanation: {
            method: string;
            base: number;
            output: number;
            contributions: Record<string, number>;
          };
        }[];
      };
      expect(body.version).toBe(1);
      const scores = body.predictions.map((p) => p.score);
      expect(scores[0]).toBeGreaterThan(scores[1]!);
      expect(scores[1]).toBeGreaterThan(scores[2]!);
      for (const p of body.predictions) {
        expect(p.explanation.method).toBe('tree-shap');
        const sum = Object.values(p.explanation.contributions).reduce((a, b) => a + b, p.explanation.base);
        expect(Math.abs(sum - p.score)).toBeLessThan(1e-9);
      }
    } finally {
      await stop(child);
    }
  }, 60_000);

  it('refuses what cannot rank, naming the flag or the row', () => {
    const badGrades = join(tmp.dir, 'bad.csv');
    writeFileSync(badGrades, 'query,match,grade\nq1,0.5,1\nq1,0.2,0.5\n');
    const cases: [string[], RegExp][] = [
      [
        ['train', file, '--label', 'grade', '--model', 'gbdt', '--task', 'rank'],
        /--group: --task rank needs/,
      ],
      [
        ['train', file, '--label', 'grade', '--model', 'gbdt', '--group', 'query'],
        /--group: only for --task rank/,
      ],
      [
        ['train', file, '--label', 'grade', '--task', 'rank', '--group', 'query'],
        /--task: "rank" is not binary, regression/,
      ],
      [
        ['train', file, '--label', 'grade', '--model', 'gbdt', '--task', 'rank', '--group', 'nope'],
        /group: no column "nope"/,
      ],
      [
        ['train', badGrades, '--label', 'grade', '--model', 'gbdt', '--task', 'rank', '--group', 'query'],
        /grade: 0\.5 is not a relevance grade/,
      ],
      [['train', file, '--label', 'grade', '--model', 'gbdt', '--trees', '0'], /--trees/],
      [
        ['train', file, '--label', 'grade', '--model', 'logistic', '--trees', '10'],
        /--trees: not a setting of --model logistic/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = runCli([...args, ...data]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
    }
  });
});
