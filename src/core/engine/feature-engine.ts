// The feature engine: one set of feature tables fed in event time, with a watermark and allowed lateness.
// The same object serves streaming (the log as it grows) and batch (a bounded slice of it).
import { ERROR_CODES, ShopstreamError } from '../errors.js';
import type { ShopEvent } from '../events/schemas.js';
import { DEFAULT_MAX_FUTURE_MS } from '../events/validate.js';
import type { Clock } from '../ports/clock.js';
import type { FeatureValue } from '../features/aggregators.js';
import type { CompiledFeature } from '../features/definition.js';
import { FeatureTable } from '../features/feature-table.js';
import { KeySpace } from '../features/key-space.js';
import type { TileColumn } from '../features/tile-column.js';
import { VectorReader, derivedValue } from './vector-reader.js';
import { LABEL_JOIN_HORIZON_MS, LabelJoin, type LabelJoinSnapshot } from './label-join.js';

export interface EngineOptions {
  /** Bounded out-of-orderness: the watermark trails the newest event time by this much. */
  readonly outOfOrdernessMs: number;
  /**
   * How far behind the watermark the state keeps every tile. An event older than watermark − allowedLateness is
   * still applied (it joins its tile, and lifetime aggregates take it) and counted as late: a correction of
   * results that were already final. Batch over history, read in event-time order, has none.
   */
  readonly allowedLatenessMs: number;
  /**
   * Live engines: the wall clock that bounds the engine's own. The engine's clock never passes the wall clock
   * plus `maxFutureMs`, so no event, whatever its stamp, can send the watermark ahead of the events to come.
   * Batch (absent): the clock is the newest event time.
   */
  readonly wallClock?: Clock;
  /** With `wallClock`: how far ahead of it the engine's clock may run (default 5 minutes, as ingestion's bound). */
  readonly maxFutureMs?: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  outOfOrdernessMs: 60_000,
  allowedLatenessMs: 10 * 60_000,
};

export interface EngineSnapshot {
  readonly version: typeof SNAPSHOT_VERSION;
  readonly maxEventTs: number;
  readonly processed: number;
  readonly late: number;
  /** Per entity (`by`): the features in order, the keys, and each feature's tiles as columns. */
  readonly groups: Record<string, GroupSnapshot>;
  /** Payments' entities kept for their labels (when a feature counts labels). */
  readonly labelJoin?: LabelJoinSnapshot;
}

/** The layout of `EngineSnapshot`; checkpoints of another layout are not restored (the state is rebuilt). */
export const SNAPSHOT_VERSION = 6;

/**
 * One entity's state in columns: a handful of typed arrays instead of millions of small objects, so that a
 * checkpoint of a million keys serializes and restores in a fraction of the time (see BENCHMARKS.md).
 */
export interface GroupSnapshot {
  readonly features: string[];
  /** The keys joined by NUL: one string serializes far faster than a million. */
  readonly keys: string;
  readonly columns: TileColumn[];
}

const KEY_SEPARATOR = '\u0000';

/** The features keyed by one entity, sharing one key space. */
interface EntityGroup {
  readonly by: string;
  readonly keys: KeySpace;
  readonly tables: FeatureTable[];
}

/**
 * Applies events to every feature. Lateness (a metric: late events are applied too) is decided per event
 * against the watermark as it stands when the event is applied, so it does not depend on how events are grouped
 * into micro-batches.
 * @example const engine = new FeatureEngine(features); engine.process(events); engine.value('user_views_1h', 'u1')
 */
export class FeatureEngine {
  private readonly tables: FeatureTable[] = [];
  private readonly groups: EntityGroup[] = [];
  private readonly byName = new Map<string, FeatureTable>();
  private readonly derived = new Map<string, CompiledFeature>();
  /** Per event type, the groups (and their tables) it can change: one key lookup per event and entity. */
  private readonly byType = new Map<string, { group: EntityGroup; tables: FeatureTable[] }[]>();
  /** Present when a feature counts `label` events: each label takes the entities of the payment it names. */
  private readonly labelJoin: LabelJoin | undefined;
  private maxEventTs = -Infinity;
  private processedCount = 0;
  private lateCount = 0;

