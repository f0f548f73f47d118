// The tabular workflow of EVAL.md: rows → (drop missing) → split → pipeline fitted on train → model → metrics,
// permutation importance; and the fitted pipeline + model as one object that predicts and explains raw rows.
import { ERROR_CODES, ShopstreamError } from '../../errors.js';
import { Random } from '../../random.js';
import { take } from '../numerics/matrix.js';
import {
  averagePrecision,
  brierScore,
  logLoss,
  ndcgAt,
  regressionMetrics,
  rocAuc,
  thresholdMetrics,
} from '../numerics/metrics.js';
import {
  type Explanation,
  type FitProgress,
  type Model,
  type ModelJSON,
  type ModelKind,
} from '../models/model.js';
import {
  Pipeline,
  isMissing,
  type DataRow,
  type PipelineJSON,
  type PipelineOptions,
} from '../models/preprocess.js';
import { shuffled } from '../numerics/shuffle.js';
import { createModel, modelFromJSON } from './model-kinds.js';
import { binaryLabel, randomSplit, stratifiedSplit } from './split.js';

export { createModel, modelFromJSON };

export interface TabularJSON {
  readonly label: string;
  readonly pipeline: PipelineJSON;
  readonly model: ModelJSON;
  /** Binary models: the score at or above which the label is 1 (chosen on the validation rows; 0.5 before). */
  readonly threshold?: number;
  /** Columns of the training table the model does not read (the label, --drop): accepted in rows, unused. */
  readonly ignored?: readonly string[];
  /** Ranking models: the column that says which rows are ranked against each other (query or list id). */
  readonly group?: string;
}

/** How a row's columns match a model's: the model's columns it lacks, and columns the model does not know. */
export interface ColumnCheck {
  readonly missing: string[];
  readonly unknown: string[];
}

export interface RowPrediction {
  /** Probability of label 1 for binary models, the value for regression. */
  readonly score: number;
  /** Binary models: the predicted label. */
  readonly label?: 0 | 1;
}

export interface RowExplanation extends Explanation {
  /** Contributions by output column (`country=DE`) and summed by input column (`country`), largest first. */
  readonly byFeature: Record<string, number>;
  readonly byColumn: Record<string, number>;
}

/**
 * A fitted pipeline and model: what the model store keeps and the server answers with.
 * @example const t = TabularModel.fromJSON(json); t.predict({ price: 3, country: 'DE' })
 */
export class TabularModel {
  constructor(
    readonly label: string,
    readonly pipeline: Pipeline,
    readonly model: Model,
    /** Binary models: the decision threshold on the score. */
    readonly threshold = 0.5,
    readonly ignored: readonly string[] = [label],
    /** Ranking models: the group (query or list id) column; its rows are ranked against each other. */
    readonly group?: string,
  ) {}

  /** The columns a row may carry: the model's and the ignored ones (set on the first check). */
  private known: ReadonlySet<string> | undefined;

  get columns(): string[] {
    return this.pipeline.columns;
  }

  /** A copy with another decision threshold. */
  withThreshold(threshold: number): TabularModel {
    return new TabularModel(this.label, this.pipeline, this.model, threshold, this.ignored, this.group);
  }

  /** The model's columns `keys` lacks, and the keys it does not read (the label and dropped columns excepted). */
  checkColumns(keys: readonly string[]): ColumnCheck {
    const have = new Set(keys);
    // Built once: /predict checks every row of a request against it.
    const known = (this.known ??= new Set([...this.columns, ...this.ignored]));
    return {
      missing: this.columns.filter((c) => !have.has(c)),
      unknown: keys.filter((k) => !known.has(k)),
    };
  }

  /**
   * Checks that a row carries the model's columns: a missing or unknown column is an error naming it, unless
   * `allowMissing`, when they are returned as warnings (a missing column is then a missing value).
   * @example model.requireColumns(Object.keys(row)) // throws SS_MISSING_FIELD: "card_payments_1h: …"
   */
  requireColumns(keys: readonly string[], allowMissing = false): string[] {
    const { missing, unknown } = this.checkColumns(keys);
    const warnings = [
      ...(missing.length > 0 ? [`missing columns, read as missing values: ${missing.join(', ')}`] : []),
      ...(unknown.length > 0 ? [`columns the model does not read: ${unknown.join(', ')}`] : []),
    ];
    if (allowMissing || warnings.length === 0) return warnings;
    if (missing.length > 0) {
      throw new ShopstreamError(
        ERROR_CODES.MISSING_FIELD,
        `${missing.join(', ')}: ${missing.length === 1 ? 'a column' : 'columns'} of the model, missing (it reads ${this.columns.length}: ${this.columns.join(', ')}); allowMissing reads missing columns as missing values`,
        { field: missing[0] },
      );
    }
    throw new ShopstreamError(
      ERROR_CODES.UNKNOWN_FIELD,
      `${unknown.join(', ')}: not ${unknown.length === 1 ? 'a column' : 'columns'} of the model (it reads ${this.columns.join(', ')})`,
      { field: unknown[0] },
    );
  }

