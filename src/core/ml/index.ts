// Models, their preprocessing, the tabular workflow and metrics.
export {
  averagePrecision,
  brierScore,
  calibrationBins,
  logLoss,
  regressionMetrics,
  ndcgAt,
  rocAuc,
  thresholdMetrics,
} from './numerics/metrics.js';
export type { CalibrationBin, RegressionMetrics, ThresholdMetrics } from './numerics/metrics.js';
export { zeros, rowOf, take } from './numerics/matrix.js';
export type { Matrix } from './numerics/matrix.js';
export { Pipeline, DEFAULT_PIPELINE, MISSING_STRATEGIES, SCALINGS, ENCODINGS } from './models/preprocess.js';
export type { DataRow, PipelineJSON, PipelineOptions } from './models/preprocess.js';
export { MODEL_KINDS, sigmoid } from './models/model.js';
export type {
  Explanation,
  FitOptions,
  FitProgress,
  Model,
  ModelJSON,
  ModelKind,
  Task,
} from './models/model.js';
export { LinearRegression, LogisticRegression, LinearSvm } from './models/linear.js';
export type { LogisticSettings, SvmSettings } from './models/linear.js';
export { FtrlProximal } from './models/ftrl.js';
export type { FtrlSettings } from './models/ftrl.js';
export { Mlp, loadTensorflow } from './models/mlp.js';
export type { MlpSettings } from './models/mlp.js';
export { Gbdt, DEFAULT_GBDT } from './models/gbdt.js';
export type { GbdtSettings, GbdtFitOptions } from './models/gbdt.js';
export { shuffled } from './numerics/shuffle.js';
export { binaryLabel, randomSplit, stratifiedSplit } from './lifecycle/split.js';
export type { Split } from './lifecycle/split.js';
export {
  TabularModel,
  bestF1Threshold,
  createModel,
  evaluate,
  mainMetric,
  modelFromJSON,
  permutationImportance,
  scoreOn,
  taskOf,
  trainTabular,
} from './lifecycle/tabular.js';
export { trainRanking } from './lifecycle/rank-training.js';
export type { RankTrainOptions } from './lifecycle/rank-training.js';
export type {
  ColumnCheck,
  Metrics,
  RowExplanation,
  RowPrediction,
  TabularJSON,
  TrainOptions,
  TrainReport,
  TrainResult,
} from './lifecycle/tabular.js';
export {
  checkModelName,
  loadModel,
  parseModelRef,
  promote,
  promoteUnlessRefused,
  resolveVersion,
  rollback,
  versionEntry,
} from './lifecycle/registry.js';
export type { ModelRef, PromoteResult, ValidationData } from './lifecycle/registry.js';
export { LiveModels } from './lifecycle/live-models.js';
export type { LiveModel } from './lifecycle/live-models.js';
