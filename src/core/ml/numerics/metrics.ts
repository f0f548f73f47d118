// Model metrics: binary classification (at a threshold, ranking, probabilistic) and regression. Definitions follow
// scikit-learn's, so figures compare with the reference scripts of EVAL.md: ROC-AUC with tied scores counted half,
// PR-AUC as average precision (no interpolation), log loss with probabilities clipped to [1e-15, 1 − 1e-15].
import { ERROR_CODES, ShopstreamError } from '../../errors.js';

export interface ThresholdMetrics {
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly trueNegatives: number;
  readonly falseNegatives: number;
}

export interface CalibrationBin {
  /** The bin's score range [from, to) (the last bin includes 1). */
  readonly from: number;
  readonly to: number;
  readonly count: number;
  /** Mean predicted probability and observed positive rate of the rows in the bin (null when empty). */
  readonly meanPredicted: number | null;
  readonly positiveRate: number | null;
}

export interface RegressionMetrics {
  readonly rmse: number;
  readonly mae: number;
  readonly r2: number;
}

/** Labels as 0/1 numbers, scores as finite numbers, of equal length and not empty: anything else is an error. */
function check(labels: ArrayLike<number>, scores: ArrayLike<number>, what: string): void {
  if (labels.length !== scores.length) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      `${what}: ${labels.length} labels but ${scores.length} scores`,
      { field: what },
    );
  }
  if (labels.length === 0) {
    throw new ShopstreamError(ERROR_CODES.INVALID_OPTION, `${what}: no rows`, { field: what });
  }
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) {
      throw new ShopstreamError(
        ERROR_CODES.INVALID_OPTION,
        `${what}: score ${i} is ${String(scores[i])}, not a finite number`,
        { field: what },
      );
    }
  }
}

function checkBinary(labels: ArrayLike<number>, what: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) {
      throw new ShopstreamError(
        ERROR_CODES.INVALID_OPTION,
        `${what}: label ${i} is ${String(labels[i])}, not 0 or 1`,
        { field: what },
      );
    }
  }
}

/**
 * Accuracy, precision, recall and F1 when scores ≥ threshold are called positive (precision and F1 are 0 when
 * nothing is called positive, as scikit-learn's `zero_division=0`).
 * @example thresholdMetrics([0, 1, 1], [0.2, 0.7, 0.4]) // accuracy 2/3, precision 1, recall 0.5
 */
export function thresholdMetrics(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  threshold = 0.5,
): ThresholdMetrics {
  check(labels, scores, 'thresholdMetrics');
  checkBinary(labels, 'thresholdMetrics');
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const called = (scores[i] as number) >= threshold;
    if (labels[i] === 1) {
      if (called) tp++;
      else fn++;
    } else if (called) fp++;
    else tn++;
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return {
    accuracy: (tp + tn) / labels.length,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    truePositives: tp,
    falsePositives: fp,
    trueNegatives: tn,
    falseNegatives: fn,
  };
}

/** Row indexes by descending score. */
function byScoreDescending(scores: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => (scores[b] as number) - (scores[a] as number));
}

function classCounts(labels: ArrayLike<number>, what: string): { positives: number; negatives: number } {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] as number;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      `${what}: needs both classes; the labels are all ${positives === 0 ? 0 : 1}`,
      { field: what },
    );
  }
  return { positives, negatives };
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random negative, ties
 * counting half (scikit-learn's `roc_auc_score`). Needs both classes.
 * @example rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) // 0.75
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  check(labels, scores, 'rocAuc');
  checkBinary(labels, 'rocAuc');
  const { positives, negatives } = classCounts(labels, 'rocAuc');
  const order = byScoreDescending(scores);
  // Walk groups of equal scores from the top: each negative in a group beats the positives seen above it.
  let positivesAbove = 0;
  let wins = 0;
  for (let i = 0; i < order.length;) {
    const score = scores[order[i] as number] as number;
    let groupPositives = 0;
    let groupNegatives = 0;
    for (; i < order.length && scores[order[i] as number] === score; i++) {
      if (labels[order[i] as number] === 1) groupPositives++;
      else groupNegatives++;
    }
    wins += groupNegatives * (positivesAbove + groupPositives / 2);
    positivesAbove += groupPositives;
  }
  return wins / (positives * negatives);
}

/**
 * PR-AUC as average precision: Σ (Rₙ − Rₙ₋₁) Pₙ over the distinct score thresholds, from the top (scikit-learn's
 * `average_precision_score`, no interpolation). Needs at least one positive.
 * @example averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) // 0.8333…
 */
export function averagePrecision(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  check(labels, scores, 'averagePrecision');
  checkBinary(labels, 'averagePrecision');
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] as number;
  if (positives === 0) {
    throw new ShopstreamError(ERROR_CODES.INVALID_OPTION, 'averagePrecision: needs a positive label', {
      field: 'averagePrecision',
    });
  }
  const order = byScoreDescending(scores);
  let tp = 0;
  let seen = 0;
  let sum = 0;
  for (let i = 0; i < order.length;) {
    const score = scores[order[i] as number] as number;
    let groupPositives = 0;
    for (; i < order.length && scores[order[i] as number] === score; i++, seen++) {
      groupPositives += labels[order[i] as number] as number;
    }
    tp += groupPositives;
    sum += (groupPositives / positives) * (tp / seen);
  }
  return sum;
}