  constructor(
    readonly features: readonly CompiledFeature[],
    readonly options: EngineOptions = DEFAULT_ENGINE_OPTIONS,
  ) {
    const groups = new Map<string, EntityGroup>();
    for (const feature of features) {
      if (feature.derived) {
        this.derived.set(feature.name, feature);
        continue;
      }
      let group = groups.get(feature.by);
      if (!group) {
        group = { by: feature.by, keys: new KeySpace(), tables: [] };
        groups.set(feature.by, group);
        this.groups.push(group);
      }
      const retainMs = options.outOfOrdernessMs + options.allowedLatenessMs;
      // Features of the entity with the same window, event types and `where` keep one list of tiles.
      const shareTilesWith = group.tables.find((t) => t.canShareTiles(feature));
      const table = new FeatureTable(feature, group.keys, { retainMs, shareTilesWith });
      group.tables.push(table);
      this.tables.push(table);
      this.byName.set(feature.name, table);
    }
    if (this.tables.some((t) => t.feature.on.includes('label'))) this.labelJoin = new LabelJoin();
    for (const group of this.groups) {
      const types = new Set(group.tables.flatMap((t) => t.feature.on));
      for (const type of types) {
        const entry = { group, tables: group.tables.filter((t) => t.feature.on.includes(type)) };
        this.byType.set(type, [...(this.byType.get(type) ?? []), entry]);
      }
    }
  }

  /** The engine's event-time clock: the newest event time applied (−Infinity before any), bounded by the wall clock. */
  get clock(): number {
    return this.maxEventTs;
  }

  /** The latest time the clock may reach now: the wall clock plus maxFutureMs, or +Infinity in batch. */
  private clockBound(): number {
    const wall = this.options.wallClock;
    return wall === undefined ? Infinity : wall.now() + (this.options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS);
  }

  get watermark(): number {
    return this.maxEventTs - this.options.outOfOrdernessMs;
  }

  /** Events applied, and of them those that came later than the allowed lateness (corrections). */
  get stats(): { processed: number; late: number } {
    return { processed: this.processedCount, late: this.lateCount };
  }

