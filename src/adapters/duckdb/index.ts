// DuckDB adapters: the model store.
export { DuckDbModelStore, modelsFile } from './model-store.js';