/** Mean negative log-likelihood of the labels under predicted probabilities, clipped to [1e-15, 1 − 1e-15]. */
export function logLoss(labels: ArrayLike<number>, probabilities: ArrayLike<number>): number {
  check(labels, probabilities, 'logLoss');
  checkBinary(labels, 'logLoss');
  const eps = 1e-15;
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, probabilities[i] as number));
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / labels.length;
}

/** Mean squared difference between predicted probabilities and the 0/1 labels. */
export function brierScore(labels: ArrayLike<number>, probabilities: ArrayLike<number>): number {
  check(labels, probabilities, 'brierScore');
  checkBinary(labels, 'brierScore');
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += ((probabilities[i] as number) - (labels[i] as number)) ** 2;
  return sum / labels.length;
}

/**
 * Reliability bins: `bins` equal-width ranges of predicted probability, each with its row count, mean
 * prediction and observed positive rate (a calibrated model has the two close in every bin).
 */
export function calibrationBins(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  bins = 10,
): CalibrationBin[] {
  check(labels, probabilities, 'calibrationBins');
  checkBinary(labels, 'calibrationBins');
  const count = new Float64Array(bins);
  const predicted = new Float64Array(bins);
  const positive = new Float64Array(bins);
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1, Math.max(0, probabilities[i] as number));
    const b = Math.min(bins - 1, Math.floor(p * bins));
    count[b]! += 1;
    predicted[b]! += p;
    positive[b]! += labels[i] as number;
  }
  return Array.from({ length: bins }, (_, b) => {
    const n = count[b] as number;
    return {
      from: b / bins,
      to: (b + 1) / bins,
      count: n,
      meanPredicted: n === 0 ? null : (predicted[b] as number) / n,
      positiveRate: n === 0 ? null : (positive[b] as number) / n,
    };
  });
}

/**
 * RMSE, MAE and R² (1 − residual / total sum of squares, as scikit-learn's `r2_score`: for a constant target,
 * 1 when it is predicted exactly and 0 otherwise).
 * @example regressionMetrics([3, -0.5, 2, 7], [2.5, 0, 2, 8]) // rmse √0.375, mae 0.5, r2 0.9486…
 */
export function regressionMetrics(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
): RegressionMetrics {
  check(actual, predicted, 'regressionMetrics');
  for (let i = 0; i < actual.length; i++) {
    if (!Number.isFinite(actual[i])) {
      throw new ShopstreamError(
        ERROR_CODES.INVALID_OPTION,
        `regressionMetrics: target ${i} is ${String(actual[i])}, not a finite number`,
        { field: 'regressionMetrics' },
      );
    }
  }
  const n = actual.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i] as number;
  mean /= n;
  let squared = 0;
  let absolute = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const error = (actual[i] as number) - (predicted[i] as number);
    squared += error * error;
    absolute += Math.abs(error);
    total += ((actual[i] as number) - mean) ** 2;
  }
  return {
    rmse: Math.sqrt(squared / n),
    mae: absolute / n,
    r2: total === 0 ? (squared === 0 ? 1 : 0) : 1 - squared / total,
  };
}

/** Rows grouped by their group id (query or list), in first-seen order of the groups. */
export function groupRows(groups: ArrayLike<number>): Int32Array[] {
  const byId = new Map<number, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i] as number;
    let rows = byId.get(g);
    if (!rows) byId.set(g, (rows = []));
    rows.push(i);
  }
  return Array.from(byId.values(), (rows) => Int32Array.from(rows));
}

/**
 * Mean NDCG@k over groups (Järvelin & Kekäläinen 2002, with the exponential gain 2^grade − 1 of LambdaMART,
 * XGBoost and LightGBM): rows of a group ordered by score, highest first; equal scores keep row order. Groups
 * whose rows are all of grade 0 have no ideal order and are left out of the mean (NaN when every group is).
 * @example ndcgAt(Float64Array.of(2, 0), Float64Array.of(0.1, 0.9), [7, 7], 10) // 0.63…
 */
export function ndcgAt(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  groups: ArrayLike<number>,
  k: number,
): number {
  let sum = 0;
  let counted = 0;
  for (const rows of groupRows(groups)) {
    const value = groupNdcg(labels, scores, rows, k);
    if (Number.isNaN(value)) continue;
    sum += value;
    counted++;
  }
  return counted === 0 ? Number.NaN : sum / counted;
}

/** NDCG@k of one group's rows; NaN when none has a grade above 0. */
export function groupNdcg(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  rows: Int32Array,
  k: number,
): number {
  const byScore = Array.from(rows).sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  const ideal = Array.from(rows, (r) => labels[r] as number).sort((a, b) => b - a);
  let dcg = 0;
  let best = 0;
  for (let i = 0; i < Math.min(k, rows.length); i++) {
    const discount = 1 / Math.log2(i + 2);
    dcg += (2 ** (labels[byScore[i] as number] as number) - 1) * discount;
    best += (2 ** (ideal[i] as number) - 1) * discount;
  }
  return best === 0 ? Number.NaN : dcg / best;
}
