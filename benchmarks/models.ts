// Model figures: quality and fit time of logistic, svm and mlp against scikit-learn on the same split (and
// ../shared/reference/ref_tabular.py's own split), FTRL updates per second, and prediction latency in process and
// over HTTP at 1k req/s.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FtrlProximal,
  Mlp,
  loadTensorflow,
  Random,
  promote,
  trainTabular,
  type DataRow,
  type ModelKind,
  type TrainResult,
} from '../src/core/index.js';
import { readTable, writeTable, type Cell } from '../src/adapters/files/index.js';
import { openWorkspace } from '../src/workspace/index.js';
import { pacedLoad, startChild, startServer, type PacedResult } from './children.js';
import { fmt, median, medianOf, type Measure } from './lib.js';
import { ONLINE_SHOPPERS, PAYSIM, PYTHON, SHARED, hasPython, type Dataset } from './reference.js';

const DATASETS: Dataset[] = [ONLINE_SHOPPERS, PAYSIM];

interface SkFigures {
  auc: number;
  prAuc: number;
  accuracy: number;
  /** The median of five fits after a first one (the MLP: its one fit), as ours. */
  fitSeconds: number;
  firstFitSeconds: number;
}

async function writeSplit(
  result: TrainResult,
  label: string,
  dir: string,
): Promise<{ train: string; test: string }> {
  const columns = [...result.report.columns, label];
  const rowsOf = (rows: DataRow[], labels: Float64Array) =>
    rows.map((row, i) => columns.map((c) => (c === label ? labels[i] : (row[c] as Cell))));
  const train = join(dir, 'train.csv');
  const test = join(dir, 'test.csv');
  await writeTable(train, columns, rowsOf(result.train.rows, result.train.labels));
  await writeTable(test, columns, rowsOf(result.test.rows, result.test.labels));
  return { train, test };
}

