// One scoring path from events to models: a model version records the features it was trained on and how each
// is read; scoring an event computes them from the live state as known just before it, with the same function
// that made the training rows (`rowValues`).
import { ERROR_CODES, ShopstreamError } from '../errors.js';
import type { ShopEvent } from '../events/schemas.js';
import type { FeatureValue } from '../features/aggregators.js';
import { ENTITY_FIELDS, type CompiledFeature } from '../features/definition.js';
import type { ModelVersion } from '../ports/model-store.js';
import type { DataRow } from '../ml/models/preprocess.js';
import type { FeatureEngine } from './feature-engine.js';
import { rowValues, type LabelSpec } from './training-set.js';

/** One feature a model reads: its definition, and the event fields its entity key is read from. */
export interface FeatureInput {
  readonly name: string;
  /** The definition as written (`on`, `by`, `agg`, `window`, `value`, `where`, or `derive` and `of`). */
  readonly definition: Readonly<Record<string, unknown>>;
  /** Event fields that make the key (one, or several for a composite entity such as user+category). */
  readonly keyFields: readonly string[];
}

/** Where a model's rows come from: stored with the version (`params.source`), read back to score events. */
export interface FeatureSource {
  /** The label spec of the training set, e.g. `fraud:30d`. */
  readonly label: string;
  /** The event type a row is made for. */
  readonly rowType: string;
  /** Every feature of the training set, the bases of derived ones included. */
  readonly features: readonly FeatureInput[];
}

/** The definition of a compiled feature as written: what two engines compare to tell they compute the same. */
export function definitionOf(feature: CompiledFeature): Record<string, unknown> {
  const { entities: _e, windowMs: _w, halfLifeMs: _h, derived, ...definition } = feature;
  return derived ? { ...definition, derive: derived.kind, of: [...derived.of] } : definition;
}

/** The source to record with a model trained on a point-in-time training set of `features`. */
export function featureSource(
  features: readonly CompiledFeature[],
  spec: LabelSpec,
  label: string,
): FeatureSource {
  const byName = new Map(features.map((f) => [f.name, f]));
  return {
    label,
    rowType: spec.rowType,
    features: features.map((f) => {
      const keyed = f.derived ? (byName.get(f.derived.of[0] as string) ?? f) : f;
      return {
        name: f.name,
        definition: definitionOf(f),
        keyFields: keyed.entities.map((e) => ENTITY_FIELDS[e]),
      };
    }),
  };
}

/** The feature source a version recorded, or undefined for a model trained on a table. */
export function featureSourceOf(meta: ModelVersion): FeatureSource | undefined {
  const source = (meta.params as { source?: FeatureSource }).source;
  return source && Array.isArray(source.features) ? source : undefined;
}

/**
 * The engine's features a source reads, each checked to be computed as the model was trained on it; a feature
 * the engine lacks or computes otherwise is SS_MODEL_REFUSED naming it.
 */
export function sourceFeatures(engine: FeatureEngine, source: FeatureSource): CompiledFeature[] {
  const served = new Map(engine.features.map((f) => [f.name, f]));
  return source.features.map((input) => {
    const live = served.get(input.name);
    if (!live || JSON.stringify(definitionOf(live)) !== JSON.stringify(input.definition)) {
      throw new ShopstreamError(
        ERROR_CODES.MODEL_REFUSED,
        `${input.name}: the model was trained on ${JSON.stringify(input.definition)}, which the live engine ${live ? `computes otherwise (${JSON.stringify(definitionOf(live))})` : 'does not compute'}; serve the features file it was trained with`,
        { field: input.name },
      );
    }
    return live;
  });
}

export interface ScoringRow {
  /** The time the values are as of: just before the event. */
  readonly asOf: number;
  readonly values: Record<string, FeatureValue>;
  readonly row: DataRow;
}

/**
 * The model's input row for `event` from a live engine: every feature of the source as known just before the
 * event, then the model's columns of them. The engine must compute each feature as the model was trained on it
 * (same definition), and must still hold the event's time exactly (within its allowed lateness).
 * @example const { row } = scoringRow(engine, source, ['card_payments_1h'], payment); model.predict(row)
 */
export function scoringRow(
  engine: FeatureEngine,
  source: FeatureSource,
  columns: readonly string[],
  event: ShopEvent,
): ScoringRow {
  if (event.type !== source.rowType) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_EVENT,
      `type: the model scores ${source.rowType} events, not ${event.type}`,
      { field: 'type' },
    );
  }
  const features = sourceFeatures(engine, source);
  const horizon = engine.watermark - engine.options.allowedLatenessMs;
  if (event.ts < horizon) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_FIELD,
      `ts: ${new Date(event.ts).toISOString()} is older than the live state holds exactly (from ${new Date(horizon).toISOString()}); score history with a dataset and predict`,
      { field: 'ts' },
    );
  }
  const values = rowValues(engine, features, event, event.ts);
  const row: Record<string, unknown> = {};
  for (const c of columns) {
    const v = values[c];
    row[c] = typeof v === 'number' || v === null || typeof v === 'string' ? v : null;
  }
  return { asOf: event.ts, values, row };
}
