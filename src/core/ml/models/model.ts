// The one model contract (DESIGN.md "Models"; STYLE.md point 4): constructors store settings, `fit` learns from a
// matrix, `learnOne` from one row (online models), predictions and explanations per row, toJSON/fromJSON for the
// model store, `clone` for a fresh copy with the same settings.
import { ERROR_CODES, ShopstreamError } from '../../errors.js';
import type { Matrix } from '../numerics/matrix.js';

export const MODEL_KINDS = ['logistic', 'linear', 'svm', 'mlp', 'ftrl', 'gbdt'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** Binary classification (labels 0/1) or regression (any finite number). */
export type Task = 'binary' | 'regression';

export interface FitProgress {
  /** What the model is doing: epochs for the MLP and FTRL, Newton or coordinate-descent passes for the others. */
  readonly step: number;
  readonly steps: number;
  readonly loss?: number;
  readonly validationLoss?: number;
}

export interface FitOptions {
  readonly onProgress?: (progress: FitProgress) => void;
}

/**
 * Per-feature contributions to one prediction: `base + Σ contributions = output`, where `output` is in the
 * model's additive space — the value for regression, log-odds for logistic/FTRL/MLP/GBDT, the margin for the SVM.
 */
export interface Explanation {
  readonly base: number;
  readonly contributions: Float64Array;
  readonly output: number;
  readonly space: 'value' | 'log-odds' | 'margin';
  /**
   * `exact` for linear models; `integrated-gradients` (from the all-zero row, the training mean) for the MLP;
   * `tree-shap` (exact Shapley values, the training cover weighting what is not known) for gradient-boosted trees;
   * `tree-path` (Saabas: each split's change of the expected output, along the path) where asked to be fast.
   */
  readonly method: 'exact' | 'integrated-gradients' | 'tree-shap' | 'tree-path';
}

export interface ModelJSON {
  readonly kind: ModelKind;
  readonly settings: object;
  readonly state: unknown;
}

export interface Model {
  readonly kind: ModelKind;
  readonly task: Task;
  readonly settings: object;
  readonly fitted: boolean;
  /** Number of input columns, once fitted. */
  readonly width: number;
  /** Learns from all rows of X (labels 0/1 for binary models); replaces what it had learned. */
  fit(X: Matrix, y: Float64Array, options?: FitOptions): Promise<void>;
  /** Online models learn from one row at a time (FTRL). */
  learnOne?(x: ArrayLike<number>, y: number): void;
  /** Regression: the value; binary: the label 0/1 (probability ≥ 0.5, margin ≥ 0 for the SVM). */
  predictOne(x: ArrayLike<number>): number;
  /** Binary models: the probability of label 1 (the SVM's is Platt-scaled on its training margins). */
  predictProbaOne(x: ArrayLike<number>): number;
  /** One score per row: the probability for binary models, the value for regression — what metrics read. */
  predictMany(X: Matrix): Float64Array;
  explainOne(x: ArrayLike<number>): Explanation;
  /** A cheaper attribution, where the model has one (trees: the path attribution); else `explainOne` is used. */
  explainFast?(x: ArrayLike<number>): Explanation;
  /** An unfitted model with the same settings. */
  clone(): Model;
  toJSON(): ModelJSON;
}

export function notFitted(kind: string): ShopstreamError {
  return new ShopstreamError(ERROR_CODES.INVALID_OPTION, `${kind}: not fitted yet (call fit first)`, {
    field: 'model',
  });
}

export function invalidSetting(kind: string, field: string, reason: string): ShopstreamError {
  return new ShopstreamError(ERROR_CODES.INVALID_OPTION, `${kind}.${field}: ${reason}`, { field });
}

/** Labels must be 0/1 for binary models and finite for regression; names the first bad row. */
export function checkLabels(kind: string, task: Task, X: Matrix, y: Float64Array): void {
  if (y.length !== X.rows) {
    throw new ShopstreamError(ERROR_CODES.INVALID_OPTION, `${kind}: ${X.rows} rows but ${y.length} labels`, {
      field: 'label',
    });
  }
  if (X.rows === 0)
    throw new ShopstreamError(ERROR_CODES.INVALID_OPTION, `${kind}: no rows`, { field: 'rows' });
  for (let i = 0; i < y.length; i++) {
    const v = y[i] as number;
    if (task === 'binary' ? v !== 0 && v !== 1 : !Number.isFinite(v)) {
      throw new ShopstreamError(
        ERROR_CODES.INVALID_FIELD,
        `label: row ${i} is ${String(v)}; ${task === 'binary' ? 'binary labels are 0 or 1' : 'must be a finite number'}`,
        { field: 'label' },
      );
    }
  }
}

/** The error of asking a regression model for a probability. */
export function noProbabilities(kind: string): ShopstreamError {
  return invalidSetting(kind, 'task', 'a regression model has no probabilities');
}

/** `predictMany` row by row: the probability for binary models, the value for regression. */
export function scoreEachRow(model: Model, X: Matrix): Float64Array {
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    const x = X.data.subarray(i * X.cols, (i + 1) * X.cols);
    out[i] = model.task === 'regression' ? model.predictOne(x) : model.predictProbaOne(x);
  }
  return out;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}