  predict(row: DataRow): RowPrediction {
    const x = this.pipeline.transformRow(row);
    if (this.model.task === 'regression') return { score: this.model.predictOne(x) };
    const score = this.model.predictProbaOne(x);
    return { score, label: score >= this.threshold ? 1 : 0 };
  }

  /**
   * A scorer of rows given as numbers in `names` order (NaN: missing), for the hot path: `predict`'s score
   * without building a row object. Undefined when the model reads a categorical column (score rows then).
   * @example const score = model.vectorScorer(names); score?.(new Float64Array([3, Number.NaN]))
   */
  vectorScorer(names: readonly string[]): ((values: ArrayLike<number>) => number) | undefined {
    const at = new Map(names.map((n, i) => [n, i]));
    const index = Int32Array.from(this.columns, (c) => at.get(c) ?? -1);
    const x = new Float64Array(this.pipeline.width);
    const probe = new Float64Array(names.length).fill(Number.NaN);
    if (!this.pipeline.transformVector(probe, index, x)) return undefined;
    const { pipeline, model } = this;
    const regression = model.task === 'regression';
    return (values) => {
      pipeline.transformVector(values, index, x);
      return regression ? model.predictOne(x) : model.predictProbaOne(x);
    };
  }

  /**
   * `explain`'s contributions summed by input column, for rows given as in `vectorScorer`: a Float64Array in
   * `names` order (0 for a name the model does not read). Undefined where `vectorScorer` is.
   */
  vectorExplainer(
    names: readonly string[],
    options: { fast?: boolean } = {},
  ): ((values: ArrayLike<number>) => Float64Array) | undefined {
    const at = new Map(names.map((n, i) => [n, i]));
    const index = Int32Array.from(this.columns, (c) => at.get(c) ?? -1);
    const x = new Float64Array(this.pipeline.width);
    if (!this.pipeline.transformVector(new Float64Array(names.length).fill(Number.NaN), index, x))
      return undefined;
    const target = Int32Array.from(this.pipeline.outputSources, (source) => index[source] as number);
    const { pipeline, model } = this;
    const fast = options.fast && model.explainFast !== undefined;
    return (values) => {
      pipeline.transformVector(values, index, x);
      const e = fast ? (model.explainFast as (x: Float64Array) => Explanation)(x) : model.explainOne(x);
      const out = new Float64Array(names.length);
      e.contributions.forEach((c, j) => {
        const i = target[j] as number;
        if (i !== -1) out[i] = (out[i] as number) + c;
      });
      return out;
    };
  }

  /** One score per row (as `predict`), rows already validated. */
  scores(rows: readonly DataRow[]): Float64Array {
    return this.model.predictMany(this.pipeline.transform(rows));
  }

  /** `fast`: the model's cheaper attribution where it has one (trees: the path attribution, not TreeSHAP). */
  explain(row: DataRow, options: { fast?: boolean } = {}): RowExplanation {
    const x = this.pipeline.transformRow(row);
    const e = options.fast && this.model.explainFast ? this.model.explainFast(x) : this.model.explainOne(x);
    const names = this.pipeline.outputNames;
    const sources = this.pipeline.outputSources;
    const columns = this.pipeline.columns;
    const byColumn = new Map<string, number>();
    const byFeature: [string, number][] = [];
    e.contributions.forEach((c, j) => {
      const column = columns[sources[j] as number] as string;
      byColumn.set(column, (byColumn.get(column) ?? 0) + c);
      if (c !== 0) byFeature.push([names[j] as string, c]);
    });
    // Object.fromEntries defines own properties, so a column named like `__proto__` stays a plain key.
    const sorted = (entries: [string, number][]) =>
      Object.fromEntries(entries.sort((a, b) => Math.abs(b[1]) - Math.abs(a[1])));
    return { ...e, byFeature: sorted(byFeature), byColumn: sorted([...byColumn]) };
  }

  toJSON(): TabularJSON {
    return {
      label: this.label,
      pipeline: this.pipeline.toJSON(),
      model: this.model.toJSON(),
      threshold: this.threshold,
      ignored: [...this.ignored],
      ...(this.group !== undefined ? { group: this.group } : {}),
    };
  }

