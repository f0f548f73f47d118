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
 * Builds the rows from events in any order: they are sorted by event time (ties by their order here) and fed to
 * a `TrainingSetBuilder`.
 */
export function buildTrainingSet(
  events: readonly ShopEvent[],
  features: readonly CompiledFeature[],
  spec: LabelSpec,
): { rows: TrainingRow[]; summary: TrainingSetSummary } {
  const sorted = events
    .map((event, i) => ({ event, i }))
    .sort((a, b) => a.event.ts - b.event.ts || a.i - b.i)
    .map((s) => s.event);
  const builder = new TrainingSetBuilder(features, spec);
  builder.push(sorted);
  return builder.finish();
}

/**
 * The training set of a history read in event-time order, a page at a time (out of core: the log's events are
 * never all in memory, only the rows). A row's features are read before any event at or after its own timestamp
 * is applied, so no row sees its own event or anything later; its label is the first `label` event naming it.
 * The same `rowValues` reads a live engine for scoring (`scoreEvent`), so training and serving cannot drift.
 * @example const b = new TrainingSetBuilder(features, spec); for await (const page of historyPages(log)) b.push(page); b.finish()
 */
export class TrainingSetBuilder {
  // Nothing is late in a sorted history: no lateness to keep tiles for.
  private readonly engine: FeatureEngine;
  private readonly pending: Omit<TrainingRow, 'label'>[] = [];
  private readonly labels = new Map<string, EventOf<'label'>>();
  /** Events of the newest timestamp seen, not applied yet: rows at that time must not see them. */
  private group: ShopEvent[] = [];
  private groupTs = -Infinity;

  constructor(
    private readonly features: readonly CompiledFeature[],
    private readonly spec: LabelSpec,
  ) {
    this.engine = new FeatureEngine(features, { outOfOrdernessMs: 0, allowedLatenessMs: 0 });
  }

  /** The next events of the history, in event-time order (an event older than one pushed before is an error). */
  push(events: readonly ShopEvent[]): void {
    for (const event of events) {
      if (event.ts < this.groupTs) {
        throw new ShopstreamError(
          ERROR_CODES.INVALID_OPTION,
          `events: ${event.id} at ${new Date(event.ts).toISOString()} comes after a later event; push history in event-time order`,
          { field: 'events' },
        );
      }
      if (event.ts > this.groupTs) this.flush();
      this.groupTs = event.ts;
      this.group.push(event);
    }
  }

  /** The rows, with the summary; rows too recent to have matured are left out. */
  finish(): { rows: TrainingRow[]; summary: TrainingSetSummary } {
    const end = Number.isFinite(this.groupTs) ? this.groupTs : 0;
    this.flush();
    const rows: TrainingRow[] = [];
    let immature = 0;
    let lateLabels = 0;
    let positives = 0;
    for (const row of this.pending) {
      const label = this.labels.get(row.id);
      const labelled = label !== undefined && label.ts - row.ts <= this.spec.maturityMs;
      if (label !== undefined && !labelled) lateLabels++;
      if (!labelled && row.ts + this.spec.maturityMs > end) {
        immature++;
        continue;
      }
      const value = labelled && label.isFraud ? 1 : 0;
      positives += value;
      rows.push({ ...row, label: value });
    }
    return { rows, summary: { rows: rows.length, positives, immature, lateLabels } };
  }

  /** Rows at the group's time first, from state holding only earlier events; then the group's events. */
  private flush(): void {
    if (this.group.length === 0) return;
    const ts = this.groupTs;
    for (const event of this.group) {
      if (event.type === 'label') {
        if (!this.labels.has(event.paymentId)) this.labels.set(event.paymentId, event);
      } else if (event.type === this.spec.rowType) {
        const values = rowValues(this.engine, this.features, event, ts);
        this.pending.push({ id: event.paymentId, ts, values });
      }
    }
    this.engine.process(this.group);
    this.group = [];
  }
}

/**
 * Every feature's value for the entities of `event`, as known just before `asOf` (the event's time): the one
 * function that makes training rows and live scoring rows. A feature whose entity the event lacks is null.
 * @example rowValues(engine, features, payment, payment.ts)
 */
export function rowValues(
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
