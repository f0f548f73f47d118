// The ranking workflow: rows grouped by a query (or list) column with graded labels → a split by whole groups →
// the pipeline fitted on the training rows → LambdaMART trees → NDCG on the held-out groups.
import { ERROR_CODES, ShopstreamError } from '../../errors.js';
import { Random } from '../../random.js';
import { take } from '../numerics/matrix.js';
import { ndcgAt } from '../numerics/metrics.js';
import { shuffled } from '../numerics/shuffle.js';
import { Pipeline, isMissing, type DataRow } from '../models/preprocess.js';
import { createModel } from './model-kinds.js';
import {
  TabularModel,
  featureColumns,
  gainShares,
  groupIds,
  permutationImportance,
  type TrainOptions,
  type TrainResult,
} from './tabular.js';

export interface RankTrainOptions extends Omit<TrainOptions, 'model'> {
  /** The column whose equal values make a group: the rows one query (or list) ranks against each other. */
  readonly group: string;
}

/** The highest relevance grade a label may have (2^grade − 1 is the gain). */
const MAX_GRADE = 31;

/**
 * Trains a LambdaMART ranker (`gbdt` with `task: 'rank'`) and reports NDCG@10 and NDCG@5 on held-out groups (a
 * `testSize` share of the groups, drawn with `seed`). Labels are relevance grades, integers 0 … 31.
 */
export async function trainRanking(
  rows: readonly DataRow[],
  options: RankTrainOptions,
): Promise<TrainResult> {
  const seed = options.seed ?? 42;
  const testSize = options.testSize ?? 0.2;
  const model = createModel('gbdt', { ...options.settings, task: 'rank' });
  const drop = options.drop ?? [];
  const columns = featureColumns(rows, { label: options.label, group: options.group }, drop);
  const dropMissing = (options.pipeline?.missing ?? 'drop') === 'drop';
  const used: DataRow[] = [];
  const labels: number[] = [];
  for (const row of rows) {
    const raw = row[options.label];
    if (isMissing(raw) || isMissing(row[options.group])) continue;
    if (dropMissing && columns.some((c) => isMissing(row[c]))) continue;
    const grade = typeof raw === 'number' ? raw : Number(raw);
    if (!Number.isInteger(grade) || grade < 0 || grade > MAX_GRADE) {
      throw new ShopstreamError(
        ERROR_CODES.INVALID_FIELD,
        `${options.label}: ${JSON.stringify(raw)} is not a relevance grade (an integer 0 … ${MAX_GRADE})`,
        { field: options.label },
      );
    }
    used.push(row);
    labels.push(grade);
  }
  const y = Float64Array.from(labels);
  const groups = Float64Array.from(groupIds(used.map((r) => r[options.group])));
  const groupCount = groups.reduce((m, g) => Math.max(m, g + 1), 0);
  if (groupCount < 5) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      `group: ${groupCount} groups in ${options.group}, too few to hold some out (at least 5)`,
      { field: 'group' },
    );
  }
  // Whole groups are held out: a query's rows are either all trained on or all tested.
  const order = shuffled(groupCount, new Random(seed));
  const held = new Uint8Array(groupCount);
  const heldCount = Math.max(1, Math.round(groupCount * testSize));
  for (let k = 0; k < heldCount; k++) held[order[k] as number] = 1;
  const trainIndex: number[] = [];
  const testIndex: number[] = [];
  for (let i = 0; i < used.length; i++) (held[groups[i] as number] ? testIndex : trainIndex).push(i);
  const trainRows = trainIndex.map((i) => used[i] as DataRow);
  const testRows = testIndex.map((i) => used[i] as DataRow);
  const pipeline = new Pipeline(options.pipeline ?? {});
  pipeline.fit(trainRows, columns);
  const ytrain = take(y, trainIndex);
  const ytest = take(y, testIndex);
  const started = performance.now();
  await model.fit(pipeline.transform(trainRows), ytrain, {
    onProgress: options.onProgress,
    groups: take(groups, trainIndex),
  } as Parameters<typeof model.fit>[2]);
  const fitSeconds = (performance.now() - started) / 1000;
  const scores = model.predictMany(pipeline.transform(testRows));
  const testGroups = take(groups, testIndex);
  const trained = new TabularModel(
    options.label,
    pipeline,
    model,
    0.5,
    [options.label, options.group, ...drop],
    options.group,
  );
  const metrics = {
    ndcg10: ndcgAt(ytest, scores, testGroups, 10),
    ndcg5: ndcgAt(ytest, scores, testGroups, 5),
  };
  return {
    trained,
    report: {
      model: 'gbdt',
      task: 'rank',
      label: options.label,
      columns,
      width: pipeline.width,
      rows: {
        total: rows.length,
        dropped: rows.length - used.length,
        train: trainRows.length,
        test: testRows.length,
      },
      groups: { train: groupCount - heldCount, test: heldCount },
      metrics,
      fitSeconds,
      importance: permutationImportance(trained, testRows, ytest, options.importanceRows ?? 5000, seed),
      gainImportance: gainShares(trained),
      warnings: pipeline.warnings,
      seed,
      testSize,
    },
    test: { rows: testRows, labels: ytest },
    train: { rows: trainRows, labels: ytrain },
  };
}
