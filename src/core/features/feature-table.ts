// One feature's state: per entity key, aggregate states in time tiles; a window value is the merge of its tiles.
import type { ShopEvent } from '../events/schemas.js';
import {
  aggregatorFor,
  decayedAdd,
  distinctAddPacked,
  distinctHash,
  NUMERIC,
  packedDistinct,
  Spills,
  welfordAdd,
  type Aggregator,
  type FeatureValue,
  type Packed,
  type PackedKind,
} from './aggregators.js';
import type { CompiledFeature, WhereClause } from './definition.js';
import { ENTITY_FIELDS } from './definition.js';
import { DAY, tileSizeFor } from './duration.js';
import { KeySpace } from './key-space.js';
import { exportColumn, importColumn, resetTiles, type TileColumn } from './tile-column.js';
import { HEAD, NODE_OLDER, OLDER, TilePool, type TileMember } from './tile-pool.js';

export interface FeatureTableOptions {
  /**
   * How far behind the newest event a value may still be asked for (the engine's out-of-orderness plus allowed
   * lateness). Tiles beyond it are recycled as the key's new tiles open. Default: kept until `evictBefore`.
   */
  readonly retainMs?: number;
  /**
   * A table whose tile list this one shares (`canShareTiles`): one list of tiles, each holding both features'
   * states, so that a new tile is made, moved to the pool and trimmed once for both. Must join before the
   * first key.
   */
  readonly shareTilesWith?: FeatureTable;
}

/** Packed kinds as small integers for the switch of `FeatureTable.addPacked`. */
const KINDS: readonly PackedKind[] = [
  'count',
  'sum',
  'min',
  'max',
  'first',
  'last',
  'moments',
  'decayed',
  'distinct',
];

/**
 * Keyed, tiled state of one feature.
 *
 * Tiles are aligned to the epoch and their sizes divide a UTC day. The value as of T covers the tiles from the
 * one holding T − window through the one holding T − 1 ms: exactly `T − window ≤ ts < T` when T falls on a tile
 * boundary (every UTC midnight does), and up to one tile more on each side otherwise. Lifetime windows use
 * day tiles.
 *
 * Storage (`TilePool`, the hot path, hand-written for it: see BENCHMARKS.md, "fraud set"): a key's newest tile
 * lives in its slot record (`KeySpace`), shared with the other features of the entity; older tiles are nodes of
 * a pool in one Float64Array — (tile, older link, newer link, packed state) — listed newest first. An event mostly updates the
 * record in place, or moves the newest tile into the pool; tiles past reach are recycled as new ones open. Only
 * last_n and top_k keep an object per tile, beside the numbers; distinct does for a tile of more than
 * DISTINCT_INLINE values (`packedDistinct`).
 *
 * Features of one entity with the same window, event types and `where` share one list of tiles
 * (`shareTilesWith`; the engine sets it up): each tile holds every member's state, and is made, moved to the pool
 * and trimmed once for all of them (measured: 1.13× the fraud set's events per second, BENCHMARKS.md, run J). A
 * key then has tiles for each member as soon as it has them for one: a member whose value an event lacks keeps
 * an empty state there, which changes no value, though `entityKeys` lists the key.
 * @example const t = new FeatureTable(feature); t.apply(event); t.valueAt('u1', Date.now())
 */
export class FeatureTable {
  readonly tileMs: number;
  readonly keys: KeySpace;
  /** The tile list this feature's states live in: its own, or the one it shares (`shareTilesWith`). */
  readonly pool: TilePool;
  /** Where this feature's states are in the list's slot records and pool nodes. */
  readonly member: TileMember;
  readonly aggregator: Aggregator;
  readonly packed: Packed<unknown> | undefined;
  /** Numbers per packed state (0 for object states). */
  readonly width: number;
  /** The index of the packed kind in KINDS, or −1. */
  private readonly kind: number;
  private readonly halfLifeMs: number;
  private readonly where: WhereClause | undefined;
  private readonly valueField: string | undefined;
  /** Whether the object aggregate reads event time (last_n does; top_k does not). */
  private readonly objectsUseTs: boolean;
  /** This feature's state in a slot record and in a pool node (the member's, kept here for the hot path). */
  private readonly recordAt: number;
  private readonly nodeAt: number;
  /** Whether the tile list is this feature's own (the others of a shared list leave eviction to it). */
  private readonly keepsTiles: boolean;
  private readonly numeric: boolean;
  private readonly types: ReadonlySet<string>;
  /** The event field of a single-entity key; undefined for composites. */
  private readonly keyField: string | undefined;
  private readonly keyFields: readonly string[];
  private readonly ownsKeys: boolean;
  /** distinct: the states of tiles that outgrew their numbers (see `packedDistinct`). */
  private readonly spills: Spills | undefined;

