// The risk app: every payment decided by features, a model and rules, with reasons, stored for audit, backtests
// and training; labels that teach it; a review queue; shadow mode. docs/risk.md describes it.
export { RISK_FEATURES, RISK_FEATURE_NAMES, RISK_PHRASES, withRiskFeatures } from './feature-set.js';
export { compileRuleSet, compileExpression, SEVERITY } from './rules.js';
export type { CompiledRuleSet, RuleDefinition, RuleSetDocument, RuleValue } from './rules.js';
export { DEFAULT_RULES } from './default-rules.js';
export { Lists, LIST_FIELDS } from './lists.js';
export { decide, featureVector, paymentFields, phrase, ruleNames, PAYMENT_FIELDS } from './decide.js';
export type { DecisionOutcome, ModelOpinion } from './decide.js';
export { RiskService, RISK_MODEL, RISK_MATURITY_MS } from './service.js';
export type { RiskServiceOptions } from './service.js';
export { OnlineRiskModel } from './online.js';
export { DecisionStats } from './stats.js';
export type { RiskStats } from './stats.js';
export { ShadowTracker } from './shadow.js';
export type { ShadowOptions } from './shadow.js';
export { backtest } from './backtest.js';
export type { BacktestMetrics, BacktestOptions, BacktestReport, BacktestSide } from './backtest.js';
export { trainRiskModel, riskTrainingRows, riskTable, modelColumns, RISK_LABEL, RISK_GBDT } from './train.js';
export type { RiskTrainResult } from './train.js';
