// The feature engine: one set of feature tables fed in event time, with a watermark and allowed lateness.
// The same object serves streaming (the log as it grows) and batch (a bounded slice of it).
import type { ShopEvent } from '../events/schemas.js';
import type { FeatureValue } from '../features/aggregators.js';
import type { CompiledFeature } from '../features/definition.js';
import { FeatureTable, type SharedKeys } from '../features/feature-table.js';

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
  readonly version: 2;
  readonly maxEventTs: number;
  readonly processed: number;
  readonly late: number;
  /** Per entity (`by`): the features in slot order and the shared keyed state. */
  readonly groups: Record<string, { features: string[]; keys: SharedKeys }>;
}

/** The features keyed by one entity, sharing one key → tiles map. */
interface EntityGroup {
  readonly by: string;
  readonly keys: SharedKeys;
  readonly tables: FeatureTable[];
}

/**
 * Applies events to every feature. Lateness is decided per event against the watermark as it stands when the
 * event is applied, so results do not depend on how events are grouped into micro-batches.
 * @example const engine = new FeatureEngine(features); engine.process(events); engine.value('user_views_1h', 'u1')
 */
export class FeatureEngine {
  private readonly tables: FeatureTable[] = [];
  private readonly groups: EntityGroup[] = [];
  private readonly byName = new Map<string, FeatureTable>();
  /** Per event type, the groups (and their tables) it can change: one key lookup per event and entity. */
  private readonly byType = new Map<string, { group: EntityGroup; tables: FeatureTable[] }[]>();
  private maxEventTs = -Infinity;
  private processedCount = 0;
  private lateCount = 0;

  constructor(
    readonly features: readonly CompiledFeature[],
    readonly options: EngineOptions = DEFAULT_ENGINE_OPTIONS,
  ) {
    const groups = new Map<string, EntityGroup>();
    for (const feature of features) {
      let group = groups.get(feature.by);
      if (!group) {
        group = { by: feature.by, keys: new Map(), tables: [] };
        groups.set(feature.by, group);
        this.groups.push(group);
      }
      const table = new FeatureTable(feature, group.keys, group.tables.length);
      group.tables.push(table);
      this.tables.push(table);
      this.byName.set(feature.name, table);
    }
    for (const group of this.groups) {
      const types = new Set(group.tables.flatMap((t) => t.feature.on));
      for (const type of types) {
        const entry = { group, tables: group.tables.filter((t) => t.feature.on.includes(type)) };
        this.byType.set(type, [...(this.byType.get(type) ?? []), entry]);
      }
    }
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
    const lateBefore = () => this.maxEventTs - this.options.outOfOrdernessMs - this.options.allowedLatenessMs;
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as ShopEvent;
      if (event.ts < lateBefore()) {
        late.push(event);
        this.lateCount++;
        continue;
      }
      const entries = this.byType.get(event.type);
      if (entries !== undefined) {
        for (let g = 0; g < entries.length; g++) {
          const { group, tables } = entries[g]!;
          const key = (tables[0] as FeatureTable).keyOf(event);
          if (key === undefined) continue;
          let slots = group.keys.get(key);
          if (slots === undefined) {
            slots = [];
            group.keys.set(key, slots);
          }
          for (let k = 0; k < tables.length; k++) (tables[k] as FeatureTable).applyTo(slots, event);
        }
      }
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
    const groups: EngineSnapshot['groups'] = {};
    for (const g of this.groups)
      groups[g.by] = { features: g.tables.map((t) => t.feature.name), keys: g.keys };
    return {
      version: 2,
      maxEventTs: this.maxEventTs,
      processed: this.processedCount,
      late: this.lateCount,
      groups,
    };
  }

  /** Takes over a snapshot's state; features the snapshot lacks start empty, features it has that we lack are dropped. */
  restore(snapshot: EngineSnapshot): void {
    this.maxEventTs = snapshot.maxEventTs;
    this.processedCount = snapshot.processed;
    this.lateCount = snapshot.late;
    for (const group of this.groups) {
      group.keys.clear();
      const saved = snapshot.groups[group.by];
      if (!saved) continue;
      const slotOf = group.tables.map((t) => saved.features.indexOf(t.feature.name));
      const same = slotOf.length === saved.features.length && slotOf.every((from, to) => from === to);
      for (const [key, slots] of saved.keys) {
        const mine = same ? slots : slotOf.map((from) => (from === -1 ? undefined : slots[from]));
        if (mine.some((t) => t !== undefined)) group.keys.set(key, mine);
      }
    }
  }
}