  /** `keys` places this feature in slots shared with the other features of its entity (default: its own). */
  constructor(
    readonly feature: CompiledFeature,
    keys?: KeySpace,
    options: FeatureTableOptions = {},
  ) {
    this.keys = keys ?? new KeySpace();
    this.ownsKeys = keys === undefined;
    this.tileMs = Number.isFinite(feature.windowMs) ? tileSizeFor(feature.windowMs) : DAY;
    this.aggregator = aggregatorFor(feature.agg, { n: feature.n, halfLifeMs: feature.halfLifeMs });
    if (feature.agg === 'distinct') this.spills = new Spills();
    this.packed = this.spills ? (packedDistinct(this.spills) as Packed<unknown>) : this.aggregator.packed;
    this.width = this.packed?.width ?? 0;
    this.kind = this.packed ? KINDS.indexOf(this.packed.kind) : -1;
    this.halfLifeMs = this.packed?.halfLifeMs ?? 0;
    this.objectsUseTs = feature.agg === 'last_n';
    this.where = feature.where;
    this.valueField = feature.value;
    const retainMs = options.retainMs ?? Infinity;
    const retainTiles = Number.isFinite(feature.windowMs)
      ? Math.ceil((retainMs + feature.windowMs) / this.tileMs) + 1
      : Infinity;
    const leader = options.shareTilesWith;
    if (leader) {
      if (
        !this.packed ||
        !leader.canShareTiles(feature) ||
        leader.keys !== this.keys ||
        this.keys.slots !== 0
      )
        throw new Error(`${feature.name}: cannot share the tiles of ${leader.feature.name}`);
      if (leader.pool.retainTiles !== retainTiles)
        throw new Error(
          `${feature.name}: cannot share the tiles of ${leader.feature.name} (another retainMs)`,
        );
      this.pool = leader.pool;
    } else {
      const aggregator = this.aggregator;
      const emptyObject = this.packed ? undefined : () => aggregator.empty();
      this.pool = new TilePool(
        this.keys,
        feature.name,
        this.tileMs,
        feature.windowMs,
        retainTiles,
        emptyObject,
      );
    }
    this.keepsTiles = leader === undefined;
    const empty = new Float64Array(this.width);
    this.packed?.clear(empty, 0);
    this.member = this.pool.join(empty, this.spills);
    this.recordAt = this.member.recordAt;
    this.nodeAt = this.member.nodeAt;
    this.numeric = NUMERIC.has(feature.agg);
    this.types = new Set(feature.on);
    this.keyFields = feature.entities.map((e) => ENTITY_FIELDS[e]);
    this.keyField = this.keyFields.length === 1 ? this.keyFields[0] : undefined;
  }

  /** The entity key of an event for this feature, or undefined when the event has no such entity. */
  keyOf(event: ShopEvent): string | undefined {
    const record = event as unknown as Record<string, unknown>;
    if (this.keyField !== undefined) {
      const value = record[this.keyField];
      return value === undefined || value === null || value === '' ? undefined : String(value);
    }
    let key = '';
    for (let i = 0; i < this.keyFields.length; i++) {
      const value = record[this.keyFields[i] as string];
      if (value === undefined || value === null || value === '') return undefined;
      key = i === 0 ? String(value) : `${key}|${String(value)}`;
    }
    return key;
  }

  /** Adds the event when it is of this feature's types, has its entity and value, and passes `where`. */
  apply(event: ShopEvent): boolean {
    if (!this.types.has(event.type)) return false;
    const key = this.keyOf(event);
    if (key === undefined) return false;
    return this.applyTo(this.keys.slot(key), event);
  }

