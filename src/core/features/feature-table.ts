// One feature's state: per entity key, aggregate states in time tiles; a window value is the merge of its tiles.
import type { ShopEvent } from '../events/schemas.js';
import { aggregatorFor, NUMERIC, type Aggregator, type FeatureValue, type Packed } from './aggregators.js';
import type { CompiledFeature, WhereClause } from './definition.js';
import { ENTITY_FIELDS } from './definition.js';
import { DAY, tileSizeFor } from './duration.js';

/**
 * The entity keys of the features keyed by one entity: key → slot, a small integer that indexes every feature's
 * state. Shared by those features, so an event costs one Map lookup per entity rather than one per feature.
 */
export class KeySpace {
  private readonly index = new Map<string, number>();
  private readonly bySlot: (string | undefined)[] = [];
  private readonly free: number[] = [];

  /** The slot of `key`, made when it has none. */
  slot(key: string): number {
    let slot = this.index.get(key);
    if (slot === undefined) {
      slot = this.free.pop() ?? this.bySlot.length;
      this.bySlot[slot] = key;
      this.index.set(key, slot);
    }
    return slot;
  }

  /** The slot of `key`, or undefined when it has none. */
  find(key: string): number | undefined {
    return this.index.get(key);
  }

  keyAt(slot: number): string | undefined {
    return this.bySlot[slot];
  }

  /** One past the highest slot ever handed out. */
  get slots(): number {
    return this.bySlot.length;
  }

  get size(): number {
    return this.index.size;
  }

  /** Frees the slot of a key that no feature holds state for any more. */
  release(slot: number): void {
    const key = this.bySlot[slot];
    if (key === undefined) return;
    this.index.delete(key);
    this.bySlot[slot] = undefined;
    this.free.push(slot);
  }

  /** Replaces every key: `keys[i]` gets slot i. */
  load(keys: readonly string[]): void {
    this.index.clear();
    this.bySlot.length = 0;
    this.free.length = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      this.bySlot.push(key);
      this.index.set(key, i);
    }
  }

  /** Live slots and their keys, in slot order. */
  entries(): { slots: Int32Array; keys: string[] } {
    const slots = new Int32Array(this.index.size);
    const keys: string[] = [];
    for (let s = 0; s < this.bySlot.length; s++) {
      const key = this.bySlot[s];
      if (key === undefined) continue;
      slots[keys.length] = s;
      keys.push(key);
    }
    return { slots, keys };
  }
}

/**
 * One feature's tiles over many keys, as a checkpoint holds them: `counts[k]` tiles for the k-th key, their tile
 * numbers oldest first, and their states — `width` numbers each for packed aggregates, objects otherwise.
 */
export interface TileColumn {
  readonly counts: Uint32Array;
  readonly tiles: Float64Array;
  readonly width?: number;
  readonly numbers?: Float64Array;
  readonly objects?: unknown[];
}

export interface FeatureTableOptions {
  /**
   * How far behind the newest event a value may still be asked for (the engine's out-of-orderness plus allowed
   * lateness). Tiles beyond it are recycled as the key's new tiles open. Default: kept until `evictBefore`.
   */
  readonly retainMs?: number;
}

/**
 * Keyed, tiled state of one feature.
 *
 * Tiles are aligned to the epoch and their sizes divide a UTC day. The value as of T covers the tiles from the
 * one holding T − window through the one holding T − 1 ms: exactly `T − window ≤ ts < T` when T falls on a tile
 * boundary (every UTC midnight does), and up to one tile more on each side otherwise. Lifetime windows use
 * day tiles.
 *
 * Storage (the hot path, hand-written for it: see BENCHMARKS.md, "fraud set"): tiles are nodes in one
 * Float64Array, each node a record of (tile number, link to the next older node + 1, packed state), one list per
 * key, newest first — so an event mostly touches one slot record and one node, both a single cache line. Freed
 * nodes are reused; only distinct, last_n and top_k keep an object per tile, beside the pool.
 * @example const t = new FeatureTable(feature); t.apply(event); t.valueAt('u1', Date.now())
 */