  static fromJSON(json: TabularJSON): TabularModel {
    return new TabularModel(
      json.label,
      Pipeline.fromJSON(json.pipeline),
      modelFromJSON(json.model),
      json.threshold ?? 0.5,
      json.ignored ?? [json.label],
      json.group,
    );
  }
}

export interface TrainOptions {
  readonly label: string;
  readonly model: ModelKind;
  /** Settings of the model (epochs, batchSize, hidden, c, …). */
  readonly settings?: Record<string, unknown>;
  readonly pipeline?: Partial<PipelineOptions>;
  /** Columns left out (ids, leaks). */
  readonly drop?: readonly string[];
  readonly testSize?: number;
  /**
   * `random` (default: stratified for binary models) or `ordered`: the last `testSize` share of the rows, in the
   * order given, is held out — for rows in time order, a model tested on a later period than it learned from.
   */
  readonly split?: 'random' | 'ordered';
  readonly seed?: number;
  readonly onProgress?: (progress: FitProgress) => void;
  /** Permutation importance on at most this many test rows (0: skip). */
  readonly importanceRows?: number;
}

export type Metrics = Record<string, number>;

export interface TrainReport {
  readonly model: ModelKind;
  readonly task: 'binary' | 'regression' | 'rank';
  readonly label: string;
  readonly columns: string[];
  /** Output columns after one-hot/hashing/bucketing. */
  readonly width: number;
  readonly rows: {
    readonly total: number;
    readonly dropped: number;
    readonly train: number;
    readonly test: number;
  };
  readonly positives?: number;
  /** Ranking: groups (queries) trained on and held out. */
  readonly groups?: { readonly train: number; readonly test: number };
  readonly metrics: Metrics;
  readonly fitSeconds: number;
  /** Drop of the main metric (ROC-AUC, or R²) when the column's test values are shuffled, largest first. */
  readonly importance: { column: string; drop: number }[];
  /** Trees: each column's share of the loss reduction of all splits, largest first. */
  readonly gainImportance?: { column: string; share: number }[];
  /** Doubts about the data found while fitting (e.g. a numeric column made categorical by a few text cells). */
  readonly warnings: string[];
  readonly seed: number;
  readonly testSize: number;
}

export interface TrainResult {
  readonly trained: TabularModel;
  readonly report: TrainReport;
  /** The held-out rows and their labels: the validation data a promotion compares versions on. */
  readonly test: { rows: DataRow[]; labels: Float64Array };
  /** The training rows (after dropping rows with missing values) and their labels. */
  readonly train: { rows: DataRow[]; labels: Float64Array };
}

/** The main metric of a task, higher is better: ROC-AUC for binary models, R² for regression, NDCG@10 to rank. */
export function mainMetric(task: 'binary' | 'regression' | 'rank'): 'auc' | 'r2' | 'ndcg10' {
  return task === 'binary' ? 'auc' : task === 'rank' ? 'ndcg10' : 'r2';
}

/** The task a fitted tabular model was trained for: a model with a group column ranks. */
export function taskOf(trained: TabularModel): 'binary' | 'regression' | 'rank' {
  return trained.group !== undefined ? 'rank' : trained.model.task;
}

/** Every metric of a task on labelled scores; binary models' accuracy, precision, recall and F1 at `threshold`. */
export function evaluate(
  task: 'binary' | 'regression',
  labels: Float64Array,
  scores: Float64Array,
  threshold = 0.5,
): Metrics {
  if (task === 'regression') return { ...regressionMetrics(labels, scores) };
  const t = thresholdMetrics(labels, scores, threshold);
  return {
    threshold,
    auc: rocAuc(labels, scores),
    prAuc: averagePrecision(labels, scores),
    accuracy: t.accuracy,
    precision: t.precision,
    recall: t.recall,
    f1: t.f1,
    logLoss: logLoss(labels, scores),
    brier: brierScore(labels, scores),
  };
}

/**
 * The feature columns of a table: every column but the named ones (the label; a ranker's group) and `drop`, after
 * checking that there are rows, that each named column is a column, and that each dropped one is.
 * @example featureColumns(rows, { label: 'Revenue' }, ['id']) // ['Month', 'PageValues', …]
 */