  /** Adds an event of this feature's types to the tiles of its key's slot (already looked up), when it qualifies. */
  applyTo(slot: number, event: ShopEvent): boolean {
    const record = event as unknown as Record<string, unknown>;
    if (this.where !== undefined && !matches(record, this.where)) return false;
    let value: unknown;
    if (this.valueField !== undefined) {
      value = record[this.valueField];
      if (value === undefined || value === null) return false;
      if (this.numeric && (typeof value !== 'number' || !Number.isFinite(value))) return false;
    }
    // Hot path: the helpers take the event and small integers, never a computed double, which V8 would box
    // for each call it does not inline (measured: 24 bytes of garbage per feature and event).
    const pool = this.pool;
    const node = pool.tileOf(slot, event);
    if (this.packed) {
      if (node === -1)
        this.addPacked(this.keys.records, slot * this.keys.recordWidth + this.recordAt, value, event);
      else this.addPacked(pool.nodes, node * pool.stride + this.nodeAt, value, event);
    } else if (node === -1) {
      const heads = pool.heads as unknown[];
      heads[slot] = this.aggregator.add(heads[slot], value, this.tsOf(event));
    } else {
      const objects = pool.objects as unknown[];
      objects[node] = this.aggregator.add(objects[node], value, this.tsOf(event));
    }
    return true;
  }

  /**
   * Whether `feature` can keep its states in this table's tiles (`shareTilesWith`): both of packed aggregates,
   * of the same entity and window (so the same tiles), counting the same event types under the same `where`.
   */
  canShareTiles(feature: CompiledFeature): boolean {
    const f = this.feature;
    const packs =
      feature.agg === 'distinct' ||
      aggregatorFor(feature.agg, { n: feature.n, halfLifeMs: feature.halfLifeMs }).packed !== undefined;
    return (
      this.keepsTiles &&
      this.packed !== undefined &&
      packs &&
      f.entities.join('+') === feature.entities.join('+') &&
      f.windowMs === feature.windowMs &&
      [...f.on].sort().join() === [...feature.on].sort().join() &&
      JSON.stringify(f.where) === JSON.stringify(feature.where)
    );
  }

  /** The feature's value for `key` as of `asOf` (see the class comment for the exact span). */
  valueAt(key: string, asOf: number): FeatureValue {
    return this.valueAtSlot(this.keys.find(key), asOf);
  }

  /** `valueAt` for a key's slot, already looked up in the key space (undefined: the key has no state). */
  valueAtSlot(slot: number | undefined, asOf: number): FeatureValue {
    if (this.kind >= 0 && this.kind <= 5) return this.scalarAt(slot, asOf);
    const aggregator = this.aggregator;
    let acc = aggregator.empty();
    if (slot === undefined) return aggregator.result(acc, asOf);
    const rec = this.keys.records;
    const pool = this.pool;
    const base = slot * this.keys.recordWidth + pool.offset;
    const last = Math.ceil(asOf / this.tileMs) - 1;
    const first = Number.isFinite(this.feature.windowMs)
      ? Math.floor((asOf - this.feature.windowMs) / this.tileMs)
      : -Infinity;
    const head = (rec[base + HEAD] as number) - 1;
    if (head === -1 || head < first) return aggregator.result(acc, asOf);
    // Newest tile first, for every path alike, so the same tiles always give bit-identical numbers.
    if (head <= last) {
      const own = slot * this.keys.recordWidth + this.recordAt;
      acc = aggregator.merge(acc, this.packed ? this.packed.read(rec, own) : pool.heads?.[slot]);
    }
    const { nodes, stride } = pool;
    for (
      let at = rec[base + OLDER] as number;
      at !== 0;
      at = nodes[(at - 1) * stride + NODE_OLDER] as number
    ) {
      const t = nodes[(at - 1) * stride] as number;
      if (t < first) break;
      if (t <= last) {
        const state = this.packed
          ? this.packed.read(nodes, (at - 1) * stride + this.nodeAt)
          : pool.objects?.[at - 1];
        acc = aggregator.merge(acc, state);
      }
    }
    return aggregator.result(acc, asOf);
  }