function sklearnSameSplit(
  split: { train: string; test: string },
  label: string,
  kinds: string[],
): Record<string, SkFigures> {
  const script = fileURLToPath(new URL('./ref_same_split.py', import.meta.url));
  const run = spawnSync(PYTHON, [script, split.train, split.test, label, kinds.join(',')], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`ref_same_split.py: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() as string) as Record<string, SkFigures>;
}

function sklearnOwnSplit(data: Dataset): Record<string, { auc: number; pr_auc: number; fit_s: number }> {
  const args = [
    join(SHARED, 'reference/ref_tabular.py'),
    data.file,
    data.label,
    ...(data.drop.length ? ['--drop', data.drop.join(',')] : []),
  ];
  const run = spawnSync(PYTHON, args, {
    encoding: 'utf8',
    env: { ...process.env, REF_MODELS: 'logistic_lbfgs,linear_svm,mlp_128_64' },
  });
  if (run.status !== 0) throw new Error(`ref_tabular.py: ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, { auc: number; pr_auc: number; fit_s: number }>;
}

const REF_NAMES: Record<string, string> = {
  logistic: 'logistic_lbfgs',
  svm: 'linear_svm',
  mlp: 'mlp_128_64',
};

export async function benchModels(quick: boolean, work: string): Promise<Measure[]> {
  const results: Measure[] = [];
  const python = hasPython(['sklearn', 'pandas']);
  if (!python)
    console.log(
      'models: scikit-learn not found (apt-get install python3-sklearn python3-pandas): reference figures skipped',
    );
  // TensorFlow.js's one-time start (wasm compile, about a second) is kept out of the MLP's fit time, as Python's
  // imports are out of scikit-learn's.
  await loadTensorflow();
  for (const data of DATASETS) {
    if (quick && data.name === 'paysim-sample') continue;
    const table = await readTable(data.file);
    const kinds: ModelKind[] = ['logistic', 'svm', 'mlp'];
    const ours = new Map<ModelKind, { result: TrainResult; fit: number; runs: number[]; first: number }>();
    for (const kind of kinds) {
      let last: TrainResult | undefined;
      // A linear model's first fit in a process also pays V8's compilation of the solver's loops (~20–30 ms on
      // online-shoppers): the figure is the median of the five fits after it, and the first is reported beside it.
      const first = kind === 'mlp' ? undefined : await fitOnce();
      const fit = await medianOf(kind === 'mlp' ? 1 : 5, fitOnce);
      ours.set(kind, {
        result: last as TrainResult,
        fit: fit.median,
        runs: fit.all,
        first: first ?? fit.median,
      });
      async function fitOnce(): Promise<number> {
        last = await trainTabular(table.rows, {
          label: data.label,
          model: kind,
          drop: data.drop,
          importanceRows: 0,
        });
        return last.report.fitSeconds;
      }
    }
    const dir = join(work, `models-${data.name}`);
    mkdirSync(dir, { recursive: true });
    const same = python
      ? sklearnSameSplit(await writeSplit(ours.get('logistic')!.result, data.label, dir), data.label, kinds)
      : {};
    const own = python ? sklearnOwnSplit(data) : {};
    for (const kind of kinds) {
      const o = ours.get(kind)!;
      const m = o.result.report.metrics;
      const sk = same[kind];
      const ref = own[REF_NAMES[kind] as string];
      results.push({
        name: `models: ${data.name} ${kind} ROC-AUC`,
        value: m.auc as number,
        unit: '',
        target: sk ? `≥ ${(sk.auc - 0.01).toFixed(4)}` : 'within 0.01 of scikit-learn',
        note:
          `ROC-AUC ${(m.auc as number).toFixed(4)}, PR-AUC ${(m.prAuc as number).toFixed(4)}` +
          (sk ? `; scikit-learn on the same split ${sk.auc.toFixed(4)} / ${sk.prAuc.toFixed(4)}` : '') +
          (ref ? `; ref_tabular.py (its own split) ${ref.auc} / ${ref.pr_auc}` : ''),
      });
      results.push({
        name: `models: ${data.name} ${kind} fit`,
        value: o.fit,
        unit: 's',
        target: 'ratio ≤ 1.0',
        note:
          (sk
            ? `scikit-learn ${sk.fitSeconds.toFixed(3)} s on the same split → ratio ${(o.fit / sk.fitSeconds).toFixed(2)}`
            : 'no reference') +
          (o.runs.length > 1
            ? `; median of runs ${o.runs.map((r) => r.toFixed(3)).join(', ')} after a first fit of ${o.first.toFixed(3)} s` +
              (sk
                ? ` (scikit-learn's first ${sk.firstFitSeconds.toFixed(3)} s, ratio ${(o.first / sk.firstFitSeconds).toFixed(2)})`
                : '')
            : '') +
          (kind === 'mlp'
            ? `; ${(o.result.trained.model as Mlp).training.epochs} epochs (early stopping)`
            : ''),
      });
    }
  }

  results.push(...benchFtrl(quick));
  return results;
}

/** Serving: a logistic model of online-shoppers, one row per request (`--only=serving`). */
export async function benchModelServing(quick: boolean, work: string): Promise<Measure[]> {
  const data = DATASETS[0] as Dataset;
  const result = await trainTabular((await readTable(data.file)).rows, {
    label: data.label,
    model: 'logistic',
    drop: data.drop,
    importanceRows: 0,
  });
  return benchServing({ result, row: result.test.rows[0] as DataRow }, work, quick);
}

/** FTRL on sparse rows: 30 active features of 2^20 hashed ones, labels from a hidden linear rule. */
export function benchFtrl(quick: boolean): Measure[] {
  const dims = 1 << 20;
  const active = 30;
  const n = quick ? 300_000 : 1_000_000;
  const rng = new Random(7);
  const truth = Float64Array.from({ length: 1000 }, () => rng.normal(0, 1));
  const indices = new Int32Array(n * active);
  const labels = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let k = 0; k < active; k++) {
      const f = rng.int(0, 1000);
      indices[i * active + k] = ((f * 2654435761) % dims) >>> 0;
      z += truth[f] as number;
    }
    labels[i] = rng.next() < 1 / (1 + Math.exp(-z / 5)) ? 1 : 0;
  }
  const values = new Float64Array(n * active).fill(1);
  const rates: number[] = [];
  let model = new FtrlProximal();
  for (let run = 0; run < 3; run++) {
    model = new FtrlProximal().init(dims);
    const t = performance.now();
    for (let i = 0; i < n; i++) model.learnSparse(indices, values, active, labels[i] as number, i * active);
    rates.push(Math.round(n / ((performance.now() - t) / 1000)));
  }
  const sorted = [...rates].sort((a, b) => a - b);
  // Progressive validation on the last 10%: the model predicted each row before learning it in the last run.
  return [
    {
      name: 'models: FTRL-Proximal updates, 30 active of 2^20',
      value: sorted[1] as number,
      unit: 'updates/s',
      target: '≥ 1,000,000',
      note: `runs ${rates.map(fmt).join(', ')}; ${fmt(model.updateCount)} updates in the last run; River's LogisticRegression ≈ 10k/s`,
    },
  ];
}

