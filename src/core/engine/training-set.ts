// Point-in-time training sets: one row per labelled event, with every feature as it was known just before it.
import { ERROR_CODES, ShopstreamError } from '../errors.js';
import type { EventOf, ShopEvent } from '../events/schemas.js';
import type { FeatureValue } from '../features/aggregators.js';
import type { CompiledFeature } from '../features/definition.js';
import { parseWindow } from '../features/duration.js';
import { FeatureEngine } from './feature-engine.js';

/** What a row is and where its label comes from. */
export interface LabelSpec {
  readonly name: string;
  /** Rows are events of this type … */
  readonly rowType: 'payment';
  /** … labelled by `label` events that name them, within this long after the row; older rows without one are negatives. */
  readonly maturityMs: number;
}

export const LABEL_SPECS = ['fraud'] as const;

/**
 * Parses `--label`: `fraud` or `fraud:MATURITY` (payments labelled by chargebacks and analysts; maturity 30d by default).
 * @example parseLabelSpec('fraud:45d')
 */
export function parseLabelSpec(spec: string): LabelSpec {
  const [name, maturity = '30d'] = spec.split(':');
  if (name !== 'fraud') {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      `--label: "${spec}" is not a label spec (${LABEL_SPECS.join(', ')}, optionally :MATURITY such as fraud:30d)`,
      { field: 'label' },
    );
  }
  const maturityMs = parseWindow(maturity);
  if (maturityMs === undefined || !Number.isFinite(maturityMs)) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      `--label: maturity "${maturity}" is not a duration such as 30d`,
      { field: 'label' },
    );
  }
  return { name, rowType: 'payment', maturityMs };
}

export interface TrainingRow {
  readonly id: string;
  readonly ts: number;
  readonly values: Record<string, FeatureValue>;
  readonly label: 0 | 1;
}

export interface TrainingSetSummary {
  readonly rows: number;
  readonly positives: number;
  /** Rows too recent to have matured: left out. */
  readonly immature: number;
  /** Labels that arrived after their row's maturity window (the row counts as negative). */
  readonly lateLabels: number;
}

/**
 * Builds the rows. Events are taken in event-time order; a row's features are read before any event at or after
 * its own timestamp is applied, so no row sees its own event or anything later.
 */
export function buildTrainingSet(
  events: readonly ShopEvent[],
  features: readonly CompiledFeature[],
  spec: LabelSpec,
): { rows: TrainingRow[]; summary: TrainingSetSummary } {
  // Nothing is late in a sorted history.
  const engine = new FeatureEngine(features, { outOfOrdernessMs: 0, allowedLatenessMs: Infinity });
  const sorted = events
    .map((event, i) => ({ event, i }))
    .sort((a, b) => a.event.ts - b.event.ts || a.i - b.i);
  const end = sorted.length > 0 ? (sorted[sorted.length - 1]?.event.ts as number) : 0;
  const labels = new Map<string, EventOf<'label'>>();
  for (const { event } of sorted) {
    if (event.type === 'label' && !labels.has(event.paymentId)) labels.set(event.paymentId, event);
  }
  const rows: TrainingRow[] = [];
  let immature = 0;
  let lateLabels = 0;
  let positives = 0;
  for (let start = 0; start < sorted.length;) {
    const ts = sorted[start]!.event.ts;
    let stop = start;
    while (stop < sorted.length && sorted[stop]!.event.ts === ts) stop++;
    // Rows at ts first, from state holding only events before ts; then the events at ts.
    for (let k = start; k < stop; k++) {
      const event = sorted[k]!.event;
      if (event.type !== spec.rowType) continue;
      const label = labels.get(event.paymentId);
      const labelled = label !== undefined && label.ts - ts <= spec.maturityMs;
      if (label !== undefined && !labelled) lateLabels++;
      if (!labelled && ts + spec.maturityMs > end) {
        immature++;
        continue;
      }
      const value = labelled && label.isFraud ? 1 : 0;
      positives += value;
      rows.push({ id: event.paymentId, ts, values: rowValues(engine, features, event, ts), label: value });
    }
    engine.process(sorted.slice(start, stop).map((s) => s.event));
    start = stop;
  }
  return { rows, summary: { rows: rows.length, positives, immature, lateLabels } };
}

function rowValues(
  engine: FeatureEngine,
  features: readonly CompiledFeature[],
  event: ShopEvent,
  ts: number,
): Record<string, FeatureValue> {
  const values: Record<string, FeatureValue> = {};
  for (const f of features) {
    const key = engine.keyOf(f.name, event);
    values[f.name] = key === undefined ? null : (engine.value(f.name, key, ts, event) ?? null);
  }
  return values;
}
