// Features: definitions, mergeable aggregates, and their tiled keyed state.
export { AGGREGATES, EXACT_DISTINCT_LIMIT, aggregatorFor } from './aggregators.js';
export type { AggregateName, Aggregator, FeatureValue, Packed } from './aggregators.js';
export { ENTITY_FIELDS, DERIVED_KINDS, compileFeatures } from './definition.js';
export type {
  CompiledFeature,
  DerivedDefinition,
  DerivedKind,
  Entity,
  FeatureDefinition,
  WhereClause,
} from './definition.js';
export { DAY, HOUR, MINUTE, SECOND, parseWindow, tileSizeFor } from './duration.js';
export { FeatureTable, KeySpace } from './feature-table.js';
export type { FeatureTableOptions, TileColumn } from './feature-table.js';
export { EXAMPLE_FEATURES } from './examples.js';