export function featureColumns(
  rows: readonly DataRow[],
  named: Readonly<Record<string, string>>,
  drop: readonly string[],
): string[] {
  if (rows.length === 0)
    throw new ShopstreamError(ERROR_CODES.INVALID_OPTION, 'data: no rows', { field: 'data' });
  const known = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) known.add(key);
  for (const [field, column] of Object.entries(named)) {
    if (!known.has(column)) {
      throw new ShopstreamError(
        ERROR_CODES.INVALID_OPTION,
        `${field}: no column ${JSON.stringify(column)} (columns: ${[...known].join(', ')})`,
        { field },
      );
    }
  }
  const unknownDrops = drop.filter((c) => !known.has(c));
  if (unknownDrops.length > 0) {
    throw new ShopstreamError(ERROR_CODES.INVALID_OPTION, `drop: no column ${unknownDrops.join(', ')}`, {
      field: 'drop',
    });
  }
  const excluded = new Set([...Object.values(named), ...drop]);
  return [...known].filter((c) => !excluded.has(c));
}

/**
 * EVAL.md's tabular protocol: rows with a missing value dropped (unless the pipeline fills them), a stratified
 * split (random for regression), the pipeline fitted on the training rows, the model fitted, then metrics and
 * permutation importance on the test rows.
 */
/** The first rows to train on, the last `testSize` share to test on. */
function orderedSplit(rows: number, testSize: number): { train: Int32Array; test: Int32Array } {
  const cut = rows - Math.max(1, Math.round(rows * testSize));
  return {
    train: Int32Array.from({ length: cut }, (_, i) => i),
    test: Int32Array.from({ length: rows - cut }, (_, i) => cut + i),
  };
}

export async function trainTabular(rows: readonly DataRow[], options: TrainOptions): Promise<TrainResult> {
  const seed = options.seed ?? 42;
  const testSize = options.testSize ?? 0.2;
  const model = createModel(options.model, options.settings);
  const pipelineOptions = options.pipeline ?? {};
  const columns = featureColumns(rows, { label: options.label }, options.drop ?? []);
  const dropMissing = (pipelineOptions.missing ?? 'drop') === 'drop';
  if (pipelineOptions.missing === 'keep' && options.model !== 'gbdt') {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      `missing: keep leaves missing numbers missing, which only gbdt reads (for ${options.model}: mean, median, most_frequent, constant or drop)`,
      { field: 'missing' },
    );
  }
  const used: DataRow[] = [];
  const labels: number[] = [];
  for (const row of rows) {
    const raw = row[options.label];
    if (isMissing(raw)) continue;
    if (dropMissing && columns.some((c) => isMissing(row[c]))) continue;
    let y: number;
    if (model.task === 'binary') y = binaryLabel(raw) as number;
    else {
      y = typeof raw === 'number' ? raw : Number(raw);
      if (!Number.isFinite(y)) {
        throw new ShopstreamError(
          ERROR_CODES.INVALID_FIELD,
          `${options.label}: ${JSON.stringify(raw)} is not a number`,
          {
            field: options.label,
          },
        );
      }
    }
    used.push(row);
    labels.push(y);
  }
  if (used.length < 10) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      `data: ${used.length} usable rows, too few to train`,
      {
        field: 'data',
      },
    );
  }
  const y = Float64Array.from(labels);
  if (model.task === 'binary' && (y.every((v) => v === 0) || y.every((v) => v === 1))) {
    throw new ShopstreamError(ERROR_CODES.INVALID_OPTION, `label: every row has the same label ${y[0]}`, {
      field: 'label',
    });
  }
  const split =
    options.split === 'ordered'
      ? orderedSplit(y.length, testSize)
      : model.task === 'binary'
        ? stratifiedSplit(y, testSize, seed)
        : randomSplit(y.length, testSize, seed);
  const trainRows = Array.from(split.train, (i) => used[i] as DataRow);
  const testRows = Array.from(split.test, (i) => used[i] as DataRow);
  const pipeline = new Pipeline(pipelineOptions);
  pipeline.fit(trainRows, columns);
  const Xtrain = pipeline.transform(trainRows);
  const Xtest = pipeline.transform(testRows);
  const ytrain = take(y, split.train);
  const ytest = take(y, split.test);
  const started = performance.now();
  await model.fit(Xtrain, ytrain, { onProgress: options.onProgress });
  const fitSeconds = (performance.now() - started) / 1000;
  const testScores = model.predictMany(Xtest);
  // The decision threshold: best F1 on the held-out rows (a rare positive class is missed at 0.5).
  const threshold = model.task === 'binary' ? bestF1Threshold(ytest, testScores) : 0.5;
  const trained = new TabularModel(options.label, pipeline, model, threshold, [
    options.label,
    ...(options.drop ?? []),
  ]);
  const metrics = evaluate(model.task, ytest, testScores, threshold);
  const importance = permutationImportance(trained, testRows, ytest, options.importanceRows ?? 5000, seed);
  return {
    trained,
    report: {
      model: options.model,
      task: model.task,
      label: options.label,
      columns,
      width: pipeline.width,
      rows: {
        total: rows.length,
        dropped: rows.length - used.length,
        train: split.train.length,
        test: split.test.length,
      },
      positives: model.task === 'binary' ? y.reduce((s, v) => s + v, 0) / y.length : undefined,
      metrics,
      fitSeconds,
      importance,
      gainImportance: gainShares(trained),
      warnings: pipeline.warnings,
      seed,
      testSize,
    },
    test: { rows: testRows, labels: ytest },
    train: { rows: trainRows, labels: ytrain },
  };
}

