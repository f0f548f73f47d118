// Gradient-boosted trees against XGBoost 1.7 (`hist`, the same depth, trees and learning rate, one thread) on
// exactly the same rows: the bench writes the pipeline's output for the training and test rows, and
// benchmarks/ref_trees.py fits XGBoost on them. Quality, fit time, batch prediction and one-row latency.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Gbdt,
  ndcgAt,
  trainTabular,
  type DataRow,
  type GbdtSettings,
  type Matrix,
  type TrainResult,
} from '../src/core/index.js';
import { readTable } from '../src/adapters/files/index.js';
import { fmt, median, medianOf, type Measure } from './lib.js';
import { rankingSet } from './ranking-set.js';
import { ONLINE_SHOPPERS, PAYSIM, PYTHON, hasPython, type Dataset } from './reference.js';

const SETTINGS = { nEstimators: 200, maxDepth: 6, learningRate: 0.3 } as const;

interface TreeTask extends Dataset {
  readonly task: 'binary' | 'regression';
}

const TASKS: TreeTask[] = [
  { ...ONLINE_SHOPPERS, task: 'binary' },
  { ...PAYSIM, task: 'binary' },
  {
    // A numeric target with real noise: the time a session spent on product pages, from the rest of the session.
    ...ONLINE_SHOPPERS,
    name: 'online-shoppers ProductRelated_Duration',
    label: 'ProductRelated_Duration',
    task: 'regression',
  },
];

interface XgbFigures {
  fitSeconds: number;
  predictSeconds: number;
  auc?: number;
  prAuc?: number;
  rmse?: number;
  scores?: number[];
}