export class FeatureTable {
  readonly tileMs: number;
  readonly keys: KeySpace;
  private readonly aggregator: Aggregator;
  private readonly packed: Packed<unknown> | undefined;
  private readonly width: number;
  /** Numbers per node: tile, link, state. */
  private readonly stride: number;
  private readonly numeric: boolean;
  private readonly types: ReadonlySet<string>;
  /** The event field of a single-entity key; undefined for composites. */
  private readonly keyField: string | undefined;
  private readonly keyFields: readonly string[];
  /** Tiles older than this many before an event's own are never read again (Infinity: keep them). */
  private readonly retainTiles: number;
  private readonly ownsKeys: boolean;

  /** Per slot, two numbers: its newest node + 1 and its oldest node + 1 (0 and 0 when it has none). */
  private ends = new Int32Array(32);
  /** Node records of `stride` numbers: [tile, next older node + 1 (or next free node + 1), state…]. */
  private nodes: Float64Array;
  /** States of the aggregates that are not packed, by node. */
  private objects: unknown[] | undefined;
  /** Nodes handed out so far (the pool's high-water mark) and the free list's first node + 1. */
  private used = 0;
  private freeList = 0;

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
    this.packed = this.aggregator.packed;
    this.width = this.packed?.width ?? 0;
    this.stride = 2 + this.width;
    this.nodes = new Float64Array(16 * this.stride);
    if (!this.packed) this.objects = [];
    this.numeric = NUMERIC.has(feature.agg);
    this.types = new Set(feature.on);
    this.keyFields = feature.entities.map((e) => ENTITY_FIELDS[e]);
    this.keyField = this.keyFields.length === 1 ? this.keyFields[0] : undefined;
    const retainMs = options.retainMs ?? Infinity;
    this.retainTiles = Number.isFinite(feature.windowMs)
      ? Math.ceil((retainMs + feature.windowMs) / this.tileMs) + 1
      : Infinity;
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
    if (this.feature.where && !matches(record, this.feature.where)) return false;
    let value: unknown;
    if (this.feature.value !== undefined) {
      value = record[this.feature.value];
      if (value === undefined || value === null) return false;
      if (this.numeric && (typeof value !== 'number' || !Number.isFinite(value))) return false;
    }
    if (2 * slot >= this.ends.length) this.ends = grow(this.ends, 2 * slot + 2);
    const stride = this.stride;
    const tile = Math.floor(event.ts / this.tileMs);
    const first = this.ends[2 * slot] as number;
    if (first !== 0) {
      const headTile = this.nodes[(first - 1) * stride] as number;
      if (headTile === tile) {
        this.addAt(first - 1, value, event.ts);
        return true;
      }
      if (headTile < tile - this.retainTiles) {
        // Every tile of the key is past reach (the head is its newest): reuse the head for the new tile.
        const rest = this.nodes[(first - 1) * stride + 1] as number;
        if (rest !== 0) this.release(rest);
        this.reset(first - 1, tile, 0);
        this.ends[2 * slot + 1] = first;
        this.addAt(first - 1, value, event.ts);
        return true;
      }
    }
    if (first === 0 || (this.nodes[(first - 1) * stride] as number) < tile) {
      // A new newest tile.
      const node = this.allocate(tile, first);
      this.ends[2 * slot] = node + 1;
      if (first === 0) this.ends[2 * slot + 1] = node + 1;
      this.addAt(node, value, event.ts);
      if (first !== 0 && this.retainTiles !== Infinity) this.trim(slot, tile - this.retainTiles);
      return true;
    }
    // An older tile: walk to its place in the list.
    let prev = first - 1;
    let at = this.nodes[prev * stride + 1] as number;
    while (at !== 0 && (this.nodes[(at - 1) * stride] as number) > tile) {
      prev = at - 1;
      at = this.nodes[prev * stride + 1] as number;
    }
    if (at !== 0 && this.nodes[(at - 1) * stride] === tile) {
      this.addAt(at - 1, value, event.ts);
      return true;
    }
    const node = this.allocate(tile, at);
    this.nodes[prev * stride + 1] = node + 1;
    if (at === 0) this.ends[2 * slot + 1] = node + 1;
    this.addAt(node, value, event.ts);
    return true;
  }

  /** The feature's value for `key` as of `asOf` (see the class comment for the exact span). */
  valueAt(key: string, asOf: number): FeatureValue {
    const slot = this.keys.find(key);
    const aggregator = this.aggregator;
    const stride = this.stride;
    let acc = aggregator.empty();
    let at = slot === undefined ? 0 : (this.ends[2 * slot] ?? 0);
    const last = Math.ceil(asOf / this.tileMs) - 1;
    const first = Number.isFinite(this.feature.windowMs)
      ? Math.floor((asOf - this.feature.windowMs) / this.tileMs)
      : -Infinity;
    // Newest tile first, for every path alike, so the same tiles always give bit-identical numbers.
    for (; at !== 0; at = this.nodes[(at - 1) * stride + 1] as number) {
      const t = this.nodes[(at - 1) * stride] as number;
      if (t < first) break;
      if (t <= last) acc = aggregator.merge(acc, this.stateAt(at - 1));
    }
    return aggregator.result(acc, asOf);
  }

  /** Keys with state for this feature. */
  *entityKeys(): IterableIterator<string> {
    for (let slot = 0; 2 * slot < this.ends.length; slot++) {
      if (this.ends[2 * slot] === 0) continue;
      const key = this.keys.keyAt(slot);
      if (key !== undefined) yield key;
    }
  }

  /** How many keys have state for this feature. */
  get size(): number {
    let n = 0;
    for (let i = 0; i < this.ends.length; i += 2) if (this.ends[i] !== 0) n++;
    return n;
  }

  /** Whether the slot holds no tile of this feature. */
  isEmpty(slot: number): boolean {
    return (this.ends[2 * slot] ?? 0) === 0;
  }

  /** Drops this feature's tiles that no value as of `asOf` or later can need. */
  evictBefore(asOf: number): void {
    if (Number.isFinite(this.feature.windowMs)) {
      const first = Math.floor((asOf - this.feature.windowMs) / this.tileMs);
      for (let slot = 0; 2 * slot < this.ends.length; slot++) {
        const at = this.ends[2 * slot] as number;
        if (at === 0) continue;
        if ((this.nodes[(at - 1) * this.stride] as number) < first) {
          this.ends[2 * slot] = 0;
          this.ends[2 * slot + 1] = 0;
          this.release(at);
        } else this.trim(slot, first);
      }
    }
    if (this.ownsKeys) {
      for (let slot = 0; slot < this.keys.slots; slot++) {
        if (this.isEmpty(slot) && this.keys.keyAt(slot) !== undefined) this.keys.release(slot);
      }
    }
  }

  /** This feature's tiles for the given slots, in their order, as a checkpoint column. */
  exportColumn(slots: Int32Array): TileColumn {
    const stride = this.stride;
    const counts = new Uint32Array(slots.length);
    let total = 0;
    for (let k = 0; k < slots.length; k++) {
      let n = 0;
      for (
        let at = this.ends[2 * (slots[k] as number)] ?? 0;
        at !== 0;
        at = this.nodes[(at - 1) * stride + 1] as number
      )
        n++;
      counts[k] = n;
      total += n;
    }
    const tiles = new Float64Array(total);
    const width = this.width;
    const numbers = this.packed ? new Float64Array(total * width) : undefined;
    const objects: unknown[] | undefined = this.objects ? new Array(total) : undefined;
    let end = 0;
    for (let k = 0; k < slots.length; k++) {
      // The list runs newest first; the column holds each key's tiles oldest first.
      end += counts[k] as number;
      let i = end;
      for (
        let at = this.ends[2 * (slots[k] as number)] ?? 0;
        at !== 0;
        at = this.nodes[(at - 1) * stride + 1] as number
      ) {
        i--;
        const base = (at - 1) * stride;
        tiles[i] = this.nodes[base] as number;
        if (numbers)
          for (let w = 0; w < width; w++) numbers[i * width + w] = this.nodes[base + 2 + w] as number;
        else (objects as unknown[])[i] = (this.objects as unknown[])[at - 1];
      }
    }
    return numbers ? { counts, tiles, width, numbers } : { counts, tiles, objects: objects as unknown[] };
  }

  /** Replaces the state with a checkpoint column whose k-th key now has slot k (`undefined`: empty). */
  importColumn(column: TileColumn | undefined, slotCount: number): void {
    const total = column?.tiles.length ?? 0;
    const stride = this.stride;
    const width = this.width;
    this.ends = new Int32Array(2 * Math.max(16, slotCount));
    this.nodes = new Float64Array(Math.max(16, total) * stride);
    this.objects = this.packed ? undefined : new Array(total);
    this.used = total;
    this.freeList = 0;
    if (!column) return;
    const nodes = this.nodes;
    const packed = this.packed;
    for (let i = 0; i < total; i++) {
      const base = i * stride;
      nodes[base] = column.tiles[i] as number;
      if (!packed) (this.objects as unknown[])[i] = column.objects?.[i] ?? this.aggregator.empty();
      else if (column.numbers && (column.width ?? 1) === width) {
        for (let w = 0; w < width; w++) nodes[base + 2 + w] = column.numbers[i * width + w] as number;
      } else packed.write(nodes, base + 2, column.objects?.[i]);
    }
    let node = 0;
    for (let k = 0; k < column.counts.length; k++) {
      const n = column.counts[k] as number;
      if (n === 0) continue;
      this.ends[2 * k + 1] = node + 1;
      // Oldest first in the column: each node links to the one before it.
      for (let j = 0; j < n; j++, node++) nodes[node * stride + 1] = j === 0 ? 0 : node;
      this.ends[2 * k] = node;
    }
  }

  private stateAt(node: number): unknown {
    return this.packed ? this.packed.read(this.nodes, node * this.stride + 2) : this.objects?.[node];
  }

  private addAt(node: number, value: unknown, ts: number): void {
    if (this.packed) this.packed.add(this.nodes, node * this.stride + 2, value, ts);
    else {
      const objects = this.objects as unknown[];
      objects[node] = this.aggregator.add(objects[node], value, ts);
    }
  }

  /** Sets a node to a tile with the empty state, linked to `next` (+ 1). */
  private reset(node: number, tile: number, next: number): void {
    const base = node * this.stride;
    this.nodes[base] = tile;
    this.nodes[base + 1] = next;
    if (this.packed) this.packed.clear(this.nodes, base + 2);
    else (this.objects as unknown[])[node] = this.aggregator.empty();
  }

  /** A node for a new tile, with the empty state, linked to `next` (+ 1). */
  private allocate(tile: number, next: number): number {
    let node: number;
    if (this.freeList !== 0) {
      node = this.freeList - 1;
      this.freeList = this.nodes[node * this.stride + 1] as number;
    } else {
      node = this.used++;
      if ((node + 1) * this.stride > this.nodes.length)
        this.nodes = grow(this.nodes, (node + 1) * this.stride);
    }
    this.reset(node, tile, next);
    return node;
  }

  /** Frees the tiles of a slot older than `first`, keeping its newest. */
  private trim(slot: number, first: number): void {
    const stride = this.stride;
    if ((this.nodes[((this.ends[2 * slot + 1] as number) - 1) * stride] as number) >= first) return;
    let prev = (this.ends[2 * slot] as number) - 1;
    let at = this.nodes[prev * stride + 1] as number;
    while (at !== 0 && (this.nodes[(at - 1) * stride] as number) >= first) {
      prev = at - 1;
      at = this.nodes[prev * stride + 1] as number;
    }
    if (at === 0) return;
    this.nodes[prev * stride + 1] = 0;
    this.ends[2 * slot + 1] = prev + 1;
    this.release(at);
  }

  /** Puts a chain of nodes (its first + 1) on the free list. */
  private release(chain: number): void {
    const stride = this.stride;
    let last = chain - 1;
    for (;;) {
      if (this.objects) this.objects[last] = undefined;
      const after = this.nodes[last * stride + 1] as number;
      if (after === 0) break;
      last = after - 1;
    }
    this.nodes[last * stride + 1] = this.freeList;
    this.freeList = chain;
  }
}

function grow<T extends Int32Array | Float64Array>(array: T, atLeast: number): T {
  let size = Math.max(16, array.length);
  while (size < atLeast) size *= 2;
  const bigger = new (array.constructor as new (n: number) => T)(size);
  bigger.set(array);
  return bigger;
}

function matches(record: Record<string, unknown>, where: WhereClause): boolean {
  const v = record[where.field];
  if (where.eq !== undefined && v !== where.eq) return false;
  if (where.ne !== undefined && v === where.ne) return false;
  if (where.gt !== undefined && !(typeof v === 'number' && v > where.gt)) return false;
  if (where.lt !== undefined && !(typeof v === 'number' && v < where.lt)) return false;
  return true;
}