  /**
   * Applies every event (none is dropped: a late one joins its tile, and changes every value it can still
   * change); returns how many of them were late, beyond the allowed lateness.
   */
  process(events: readonly ShopEvent[]): number {
    let late = 0;
    const slack = this.options.outOfOrdernessMs + this.options.allowedLatenessMs;
    const bound = this.clockBound();
    const join = this.labelJoin;
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as ShopEvent;
      if (event.ts < this.maxEventTs - slack) late++;
      if (join === undefined) this.apply(event);
      else if (event.type === 'label') {
        const joined = join.enrich(event);
        if (joined !== undefined) this.apply(joined);
      } else {
        this.apply(event);
        if (event.type === 'payment') for (const label of join.notePayment(event)) this.apply(label);
      }
      if (event.ts > this.maxEventTs)
        this.maxEventTs = event.ts <= bound ? event.ts : Math.max(this.maxEventTs, bound);
      this.processedCount++;
    }
    this.lateCount += late;
    return late;
  }

  private apply(event: ShopEvent): void {
    const entries = this.byType.get(event.type);
    if (entries === undefined) return;
    for (let g = 0; g < entries.length; g++) {
      const { group, tables } = entries[g]!;
      const key = (tables[0] as FeatureTable).keyOf(event);
      if (key === undefined) continue;
      const slot = group.keys.slot(key);
      for (let k = 0; k < tables.length; k++) (tables[k] as FeatureTable).applyTo(slot, event);
    }
  }

  /**
   * A feature's value for an entity key as of `asOf` (default: just after the newest event); undefined for an
   * unknown name. `event` is the row being scored, for derived features that read it (zscore).
   */
  value(name: string, key: string, asOf = this.maxEventTs + 1, event?: ShopEvent): FeatureValue | undefined {
    const table = this.byName.get(name);
    if (table) return table.valueAt(key, asOf);
    const derived = this.derived.get(name);
    if (!derived?.derived) return undefined;
    const [a, b] = derived.derived.of.map((n) => this.byName.get(n)?.valueAt(key, asOf));
    return derivedValue(derived, a, b, event, asOf);
  }

  /**
   * A reader of many features of one event at once (scoring's hot path): the values `value` gives, each entity
   * looked up once; an unknown name is an error.
   */
  reader(names: readonly string[]): VectorReader {
    return new VectorReader(names, {
      table: (name) => this.byName.get(name),
      derivedFeature: (name) => this.derived.get(name),
    });
  }

  /**
   * Values of one entity's features (all of them, or `names`) as of `asOf`, for lookups by entity and id: an
   * unknown entity or name is an error naming the field.
   * @example engine.lookup('user', 'u1', ['user_views_1h'])
   */
  lookup(
    entity: string,
    id: string,
    names?: readonly string[],
    asOf = this.maxEventTs + 1,
  ): Record<string, FeatureValue> {
    const ofEntity = this.features.filter((f) => f.by === entity);
    if (ofEntity.length === 0) {
      const entities = [...new Set(this.features.map((f) => f.by))].join(', ');
      throw new ShopstreamError(
        ERROR_CODES.INVALID_OPTION,
        `entity: no feature is keyed by "${entity}" (features are keyed by ${entities})`,
        {
          field: 'entity',
        },
      );
    }
    const wanted = names ?? ofEntity.map((f) => f.name);
    const unknown = wanted.filter((n) => !ofEntity.some((f) => f.name === n));
    if (unknown.length > 0) {
      throw new ShopstreamError(
        ERROR_CODES.INVALID_OPTION,
        `names: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a feature' : 'are not features'} of ${entity}`,
        { field: 'names' },
      );
    }
    return Object.fromEntries(wanted.map((n) => [n, this.value(n, id, asOf) ?? null]));
  }

  /** The entity key of `event` for a feature (derived ones use their first base), or undefined. */
  keyOf(name: string, event: ShopEvent): string | undefined {
    const derived = this.derived.get(name)?.derived;
    // A feature of the event alone has one key, the empty one.
    if (derived !== undefined && derived.of.length === 0) return '';
    const base = derived?.of[0] ?? name;
    return this.byName.get(base)?.keyOf(event);
  }

  table(name: string): FeatureTable | undefined {
    return this.byName.get(name);
  }

  /** Drops tiles that no value at or after the watermark minus lateness can reach. */
  evict(): void {
    const horizon = this.watermark - this.options.allowedLatenessMs;
    for (const t of this.tables) t.evictBefore(horizon);
    this.labelJoin?.evictBefore(this.watermark - LABEL_JOIN_HORIZON_MS);
    for (const { keys, tables } of this.groups) keys.releaseEmpty(tables);
  }

  /** A copy of the whole state as structured-cloneable columns (typed arrays), ready to be serialized. */
  snapshot(): EngineSnapshot {
    const groups: EngineSnapshot['groups'] = {};
    for (const g of this.groups) {
      const { slots, keys } = g.keys.entries();
      groups[g.by] = {
        features: g.tables.map((t) => t.feature.name),
        keys: keys.join(KEY_SEPARATOR),
        columns: g.tables.map((t) => t.exportColumn(slots)),
      };
    }
    return {
      version: SNAPSHOT_VERSION,
      maxEventTs: this.maxEventTs,
      processed: this.processedCount,
      late: this.lateCount,
      groups,
      ...(this.labelJoin ? { labelJoin: this.labelJoin.snapshot() } : {}),
    };
  }

  /** Whether `restore` can load this snapshot (one of an older layout cannot: rebuild the state from the log). */
  static canRestore(snapshot: { readonly version?: unknown } | undefined): snapshot is EngineSnapshot {
    return snapshot?.version === SNAPSHOT_VERSION;
  }

  /** Loads a snapshot's state; features the snapshot lacks start empty, features it has that we lack are dropped. */
  restore(snapshot: EngineSnapshot): void {
    if (!FeatureEngine.canRestore(snapshot)) {
      throw new ShopstreamError(
        ERROR_CODES.INVALID_OPTION,
        `checkpoint: layout ${String((snapshot as { version?: unknown }).version)} is not ${SNAPSHOT_VERSION}; rebuild the state from the log`,
        { field: 'checkpoint' },
      );
    }
    // A checkpoint written before the clock was bounded may hold a clock far ahead: it is brought back to now.
    this.maxEventTs = Math.min(snapshot.maxEventTs, this.clockBound());
    this.processedCount = snapshot.processed;
    this.lateCount = snapshot.late;
    this.labelJoin?.restore(snapshot.labelJoin);
    for (const group of this.groups) {
      const saved = snapshot.groups[group.by];
      const keys = saved && saved.keys !== '' ? saved.keys.split(KEY_SEPARATOR) : [];
      group.keys.load(keys);
      for (const table of group.tables) table.resetTiles();
      for (const table of group.tables) {
        const from = saved ? saved.features.indexOf(table.feature.name) : -1;
        table.importColumn(from === -1 ? undefined : saved?.columns[from]);
      }
    }
  }
}
