// File adapters: importing JSONL, CSV and Parquet through presets or mapping files.
export { importFile, firstLineOf, formatOf, FILE_FORMATS, DEFAULT_IMPORT_BATCH } from './import-file.js';
export type { FileFormat, ImportOptions, ImportProgress } from './import-file.js';
export { PRESETS, PAYSIM_EPOCH } from './presets/index.js';
export { parseMapping, mappingConverter } from './mapping.js';
export type { Mapping, FieldSpec, Conversion } from './mapping.js';
export type { Preset, RowConverter } from './converter.js';
export { readLineBatches } from './read-lines.js';
export { rowId } from './row-id.js';
export { writeTable } from './write-table.js';
export { lockDataDir } from './data-lock.js';
export type { DataLock } from './data-lock.js';
export type { Cell } from './write-table.js';
export { readTable, fileFingerprint } from './read-table.js';
export type { Table } from './read-table.js';
