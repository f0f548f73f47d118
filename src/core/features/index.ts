// Features: definitions, mergeable aggregates, and their tiled keyed state.
export { AGGREGATES, EXACT_DISTINCT_LIMIT, aggregatorFor } from './aggregators.js';
export type { AggregateName, Aggregator, FeatureValue, Packed } from './aggregators.js';
export { ENTITY_FIELDS, DERIVED_KINDS, compileFeatures, unitOf } from './definition.js';
export type {
  CompiledFeature,
  DerivedDefinition,
  DerivedKind,
  Entity,
  FeatureDefinition,
  WhereClause,
} from './definition.js';
export { DAY, HOUR, MINUTE, SECOND, formatDuration, parseWindow, tileSizeFor } from './duration.js';
export { FeatureTable } from './feature-table.js';
export type { FeatureTableOptions } from './feature-table.js';
export { KeySpace } from './key-space.js';
export type { TileColumn } from './tile-column.js';
export { EXAMPLE_FEATURES } from './examples.js';
