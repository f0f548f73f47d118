// One feature's state: per entity key, aggregate states in time tiles; a window value is the merge of its tiles.
import type { ShopEvent } from '../events/schemas.js';
import { aggregatorFor, NUMERIC, type Aggregator, type FeatureValue } from './aggregators.js';
import type { CompiledFeature, WhereClause } from './definition.js';
import { ENTITY_FIELDS } from './definition.js';
import { DAY, tileSizeFor } from './duration.js';

type Tiles = Map<number, unknown>;

/** A table's state: entity key → tile index → aggregate state. Structured-cloneable. */
export type FeatureTableSnapshot = Map<string, Tiles>;

/**
 * Keyed, tiled state of one feature.
 *
 * Tiles are aligned to the epoch and their sizes divide a UTC day. The value as of T covers the tiles from the
 * one holding T − window through the one holding T − 1 ms: exactly `T − window ≤ ts < T` when T falls on a tile
 * boundary (every UTC midnight does), and up to one tile more on each side otherwise. Lifetime windows use
 * day tiles.
 * @example const t = new FeatureTable(feature); t.apply(event); t.valueAt('u1', Date.now())
 */
export class FeatureTable {
  readonly tileMs: number;
  private readonly aggregator: Aggregator;
  private readonly keys = new Map<string, Tiles>();
  private readonly numeric: boolean;

  constructor(readonly feature: CompiledFeature) {
    this.tileMs = Number.isFinite(feature.windowMs) ? tileSizeFor(feature.windowMs) : DAY;
    this.aggregator = aggregatorFor(feature.agg, { n: feature.n, halfLifeMs: feature.halfLifeMs });
    this.numeric = NUMERIC.has(feature.agg);
  }

  /** The entity key of an event for this feature, or undefined when the event has no such entity. */
  keyOf(event: ShopEvent): string | undefined {
    const record = event as unknown as Record<string, unknown>;
    let key = '';
    for (let i = 0; i < this.feature.entities.length; i++) {
      const value = record[ENTITY_FIELDS[this.feature.entities[i]!]];
      if (value === undefined || value === null || value === '') return undefined;
      key = i === 0 ? String(value) : `${key}|${String(value)}`;
    }
    return key;
  }

  /** Adds the event when it is of this feature's types, has its entity and value, and passes `where`. */
  apply(event: ShopEvent): boolean {
    if (!this.feature.on.includes(event.type)) return false;
    const record = event as unknown as Record<string, unknown>;
    if (this.feature.where && !matches(record, this.feature.where)) return false;
    const value = this.feature.value === undefined ? undefined : record[this.feature.value];
    if (this.feature.value !== undefined && (value === undefined || value === null)) return false;
    if (this.numeric && (typeof value !== 'number' || !Number.isFinite(value))) return false;
    const key = this.keyOf(event);
    if (key === undefined) return false;
    let tiles = this.keys.get(key);
    if (!tiles) {
      tiles = new Map();
      this.keys.set(key, tiles);
    }
    const tile = Math.floor(event.ts / this.tileMs);
    const state = tiles.get(tile);
    tiles.set(
      tile,
      this.aggregator.add(state === undefined ? this.aggregator.empty() : state, value, event.ts),
    );
    return true;
  }

  /** The feature's value for `key` as of `asOf` (see the class comment for the exact span). */
  valueAt(key: string, asOf: number): FeatureValue {
    const tiles = this.keys.get(key);
    let acc = this.aggregator.empty();
    if (tiles) {
      const last = Math.ceil(asOf / this.tileMs) - 1;
      const first = Number.isFinite(this.feature.windowMs)
        ? Math.floor((asOf - this.feature.windowMs) / this.tileMs)
        : -Infinity;
      // Merged in tile order, so every path that holds the same tiles gives bit-identical numbers.
      const indexes = [...tiles.keys()].filter((i) => i >= first && i <= last).sort((a, b) => a - b);
      for (const i of indexes) acc = this.aggregator.merge(acc, tiles.get(i));
    }
    return this.aggregator.result(acc, asOf);
  }

  /** Keys with state. */
  entityKeys(): IterableIterator<string> {
    return this.keys.keys();
  }

  /** The live state: serialize or copy it before the next event is applied. */
  snapshot(): FeatureTableSnapshot {
    return this.keys;
  }

  /** Takes over a snapshot's state (empty when there is none); the caller hands it over and keeps no reference. */
  restore(snapshot: FeatureTableSnapshot | undefined): void {
    this.keys.clear();
    if (snapshot) for (const [key, tiles] of snapshot) this.keys.set(key, tiles);
  }

  /** Entity keys with state. */
  get size(): number {
    return this.keys.size;
  }

  /** Drops tiles that no value as of `asOf` or later can need. */
  evictBefore(asOf: number): void {
    if (!Number.isFinite(this.feature.windowMs)) return;
    const first = Math.floor((asOf - this.feature.windowMs) / this.tileMs);
    for (const [key, tiles] of this.keys) {
      for (const i of tiles.keys()) if (i < first) tiles.delete(i);
      if (tiles.size === 0) this.keys.delete(key);
    }
  }
}

function matches(record: Record<string, unknown>, where: WhereClause): boolean {
  const v = record[where.field];
  if (where.eq !== undefined && v !== where.eq) return false;
  if (where.ne !== undefined && v === where.ne) return false;
  if (where.gt !== undefined && !(typeof v === 'number' && v > where.gt)) return false;
  if (where.lt !== undefined && !(typeof v === 'number' && v < where.lt)) return false;
  return true;
}
