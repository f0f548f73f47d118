// Models and their metrics.
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