  /**
   * `valueAtSlot` for the scalar kinds (count, sum, min, max, first, last): the same walk and the same merges in
   * the same order as the aggregator's, inline on the numbers (the hot path of scoring: no call per tile).
   */
  private scalarAt(slot: number | undefined, asOf: number): FeatureValue {
    const kind = this.kind;
    const adds = kind <= 1;
    const low = kind === 2 || kind === 4;
    const empty = adds ? 0 : low ? Infinity : -Infinity;
    if (slot === undefined) return adds ? empty : null;
    let acc = empty;
    const rec = this.keys.records;
    const pool = this.pool;
    const base = slot * this.keys.recordWidth + pool.offset;
    const last = Math.ceil(asOf / this.tileMs) - 1;
    const first = Number.isFinite(this.feature.windowMs)
      ? Math.floor((asOf - this.feature.windowMs) / this.tileMs)
      : -Infinity;
    const head = (rec[base + HEAD] as number) - 1;
    if (head === -1 || head < first) return adds ? empty : null;
    if (head <= last) {
      const v = rec[slot * this.keys.recordWidth + this.recordAt] as number;
      acc = adds ? acc + v : low ? (v < acc ? v : acc) : v > acc ? v : acc;
    }
    const { nodes, stride } = pool;
    const nodeAt = this.nodeAt;
    for (
      let at = rec[base + OLDER] as number;
      at !== 0;
      at = nodes[(at - 1) * stride + NODE_OLDER] as number
    ) {
      const t = nodes[(at - 1) * stride] as number;
      if (t < first) break;
      if (t <= last) {
        const v = nodes[(at - 1) * stride + nodeAt] as number;
        acc = adds ? acc + v : low ? (v < acc ? v : acc) : v > acc ? v : acc;
      }
    }
    return adds || acc !== empty ? acc : null;
  }

  /** Keys with state for this feature. */
  *entityKeys(): IterableIterator<string> {
    for (let slot = 0; slot < this.keys.slots; slot++) {
      if (this.isEmpty(slot)) continue;
      const key = this.keys.keyAt(slot);
      if (key !== undefined) yield key;
    }
  }

  /** How many keys have state for this feature. */
  get size(): number {
    let n = 0;
    for (let slot = 0; slot < this.keys.slots; slot++) if (!this.isEmpty(slot)) n++;
    return n;
  }

  /** The feature whose tile list holds this one's states (`shareTilesWith`): its own name when none. */
  get tilesKeptBy(): string {
    return this.pool.name;
  }

  /** distinct: tile states kept beside the numbers, of tiles with more than DISTINCT_INLINE values (else 0). */
  get spilled(): number {
    return this.spills?.size ?? 0;
  }

  /** Whether the slot holds no tile of this feature. */
  isEmpty(slot: number): boolean {
    return this.pool.isEmpty(slot);
  }

  /** Drops this feature's tiles that no value as of `asOf` or later can need. */
  evictBefore(asOf: number): void {
    // A table sharing another's tiles has none of its own: the keeper evicts (same window, same tiles).
    if (this.keepsTiles) this.pool.evictBefore(asOf);
    if (this.ownsKeys) this.keys.releaseEmpty([this]);
  }

  /** This feature's tiles for the given slots, in their order, as a checkpoint column. */
  exportColumn(slots: Int32Array): TileColumn {
    return exportColumn(this, slots);
  }

  /** Replaces this feature's tiles by a checkpoint column's (`importColumn` of tile-column.ts). */
  importColumn(column: TileColumn | undefined): void {
    importColumn(this, column);
  }

  /** Empties the tile list this feature keeps or shares, its pool sized for a column's tiles. */
  resetTiles(column?: TileColumn): void {
    resetTiles(this, column);
  }

  /** The event time for an object aggregate's `add`: 0 for those that ignore it, which spares boxing a number. */
  private tsOf(event: ShopEvent): number {
    return this.objectsUseTs ? event.ts : 0;
  }

  /**
   * `Packed.add` of this feature's aggregate, inline: called through the aggregator, the call site would see
   * every aggregate, V8 would not inline it, and each call would box its numbers (measured: see BENCHMARKS.md).
   */
  private addPacked(a: Float64Array, at: number, value: unknown, event: ShopEvent): void {
    const x = value as number;
    const ts = event.ts;
    switch (this.kind) {
      case 0: // count
        a[at] = (a[at] as number) + 1;
        return;
      case 1: // sum
        a[at] = (a[at] as number) + x;
        return;
      case 2: // min
        if (x < (a[at] as number)) a[at] = x;
        return;
      case 3: // max
        if (x > (a[at] as number)) a[at] = x;
        return;
      case 4: // first seen
        if (ts < (a[at] as number)) a[at] = ts;
        return;
      case 5: // last seen
        if (ts > (a[at] as number)) a[at] = ts;
        return;
      case 6:
        welfordAdd(a, at, x);
        return;
      case 7:
        decayedAdd(a, at, x, ts, this.halfLifeMs);
        return;
      case 8:
        distinctAddPacked(a, at, distinctHash(value), this.spills as Spills);
        return;
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
