// Models, their preprocessing, the tabular workflow and metrics.
export {
  averagePrecision,
  brierScore,
  calibrationBins,
  logLoss,
  regressionMetrics,
  rocAuc,
  thresholdMetrics,
} from './metrics.js';
export type { CalibrationBin, RegressionMetrics, ThresholdMetrics } from './metrics.js';
export { zeros, rowOf, take } from './matrix.js';
export type { Matrix } from './matrix.js';
export { Pipeline, DEFAULT_PIPELINE, MISSING_STRATEGIES, SCALINGS, ENCODINGS } from './preprocess.js';
export type { DataRow, PipelineJSON, PipelineOptions } from './preprocess.js';
export { MODEL_KINDS, sigmoid } from './model.js';
export type { Explanation, FitOptions, FitProgress, Model, ModelJSON, ModelKind, Task } from './model.js';
export { LinearRegression, LogisticRegression, LinearSvm } from './linear.js';
export type { LogisticSettings, SvmSettings } from './linear.js';
export { FtrlProximal } from './ftrl.js';
export type { FtrlSettings } from './ftrl.js';
export { Mlp, loadTensorflow } from './mlp.js';
export type { MlpSettings } from './mlp.js';
export { binaryLabel, randomSplit, shuffled, stratifiedSplit } from './split.js';
export type { Split } from './split.js';
export {
  TabularModel,
  bestF1Threshold,
  createModel,
  evaluate,
  mainMetric,
  modelFromJSON,
  permutationImportance,
  scoreOn,
  trainTabular,
} from './tabular.js';
export type {
  ColumnCheck,
  Metrics,
  RowExplanation,
  RowPrediction,
  TabularJSON,
  TrainOptions,
  TrainReport,
  TrainResult,
} from './tabular.js';
export {
  checkModelName,
  loadModel,
  parseModelRef,
  promote,
  resolveVersion,
  rollback,
  versionEntry,
} from './registry.js';
export type { ModelRef, PromoteResult, ValidationData } from './registry.js';
export { LiveModels } from './live-models.js';
export type { LiveModel } from './live-models.js';
