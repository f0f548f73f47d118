// The seeded store simulator.
export { simulateStore, DEFAULT_SIMULATION } from './store-simulator.js';
export type { SimulationConfig, SimulationTruth } from './store-simulator.js';
export { FRAUD_TYPES } from './fraud.js';
export type { FraudType } from './fraud.js';
export { DIRTY_KINDS } from './dirty.js';
