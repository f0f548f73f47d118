// The core: event model, ingestion, ports and errors. Pure computation, no I/O.
export * from './errors.js';
export * from './events/index.js';
export * from './ports/index.js';
export * from './ingest/index.js';
export { Random, hashString } from './random.js';
export * from './features/index.js';
export * from './engine/index.js';
export * from './ml/index.js';
