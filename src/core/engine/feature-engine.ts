// The feature engine: one set of feature tables fed in event time, with a watermark and allowed lateness.
// The same object serves streaming (the log as it grows) and batch (a bounded slice of it).
import type { ShopEvent } from '../events/schemas.js';
import type { FeatureValue } from '../features/aggregators.js';
import type { CompiledFeature } from '../features/definition.js';
import { FeatureTable, type FeatureTableSnapshot } from '../features/feature-table.js';

export interface EngineOptions {
  /** Bounded out-of-orderness: the watermark trails the newest event time by this much. */
  readonly outOfOrdernessMs: number;
  /** Events older than watermark − allowedLateness are late: kept out of the state and reported. */
  readonly allowedLatenessMs: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  outOfOrdernessMs: 60_000,
  allowedLatenessMs: 10 * 60_000,
};

export interface EngineSnapshot {
  readonly version: 1;
  readonly maxEventTs: number;
  readonly processed: number;
  readonly late: number;
  readonly tables: Record<string, FeatureTableSnapshot>;
}

/**
 * Applies events to every feature. Lateness is decided per event against the watermark as it stands when the
 * event is applied, so results do not depend on how events are grouped into micro-batches.
 * @example const engine = new FeatureEngine(features); engine.process(events); engine.value('user_views_1h', 'u1')
 */
export class FeatureEngine {
  private readonly tables: FeatureTable[];
  private readonly byName = new Map<string, FeatureTable>();
  private maxEventTs = -Infinity;
  private processedCount = 0;
  private lateCount = 0;

  constructor(
    readonly features: readonly CompiledFeature[],
    readonly options: EngineOptions = DEFAULT_ENGINE_OPTIONS,
  ) {
    this.tables = features.map((f) => new FeatureTable(f));
    for (const t of this.tables) this.byName.set(t.feature.name, t);
  }

  /** The engine's event-time clock: the newest event time applied (−Infinity before any). */
  get clock(): number {
    return this.maxEventTs;
  }

  get watermark(): number {
    return this.maxEventTs - this.options.outOfOrdernessMs;
  }

  get stats(): { processed: number; late: number } {
    return { processed: this.processedCount, late: this.lateCount };
  }

  /** Applies events in order; returns the late ones (not applied). */
  process(events: readonly ShopEvent[]): ShopEvent[] {
    const late: ShopEvent[] = [];
    const tables = this.tables;
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as ShopEvent;
      if (event.ts < this.maxEventTs - this.options.outOfOrdernessMs - this.options.allowedLatenessMs) {
        late.push(event);
        this.lateCount++;
        continue;
      }
      for (let k = 0; k < tables.length; k++) (tables[k] as FeatureTable).apply(event);
      if (event.ts > this.maxEventTs) this.maxEventTs = event.ts;
      this.processedCount++;
    }
    return late;
  }

  /** A feature's value for an entity key as of `asOf` (default: just after the newest event). */
  value(name: string, key: string, asOf = this.maxEventTs + 1): FeatureValue | undefined {
    return this.byName.get(name)?.valueAt(key, asOf);
  }

  table(name: string): FeatureTable | undefined {
    return this.byName.get(name);
  }

  /** Drops tiles that no value at or after the watermark minus lateness can reach. */
  evict(): void {
    const horizon = this.watermark - this.options.allowedLatenessMs;
    for (const t of this.tables) t.evictBefore(horizon);
  }

  /**
   * The whole state as structured-cloneable data (Maps and typed arrays included). It is live: serialize or
   * copy it before the next `process` call.
   */
  snapshot(): EngineSnapshot {
    const tables: Record<string, FeatureTableSnapshot> = {};
    for (const t of this.tables) tables[t.feature.name] = t.snapshot();
    return {
      version: 1,
      maxEventTs: this.maxEventTs,
      processed: this.processedCount,
      late: this.lateCount,
      tables,
    };
  }

  /** Takes over a snapshot's state; features the snapshot lacks start empty. */
  restore(snapshot: EngineSnapshot): void {
    this.maxEventTs = snapshot.maxEventTs;
    this.processedCount = snapshot.processed;
    this.lateCount = snapshot.late;
    for (const t of this.tables) t.restore(snapshot.tables[t.feature.name]);
  }
}