/** One-row predictions: in process (µs per row) and over HTTP at a fixed 1,000 req/s. */
async function benchServing(
  served: { result: TrainResult; row: DataRow },
  work: string,
  quick: boolean,
): Promise<Measure[]> {
  const { trained } = served.result;
  const rows = served.result.test.rows;
  const inProcess = await medianOf(3, () => {
    const t = performance.now();
    let s = 0;
    for (let k = 0; k < 100_000; k++) s += trained.predict(rows[k % rows.length] as DataRow).score;
    if (!Number.isFinite(s)) throw new Error('predict: not finite');
    return ((performance.now() - t) * 1000) / 100_000;
  });
  const dataDir = join(work, 'models-serve');
  mkdirSync(dataDir, { recursive: true });
  const workspace = await openWorkspace(dataDir);
  const store = workspace.models;
  const version = await store.add(
    'bench',
    {
      kind: 'logistic',
      metrics: served.result.report.metrics,
      features: served.result.report.columns,
      fingerprint: '',
      params: {},
      artifact: trained.toJSON(),
      validation: null,
    },
    Date.now(),
  );
  await promote(store, 'bench', version.version, { now: Date.now() });
  await workspace.close();
  const body = JSON.stringify({ row: served.row });
  const seconds = quick ? 5 : 10;
  // Our server and the bare Fastify floor in turn, so that a noisy phase of the machine hits both alike.
  const ours: PacedResult[] = [];
  const floors: PacedResult[] = [];
  for (let pair = 0; pair < (quick ? 1 : 3); pair++) {
    const server = await startServer(dataDir);
    ours.push(
      await pacedLoad(server.url, 1000, seconds, '/v1/models/bench/predict', body).finally(() =>
        server.stop(),
      ),
    );
    const bare = await startChild([
      '--import',
      'tsx',
      fileURLToPath(new URL('./bare-server.ts', import.meta.url)),
    ]);
    floors.push(
      await pacedLoad(bare.url, 1000, seconds, '/v1/models/bench/predict', body).finally(() => bare.stop()),
    );
  }
  const p99 = median(ours.map((r) => r.p99));
  const serverP99 = median(ours.map((r) => r.serverP99 ?? NaN));
  const floor = median(floors.map((r) => r.p99));
  const failed = ours.reduce((n, r) => n + r.failures, 0);
  const requests = ours.reduce((n, r) => n + r.requests, 0);
  return [
    {
      name: 'models: logistic predict in process',
      value: inProcess.median,
      unit: 'µs/row',
      note: `pipeline + model, one row at a time; runs ${inProcess.all.map((v) => v.toFixed(2)).join(', ')}`,
    },
    {
      name: 'models: logistic POST predict at 1k req/s: p99',
      value: p99,
      unit: 'ms',
      target: '≤ 1 ms',
      note:
        `median of ${ours.length} runs of ${seconds} s (p99 ${ours.map((r) => r.p99).join(', ')}; p50 ` +
        `${ours.map((r) => r.p50).join(', ')}), ${failed} failed of ${requests}; bare Fastify in turn with ` +
        `them: p99 ${floors.map((r) => r.p99).join(', ')} (median ${floor}), p50 ${floors.map((r) => r.p50).join(', ')}`,
    },
    {
      name: "models: … the server's own time (Server-Timing): p99",
      value: serverP99,
      unit: 'ms',
      target: '≤ 1 ms',
      note:
        `from each answer's arrival in the server to its answer, same runs: p99 ${ours.map((r) => r.serverP99).join(', ')}; ` +
        `p50 ${ours.map((r) => r.serverP50).join(', ')}; max ${ours.map((r) => r.serverMax).join(', ')}`,
    },
  ];
}
