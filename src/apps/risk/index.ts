// The risk app: every payment decided by features, a model and rules, with reasons and an audit trail.
export { RISK_FEATURES, RISK_PHRASES } from './feature-set.js';