/**
 * The score threshold with the best F1 on labelled scores (ties: the higher threshold, fewer false alarms);
 * 0.5 when no threshold catches a positive.
 * @example bestF1Threshold(Float64Array.of(0, 1, 1), Float64Array.of(0.1, 0.3, 0.8)) // 0.3
 */
export function bestF1Threshold(labels: Float64Array, scores: Float64Array): number {
  const order = Array.from(scores.keys()).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const positives = labels.reduce((s, v) => s + v, 0);
  let best = 0;
  let threshold = 0.5;
  let tp = 0;
  for (let k = 0; k < order.length; k++) {
    tp += labels[order[k] as number] as number;
    const here = scores[order[k] as number] as number;
    // Only at the last of equal scores: a threshold calls every row with that score.
    if (k + 1 < order.length && scores[order[k + 1] as number] === here) continue;
    const f1 = positives === 0 ? 0 : (2 * tp) / (k + 1 + positives);
    if (f1 > best) {
      best = f1;
      threshold = here;
    }
  }
  return threshold;
}

/** Scores `rows` with `trained` and compares with `labels` by the task's main metric. */
export function scoreOn(trained: TabularModel, rows: readonly DataRow[], labels: Float64Array): number {
  const scores = trained.scores(rows);
  if (trained.group !== undefined) {
    const group = trained.group;
    return ndcgAt(labels, scores, groupIds(rows.map((r) => r[group])), 10);
  }
  return evaluate(trained.model.task, labels, scores)[mainMetric(trained.model.task)] as number;
}

/** Group values (any cell) as small integers, equal values equal. */
export function groupIds(values: readonly unknown[]): Int32Array {
  const ids = new Map<string, number>();
  return Int32Array.from(values, (v) => {
    const key = String(v);
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = ids.size));
    return id;
  });
}

/** A tree model's gain importance summed by input column, as shares of the total; undefined for other models. */
export function gainShares(trained: TabularModel): { column: string; share: number }[] | undefined {
  const gains = (trained.model as { gainImportance?: Float64Array }).gainImportance;
  if (!gains) return undefined;
  const total = gains.reduce((s, g) => s + g, 0);
  const byColumn = new Map<string, number>();
  const sources = trained.pipeline.outputSources;
  gains.forEach((g, j) => {
    const column = trained.columns[sources[j] as number] as string;
    byColumn.set(column, (byColumn.get(column) ?? 0) + (total > 0 ? g / total : 0));
  });
  return [...byColumn].map(([column, share]) => ({ column, share })).sort((a, b) => b.share - a.share);
}

/** Permutation importance (Breiman 2001): the main metric's drop when one column's values are shuffled. */
export function permutationImportance(
  trained: TabularModel,
  rows: readonly DataRow[],
  labels: Float64Array,
  maxRows: number,
  seed: number,
): { column: string; drop: number }[] {
  if (maxRows <= 0 || rows.length === 0) return [];
  const rng = new Random(seed);
  const pick = rows.length > maxRows ? shuffled(rows.length, rng).slice(0, maxRows) : undefined;
  const sample = pick ? Array.from(pick, (i) => rows[i] as DataRow) : [...rows];
  const y = pick ? take(labels, pick) : labels;
  if (trained.model.task === 'binary' && (y.every((v) => v === 0) || y.every((v) => v === 1))) return [];
  const base = scoreOn(trained, sample, y);
  const out: { column: string; drop: number }[] = [];
  for (const column of trained.columns) {
    const order = shuffled(sample.length, rng);
    const permuted = sample.map((row, i) => ({
      ...row,
      [column]: (sample[order[i] as number] as DataRow)[column],
    }));
    out.push({ column, drop: base - scoreOn(trained, permuted, y) });
  }
  return out.sort((a, b) => b.drop - a.drop);
}
