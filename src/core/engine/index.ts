// The stream engine: feature state in event time, fed by the log, checkpointed with its offsets.
export { FeatureEngine, DEFAULT_ENGINE_OPTIONS } from './feature-engine.js';
export type { EngineOptions, EngineSnapshot } from './feature-engine.js';
export type { VectorReader } from './vector-reader.js';
export { StreamRunner, DEFAULT_RUNNER_OPTIONS } from './stream-runner.js';
export type { StreamObserver, StreamProcessor, StreamRunnerOptions } from './stream-runner.js';
export { replayLog } from './replay.js';
export type { ReplayOptions, ReplaySummary } from './replay.js';
export {
  buildTrainingSet,
  parseLabelSpec,
  rowValues,
  TrainingSetBuilder,
  LABEL_SPECS,
} from './training-set.js';
export { historyPages, HISTORY_PAGE } from './history.js';
export type { LabelSpec, TrainingRow, TrainingSetSummary } from './training-set.js';
export { definitionOf, featureSource, featureSourceOf, scoringRow, sourceFeatures } from './scoring.js';
export type { FeatureInput, FeatureSource, ScoringRow } from './scoring.js';
