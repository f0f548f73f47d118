// DuckDB adapters: the model store file of earlier versions, read once to move it into SQLite.
export { legacyModelsFile, readLegacyModels } from './legacy-models.js';
export type { LegacyModelRow } from './legacy-models.js';