/** A matrix (and its labels, and groups) as CSV with the given column names. */
function writeMatrix(
  file: string,
  names: readonly string[],
  X: Matrix,
  y: Float64Array,
  label: string,
  groups?: ArrayLike<number>,
): void {
  const header = [...names.map((_, j) => `f${j}`), label, ...(groups ? ['group'] : [])].join(',');
  const lines = [header];
  for (let i = 0; i < X.rows; i++) {
    const cells = Array.from(X.data.subarray(i * X.cols, (i + 1) * X.cols), (v) =>
      Number.isNaN(v) ? '' : String(v),
    );
    cells.push(String(y[i]));
    if (groups) cells.push(String(groups[i]));
    lines.push(cells.join(','));
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

function xgboost(
  dir: string,
  task: 'binary' | 'regression' | 'rank',
  grouped: boolean,
  minChildWeight = 1,
): XgbFigures {
  const script = fileURLToPath(new URL('./ref_trees.py', import.meta.url));
  const args = [
    script,
    join(dir, 'train.csv'),
    join(dir, 'test.csv'),
    'label',
    task,
    String(SETTINGS.nEstimators),
    String(SETTINGS.maxDepth),
    String(SETTINGS.learningRate),
    String(minChildWeight),
  ];
  if (grouped) args.push('group');
  const run = spawnSync(PYTHON, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`ref_trees.py: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() as string) as XgbFigures;
}

interface OursTimed {
  fit: number;
  fits: number[];
  predict: number;
  p50: number;
  p99: number;
  scores: Float64Array;
}

/** Fit (median of 3), batch prediction (median of 5) and one-row prediction latency of a model on matrices. */
async function timeOurs(
  settings: Partial<GbdtSettings>,
  train: { X: Matrix; y: Float64Array; groups?: ArrayLike<number> },
  test: Matrix,
): Promise<OursTimed> {
  let model = new Gbdt(settings);
  const fit = await medianOf(3, async () => {
    model = new Gbdt(settings);
    const t = performance.now();
    await model.fit(train.X, train.y, { groups: train.groups });
    return (performance.now() - t) / 1000;
  });
  let scores: Float64Array = new Float64Array(0);
  const predict = await medianOf(5, () => {
    const t = performance.now();
    scores = model.predictMany(test);
    return (performance.now() - t) / 1000;
  });
  // One row at a time, each call timed: the distribution a server's request sees (rows already numbers).
  const times: number[] = [];
  let sink = 0;
  for (let k = 0; k < 100_000; k++) {
    const i = k % test.rows;
    const x = test.data.subarray(i * test.cols, (i + 1) * test.cols);
    const t = performance.now();
    sink += model.predictOne(x);
    times.push((performance.now() - t) * 1000);
  }
  if (!Number.isFinite(sink)) throw new Error('predict: not finite');
  times.sort((a, b) => a - b);
  return {
    fit: fit.median,
    fits: fit.all,
    predict: predict.median,
    p50: times[Math.floor(times.length * 0.5)] as number,
    p99: times[Math.floor(times.length * 0.99)] as number,
    scores,
  };
}

export async function benchTrees(quick: boolean, work: string): Promise<Measure[]> {
  const results: Measure[] = [];
  const python = hasPython(['xgboost', 'sklearn', 'pandas']);
  if (!python)
    console.log(
      'trees: xgboost not found (apt-get install python3-xgboost python3-sklearn python3-pandas): reference figures skipped',
    );
  for (const t of TASKS) {
    if (quick && t.name !== 'online-shoppers') continue;
    const table = await readTable(t.file);
    const settings = { ...SETTINGS, task: t.task };
    // The tabular protocol's split and pipeline (as `shopstream train --model gbdt`), then both learners on its output.
    const split: TrainResult = await trainTabular(table.rows, {
      label: t.label,
      model: 'gbdt',
      drop: t.drop,
      settings,
      importanceRows: 0,
    });
    const pipeline = split.trained.pipeline;
    const train = { X: pipeline.transform(split.train.rows), y: split.train.labels };
    const test = pipeline.transform(split.test.rows);
    const dir = join(work, `trees-${t.name.replace(/\W+/g, '-')}`);
    mkdirSync(dir, { recursive: true });
    if (python) {
      writeMatrix(join(dir, 'train.csv'), pipeline.outputNames, train.X, train.y, 'label');
      writeMatrix(join(dir, 'test.csv'), pipeline.outputNames, test, split.test.labels, 'label');
    }
    const { ours, refs } = await paired(
      quick,
      python,
      () => timeOurs(settings, train, test),
      () => xgboost(dir, t.task, false),
    );
    const ref = refs[0];
    const m = split.report.metrics;
    const tabularP99 = rowLatency(split);
    if (t.task === 'binary') {
      results.push({
        name: `trees: ${t.name} ROC-AUC / PR-AUC`,
        value: m.auc as number,
        unit: '',
        target: ref
          ? `≥ ${(ref.auc! - 0.005).toFixed(4)} / ${(ref.prAuc! - 0.005).toFixed(4)}`
          : 'within 0.005 of XGBoost',
        note:
          `ours ${(m.auc as number).toFixed(4)} / ${(m.prAuc as number).toFixed(4)}` +
          (ref ? `; XGBoost on the same rows ${ref.auc!.toFixed(4)} / ${ref.prAuc!.toFixed(4)}` : ''),
      });
    } else {
      results.push({
        name: `trees: ${t.name} RMSE`,
        value: m.rmse as number,
        unit: '',
        target: ref ? `≤ ${(ref.rmse! * 1.02).toFixed(2)}` : 'within 2% of XGBoost',
        note: ref
          ? `XGBoost on the same rows ${ref.rmse!.toFixed(2)} (ratio ${((m.rmse as number) / ref.rmse!).toFixed(4)})`
          : 'no reference',
      });
    }
    results.push(...speed(t.name, ours, refs, test.rows, tabularP99));
  }
  results.push(...(await benchRanking(quick, work, python)));
  return results;
}

/**
 * Ours and XGBoost in turn, `PAIRS` times (so that a slow phase of the machine hits both): the ratio of each pair,
 * and their median, is what is reported.
 */
async function paired(
  quick: boolean,
  python: boolean,
  ours: () => Promise<OursTimed>,
  ref: () => XgbFigures,
): Promise<{ ours: OursTimed[]; refs: XgbFigures[] }> {
  const out: { ours: OursTimed[]; refs: XgbFigures[] } = { ours: [], refs: [] };
  for (let pair = 0; pair < (quick ? 1 : 3); pair++) {
    out.ours.push(await ours());
    if (python) out.refs.push(ref());
  }
  return out;
}

function speed(
  name: string,
  ours: readonly OursTimed[],
  refs: readonly XgbFigures[],
  rows: number,
  tabularP99?: number,
): Measure[] {
  const fit = median(ours.map((o) => o.fit));
  const predict = median(ours.map((o) => o.predict));
  const fitRatios = refs.map((r, i) => (ours[i] as OursTimed).fit / r.fitSeconds);
  const predictRatios = refs.map((r, i) => (ours[i] as OursTimed).predict / r.predictSeconds);
  const ratios = (values: number[]) =>
    `ratio ${median(values).toFixed(2)} (pairs ${values.map((v) => v.toFixed(2)).join(', ')})`;
  const last = ours[ours.length - 1] as OursTimed;
  return [
    {
      name: `trees: ${name} fit, ${SETTINGS.nEstimators} trees of depth ${SETTINGS.maxDepth}`,
      value: fit,
      unit: 's',
      target: 'ratio ≤ 1.5 (goal 1.0)',
      note:
        `medians of 3 fits: ${ours.map((o) => o.fit.toFixed(3)).join(', ')}` +
        (refs.length
          ? `; XGBoost nthread=1 ${refs.map((r) => r.fitSeconds.toFixed(3)).join(', ')} s, in turn → ${ratios(fitRatios)}`
          : ''),
    },
    {
      name: `trees: ${name} batch prediction, ${fmt(rows)} rows`,
      value: predict * 1000,
      unit: 'ms',
      target: 'ratio ≤ 1.0',
      note: refs.length
        ? `XGBoost inplace_predict ${refs.map((r) => (r.predictSeconds * 1000).toFixed(2)).join(', ')} ms → ${ratios(predictRatios)}`
        : 'no reference',
    },
    {
      name: `trees: ${name} one-row prediction p99`,
      value: last.p99,
      unit: 'µs',
      target: '≤ 20 µs',
      note:
        `p50 ${last.p50.toFixed(2)} µs, in process, the row already numbers` +
        (tabularP99 !== undefined
          ? `; with the pipeline from a raw row: p99 ${tabularP99.toFixed(2)} µs`
          : ''),
    },
  ];
}

/** p99 of TabularModel.predict on raw rows (pipeline and trees), in µs. */
function rowLatency(split: TrainResult): number {
  const rows = split.test.rows;
  const times: number[] = [];
  for (let k = 0; k < 50_000; k++) {
    const row = rows[k % rows.length] as DataRow;
    const t = performance.now();
    split.trained.predict(row);
    times.push((performance.now() - t) * 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length * 0.99)] as number;
}

/** LambdaMART against XGBoost's rank:ndcg on a ranking set from the simulator's search logs: NDCG@10 on held-out queries. */
async function benchRanking(quick: boolean, work: string, python: boolean): Promise<Measure[]> {
  const set = rankingSet(quick ? 3000 : 8000);
  const settings: Partial<GbdtSettings> = { ...SETTINGS, task: 'rank', minChildWeight: 0.01 };
  const dir = join(work, 'trees-ranking');
  mkdirSync(dir, { recursive: true });
  if (python) {
    writeMatrix(join(dir, 'train.csv'), set.names, set.train.X, set.train.y, 'label', set.train.groups);
    writeMatrix(join(dir, 'test.csv'), set.names, set.test.X, set.test.y, 'label', set.test.groups);
  }
  const { ours, refs } = await paired(
    quick,
    python,
    () => timeOurs(settings, set.train, set.test.X),
    () => xgboost(dir, 'rank', true, 0.01),
  );
  const ref = refs[0];
  const ndcg = ndcgAt(set.test.y, ours[0]!.scores, set.test.groups, 10);
  const refNdcg = ref?.scores
    ? ndcgAt(set.test.y, Float64Array.from(ref.scores), set.test.groups, 10)
    : undefined;
  return [
    {
      name: 'trees: simulated search LambdaMART NDCG@10',
      value: ndcg,
      unit: '',
      target:
        refNdcg !== undefined ? `≥ ${(refNdcg - 0.005).toFixed(4)}` : 'within 0.005 of XGBoost rank:ndcg',
      note:
        `ours ${ndcg.toFixed(4)}; ${fmt(set.train.queries)} training and ${fmt(set.test.queries)} held-out queries, ${set.names.length} features; ` +
        (refNdcg !== undefined ? `XGBoost rank:ndcg on the same rows ${refNdcg.toFixed(4)}; ` : '') +
        `the simulator's own order ${set.baseline.toFixed(4)}`,
    },
    ...speed('ranking', ours, refs, set.test.X.rows),
  ];
}
