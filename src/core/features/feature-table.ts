// One feature's state: per entity key, aggregate states in time tiles; a window value is the merge of its tiles.
import type { ShopEvent } from '../events/schemas.js';
import {
  aggregatorFor,
  decayedAdd,
  distinctAddPacked,
  distinctHash,
  distinctRelease,
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

/** Numbers at the start of every slot record that hold the key itself, when it is short (see `KeySpace`). */
const KEY_NUMBERS = 4;
/** Int32 words of that room: the key's length (−1 when it is not there), then its characters four to a word. */
const KEY_WORDS = 2 * KEY_NUMBERS;
/** The longest key kept in its record: longer keys, or keys with a character above U+00FF, are compared as strings. */
export const INLINE_KEY_CHARS = 4 * (KEY_WORDS - 1);

/**
 * The key being looked up, encoded as a record holds it (length, then Latin-1 characters four to a word). One
 * buffer for the module: lookups are synchronous, and it spares an allocation per lookup.
 */
const probe = new Int32Array(KEY_WORDS);

/**
 * Encodes `key` into `probe` and returns its hash: FNV-1a over the UTF-16 code units, with a final mix so that
 * keys differing in one digit spread.
 */
function encodeKey(key: string): number {
  const n = key.length;
  const inline = n <= INLINE_KEY_CHARS;
  let h = 0x811c9dc5;
  let word = 0;
  let wide = 0;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    h = Math.imul(h ^ c, 0x01000193);
    if (inline) {
      wide |= c;
      word |= (c & 0xff) << ((i & 3) << 3);
      if ((i & 3) === 3) {
        probe[1 + (i >> 2)] = word;
        word = 0;
      }
    }
  }
  if (inline && (n & 3) !== 0) probe[1 + (n >> 2)] = word;
  probe[0] = inline && wide < 0x100 ? n : -1;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}

/** The hash `KeySpace` files a key under (exported for tests that need two keys with the same hash). */
export function hashOf(key: string): number {
  return encodeKey(key);
}

/**
 * The entity keys of the features keyed by one entity: key → slot, a small integer that indexes every feature's
 * state. Shared by those features, so an event costs one key lookup per entity rather than one per feature.
 *
 * The index is an open-addressing hash table in an Int32Array rather than a Map (measured, BENCHMARKS.md): a
 * checkpoint of a million keys restores by hashing the keys into a typed array instead of a million Map
 * inserts, and the garbage collector has no million-entry table to trace. A key of up to INLINE_KEY_CHARS
 * Latin-1 characters is also written into the first numbers of its slot record, and a lookup compares it there:
 * the record is the cache line the event updates next anyway, where the key's string is a heap object of its own
 * (measured: BENCHMARKS.md, "fraud set"). Longer keys are compared as strings.
 */
export class KeySpace {
  /**
   * Per slot, one record of numbers: the key (KEY_NUMBERS of them), then the fields of the features of this
   * entity (each keeps its newest tile there): an event then touches a cache line or two per entity, where an
   * array per feature would cost a miss each.
   */
  records: Float64Array = float64s(0);
  /** The records' memory as Int32 words, where the keys are written. */
  private words: Int32Array = new Int32Array(this.records.buffer);
  /** Numbers per record. */
  private stride = KEY_NUMBERS;
  /**
   * Open addressing, linear probing, entries of two: (slot + 1, or 0 for empty, −1 for deleted; the key's hash),
   * the hash beside the slot so that a probe reads one cache line before it compares a key.
   */
  private table: Int32Array = int32s(128);
  /** Entries and deleted marks in `table`, which is rebuilt before they pass half of it. */
  private filled = 0;
  private bySlot: (string | undefined)[] = [];
  private hashes: Int32Array = int32s(16);
  private readonly free: number[] = [];
  private live = 0;

  /** Reserves `width` numbers of every slot's record for one feature; returns their offset in the record. */
  reserve(width: number): number {
    if (this.bySlot.length > 0) throw new Error('KeySpace.reserve: features must join before the first key');
    const offset = this.stride;
    this.stride += width;
    return offset;
  }

  /** Numbers per slot record. */
  get recordWidth(): number {
    return this.stride;
  }

  /** The slot of `key`, made when it has none. */
  slot(key: string): number {
    const hash = encodeKey(key);
    const found = this.lookup(key, hash);
    if (found !== -1) return found;
    if (4 * (this.filled + 1) > this.table.length) this.rebuild((this.live + 1) * 4);
    const slot = this.free.pop() ?? this.bySlot.length;
    this.bySlot[slot] = key;
    if (slot >= this.hashes.length) this.hashes = grow(this.hashes, slot + 1);
    this.hashes[slot] = hash;
    if ((slot + 1) * this.stride > this.records.length) {
      this.setRecords(grow(this.records, (slot + 1) * this.stride));
    }
    this.writeKey(slot);
    this.live++;
    this.insert(slot, hash);
    return slot;
  }

  /** The slot of `key`, or undefined when it has none. */
  find(key: string): number | undefined {
    const slot = this.lookup(key, encodeKey(key));
    return slot === -1 ? undefined : slot;
  }

  keyAt(slot: number): string | undefined {
    return this.bySlot[slot];
  }

  /** One past the highest slot ever handed out. */
  get slots(): number {
    return this.bySlot.length;
  }

  get size(): number {
    return this.live;
  }

  /** Frees the slot of a key that no feature holds state for any more. */
  release(slot: number): void {
    const key = this.bySlot[slot];
    if (key === undefined) return;
    const mask = (this.table.length >> 1) - 1;
    for (let i = (this.hashes[slot] as number) & mask; ; i = (i + 1) & mask) {
      if (this.table[2 * i] === slot + 1) {
        this.table[2 * i] = -1;
        break;
      }
    }
    this.bySlot[slot] = undefined;
    this.records.fill(0, slot * this.stride, (slot + 1) * this.stride);
    this.free.push(slot);
    this.live--;
  }

  /** Frees the slots of keys that none of `holders` (the features sharing this key space) has state for. */
  releaseEmpty(holders: readonly { isEmpty(slot: number): boolean }[]): void {
    for (let slot = 0; slot < this.bySlot.length; slot++) {
      if (this.bySlot[slot] === undefined) continue;
      let empty = true;
      for (let h = 0; h < holders.length && empty; h++)
        empty = (holders[h] as { isEmpty(slot: number): boolean }).isEmpty(slot);
      if (empty) this.release(slot);
    }
  }

  /** Replaces every key: `keys[i]` gets slot i. Takes the array. */
  load(keys: (string | undefined)[]): void {
    this.bySlot = keys;
    this.free.length = 0;
    this.live = keys.length;
    this.setRecords(float64s(Math.max(16, keys.length) * this.stride));
    this.hashes = int32s(Math.max(16, keys.length));
    for (let i = 0; i < keys.length; i++) {
      this.hashes[i] = encodeKey(keys[i] as string);
      this.writeKey(i);
    }
    this.rebuild(keys.length * 4);
  }

  /** Live slots and their keys, in slot order. */
  entries(): { slots: Int32Array; keys: string[] } {
    const slots = new Int32Array(this.live);
    const keys: string[] = [];
    for (let s = 0; s < this.bySlot.length; s++) {
      const key = this.bySlot[s];
      if (key === undefined) continue;
      slots[keys.length] = s;
      keys.push(key);
    }
    return { slots, keys };
  }

  /** Writes the key encoded in `probe` into the slot's record: its length and the words it fills. */
  private writeKey(slot: number): void {
    const words = this.words;
    const at = 2 * slot * this.stride;
    const length = probe[0] as number;
    words[at] = length;
    for (let w = 1, last = (length + 3) >> 2; w <= last; w++) words[at + w] = probe[w] as number;
  }

  private setRecords(records: Float64Array): void {
    this.records = records;
    this.words = new Int32Array(records.buffer, records.byteOffset, records.length * 2);
  }

  /** The slot of `key` (already encoded into `probe`, with its hash), or −1. */
  private lookup(key: string, hash: number): number {
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const entry = table[2 * i] as number;
      if (entry === 0) return -1;
      if (entry > 0 && table[2 * i + 1] === hash && this.holds(entry - 1, key)) return entry - 1;
    }
  }

  /** Whether `slot` holds `key`, encoded into `probe`: compared in the slot's record when it is written there. */
  private holds(slot: number, key: string): boolean {
    const words = this.words;
    const at = 2 * slot * this.stride;
    const length = probe[0] as number;
    if (words[at] !== length) return false;
    if (length === -1) return this.bySlot[slot] === key;
    for (let w = 1, last = (length + 3) >> 2; w <= last; w++) if (words[at + w] !== probe[w]) return false;
    return true;
  }

  private insert(slot: number, hash: number): void {
    const mask = (this.table.length >> 1) - 1;
    let i = hash & mask;
    while ((this.table[2 * i] as number) > 0) i = (i + 1) & mask;
    if (this.table[2 * i] === 0) this.filled++;
    this.table[2 * i] = slot + 1;
    this.table[2 * i + 1] = hash;
  }

  /** A fresh table of at least `capacity` entries (a power of two) holding the live slots, without deleted marks. */
  private rebuild(capacity: number): void {
    let size = 64;
    while (size < capacity) size *= 2;
    this.table = int32s(2 * size);
    this.filled = 0;
    for (let s = 0; s < this.bySlot.length; s++) {
      if (this.bySlot[s] !== undefined) this.insert(s, this.hashes[s] as number);
    }
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
  /**
   * A table whose tile list this one shares (`canShareTiles`): one list of tiles, each holding both features'
   * states, so that a new tile is made, moved to the pool and trimmed once for both. Must join before the
   * first key.
   */
  readonly shareTilesWith?: FeatureTable;
}

/** A feature whose states live in a tile list (the list's own, or one it shares): where they are. */
interface Member {
  /** Its state's offset in a slot record, and within a pool node. */
  readonly recordAt: number;
  readonly nodeAt: number;
  /** The empty state's numbers (as many as the state has). */
  readonly empty: Float64Array;
  readonly spills: Spills | undefined;
}

/** The fields of a feature's part of a slot record; the newest tile's state follows them. */
const HEAD = 0; // newest tile + 1, or 0 when the slot holds no tile of this feature
const OLDER = 1; // the pool node of the next older tile + 1, or 0
const TAIL = 2; // the pool node of the oldest tile + 1, or 0
const TAIL_TILE = 3; // that oldest tile, so that trimming can tell it has nothing to do without a pool read
const STATE = 4;

/** The fields of a pool node; its state follows them. */
const NEWER = 2; // the next newer pool node + 1, or 0 when the newer tile is the record's
const NODE_STATE = 3;

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
 * Storage (the hot path, hand-written for it: see BENCHMARKS.md, "fraud set"): a key's newest tile lives in its
 * slot record, shared with the other features of the entity; older tiles are nodes of a pool in one
 * Float64Array — (tile, older link, newer link, packed state) — listed newest first. An event mostly updates the
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
  private readonly aggregator: Aggregator;
  private readonly packed: Packed<unknown> | undefined;
  private readonly width: number;
  /** The index of the packed kind in KINDS, or −1. */
  private readonly kind: number;
  private readonly halfLifeMs: number;
  private readonly where: WhereClause | undefined;
  private readonly valueField: string | undefined;
  /** Whether the object aggregate reads event time (last_n does; top_k does not). */
  private readonly objectsUseTs: boolean;
  /** Where the fields of this feature's tile list start in a slot record. */
  private readonly offset: number;
  /** This feature's state in a slot record and in a pool node. */
  private readonly recordAt: number;
  private readonly nodeAt: number;
  /** The table that keeps the tile list (`shareTilesWith`), or this one. */
  private readonly list: FeatureTable;
  /** The list's keeper: the features whose states its tiles hold, itself first. */
  private readonly members: Member[] = [];
  /** The list's keeper, during a restore: whether a member's column has built its tiles. */
  private built = false;
  /** Numbers per pool node: tile, two links, the members' states. */
  private stride: number;
  private readonly numeric: boolean;
  private readonly types: ReadonlySet<string>;
  /** The event field of a single-entity key; undefined for composites. */
  private readonly keyField: string | undefined;
  private readonly keyFields: readonly string[];
  /** Tiles older than this many before an event's own are never read again (Infinity: keep them). */
  private readonly retainTiles: number;
  private readonly ownsKeys: boolean;

  /**
   * Pool of older tiles: nodes of `stride` numbers [tile, next older node + 1, next newer
   * node + 1, state…], linked both ways so that trimming starts from the oldest and reads only what it drops.
   */
  private nodes: Float64Array;
  /** States of aggregates that are not packed: of the newest tile by slot, of pool nodes by node. */
  private readonly heads: unknown[] | undefined;
  private objects: unknown[] | undefined;
  /** distinct: the states of tiles that outgrew their numbers (see `packedDistinct`). */
  private readonly spills: Spills | undefined;
  /** Nodes handed out so far: the pool's high-water mark. */
  private used = 0;
  /**
   * Free pool nodes, as a stack of their numbers: taking one reads this array's end (in cache) rather than a
   * link in the freed node, a miss the event would wait for (measured: BENCHMARKS.md, "fraud set").
   */
  private freeNodes: Int32Array = int32s(16);
  private freeCount = 0;

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
    this.stride = NODE_STATE + this.width;
    const leader = options.shareTilesWith;
    if (leader) {
      if (
        !this.packed ||
        !leader.canShareTiles(feature) ||
        leader.keys !== this.keys ||
        this.keys.slots !== 0
      )
        throw new Error(`${feature.name}: cannot share the tiles of ${leader.feature.name}`);
      this.list = leader;
      this.offset = leader.offset;
      this.recordAt = this.keys.reserve(this.width);
      this.nodeAt = leader.stride;
      leader.stride += this.width;
      leader.nodes = float64s(16 * leader.stride);
      this.nodes = float64s(0); // the keeper's pool holds this feature's states
    } else {
      this.list = this;
      this.nodes = float64s(16 * this.stride);
      this.offset = this.keys.reserve(STATE + this.width);
      this.recordAt = this.offset + STATE;
      this.nodeAt = NODE_STATE;
    }
    const empty = new Float64Array(this.width);
    this.packed?.clear(empty, 0);
    this.list.members.push({ recordAt: this.recordAt, nodeAt: this.nodeAt, empty, spills: this.spills });
    if (!this.packed) {
      this.heads = [];
      this.objects = [];
    }
    this.numeric = NUMERIC.has(feature.agg);
    this.types = new Set(feature.on);
    this.keyFields = feature.entities.map((e) => ENTITY_FIELDS[e]);
    this.keyField = this.keyFields.length === 1 ? this.keyFields[0] : undefined;
    const retainMs = options.retainMs ?? Infinity;
    this.retainTiles = Number.isFinite(feature.windowMs)
      ? Math.ceil((retainMs + feature.windowMs) / this.tileMs) + 1
      : Infinity;
    if (leader && leader.retainTiles !== this.retainTiles)
      throw new Error(`${feature.name}: cannot share the tiles of ${leader.feature.name} (another retainMs)`);
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
    const list = this.list;
    const node = list.tileOf(slot, event);
    if (this.packed) {
      if (node === -1)
        this.addPacked(list.keys.records, slot * list.keys.recordWidth + this.recordAt, value, event);
      else this.addPacked(list.nodes, node * list.stride + this.nodeAt, value, event);
    } else if (node === -1) {
      const heads = this.heads as unknown[];
      heads[slot] = this.aggregator.add(heads[slot], value, this.tsOf(event));
    } else {
      const objects = this.objects as unknown[];
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
      this.list === this &&
      this.packed !== undefined &&
      packs &&
      f.entities.join('+') === feature.entities.join('+') &&
      f.windowMs === feature.windowMs &&
      [...f.on].sort().join() === [...feature.on].sort().join() &&
      JSON.stringify(f.where) === JSON.stringify(feature.where)
    );
  }

  /**
   * The list keeper's part of `applyTo`: the tile of the event's time for the slot, made when it has none
   * (empty for every member), as −1 for the record's own (newest) tile or the pool node that holds it.
   */
  private tileOf(slot: number, event: ShopEvent): number {
    const tile = Math.floor(event.ts / this.tileMs);
    const rec = this.keys.records;
    const base = slot * this.keys.recordWidth + this.offset;
    const head = (rec[base + HEAD] as number) - 1;
    if (head === tile) return -1;
    if (head === -1 || head < tile - this.retainTiles) {
      // The first tile of the key, or every tile it has is past reach: the new tile takes the record over.
      this.dropTiles(slot, base);
      rec[base + HEAD] = tile + 1;
      this.clearHead(slot);
      return -1;
    }
    if (head < tile) {
      // A new newest tile: the record's tile moves to the pool.
      const older = (rec[base + OLDER] as number) | 0;
      const node = this.allocate(older);
      const at = node * this.stride;
      this.nodes[at] = head;
      this.nodes[at + NEWER] = 0;
      this.moveHead(slot, node);
      rec[base + OLDER] = node + 1;
      if (older !== 0) this.nodes[(older - 1) * this.stride + NEWER] = node + 1;
      else {
        rec[base + TAIL] = node + 1;
        rec[base + TAIL_TILE] = head;
      }
      rec[base + HEAD] = tile + 1;
      this.clearHead(slot);
      this.trim(base, tile - this.retainTiles);
      return -1;
    }
    // An older tile: walk the pool to its place.
    const stride = this.stride;
    let prev = -1;
    let at = (rec[base + OLDER] as number) | 0;
    while (at !== 0 && (this.nodes[(at - 1) * stride] as number) > tile) {
      prev = at - 1;
      at = (this.nodes[prev * stride + 1] as number) | 0;
    }
    if (at !== 0 && this.nodes[(at - 1) * stride] === tile) return at - 1;
    const node = this.allocate(at);
    this.clearNode(node);
    this.nodes[node * stride] = tile;
    this.nodes[node * stride + NEWER] = prev + 1;
    if (prev === -1) rec[base + OLDER] = node + 1;
    else this.nodes[prev * stride + 1] = node + 1;
    if (at !== 0) this.nodes[(at - 1) * stride + NEWER] = node + 1;
    else {
      rec[base + TAIL] = node + 1;
      rec[base + TAIL_TILE] = tile;
    }
    return node;
  }

  /** The feature's value for `key` as of `asOf` (see the class comment for the exact span). */
  valueAt(key: string, asOf: number): FeatureValue {
    const slot = this.keys.find(key);
    const aggregator = this.aggregator;
    let acc = aggregator.empty();
    if (slot === undefined) return aggregator.result(acc, asOf);
    const rec = this.keys.records;
    const base = slot * this.keys.recordWidth + this.offset;
    const last = Math.ceil(asOf / this.tileMs) - 1;
    const first = Number.isFinite(this.feature.windowMs)
      ? Math.floor((asOf - this.feature.windowMs) / this.tileMs)
      : -Infinity;
    const head = (rec[base + HEAD] as number) - 1;
    if (head === -1 || head < first) return aggregator.result(acc, asOf);
    // Newest tile first, for every path alike, so the same tiles always give bit-identical numbers.
    if (head <= last) {
      const own = slot * this.keys.recordWidth + this.recordAt;
      acc = aggregator.merge(acc, this.packed ? this.packed.read(rec, own) : this.heads?.[slot]);
    }
    const { nodes, stride } = this.list;
    for (let at = rec[base + OLDER] as number; at !== 0; at = nodes[(at - 1) * stride + 1] as number) {
      const t = nodes[(at - 1) * stride] as number;
      if (t < first) break;
      if (t <= last) {
        const state = this.packed
          ? this.packed.read(nodes, (at - 1) * stride + this.nodeAt)
          : this.objects?.[at - 1];
        acc = aggregator.merge(acc, state);
      }
    }
    return aggregator.result(acc, asOf);
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
    return this.list.feature.name;
  }

  /** distinct: tile states kept beside the numbers, of tiles with more than DISTINCT_INLINE values (else 0). */
  get spilled(): number {
    return this.spills?.size ?? 0;
  }

  /** Whether the slot holds no tile of this feature. */
  isEmpty(slot: number): boolean {
    return (this.keys.records[slot * this.keys.recordWidth + this.offset + HEAD] ?? 0) === 0;
  }

  /** Drops this feature's tiles that no value as of `asOf` or later can need. */
  evictBefore(asOf: number): void {
    // A table sharing another's tiles has none of its own: the keeper evicts (same window, same tiles).
    if (this.list === this && Number.isFinite(this.feature.windowMs)) {
      const first = Math.floor((asOf - this.feature.windowMs) / this.tileMs);
      const width = this.keys.recordWidth;
      for (let slot = 0; slot < this.keys.slots; slot++) {
        const base = slot * width + this.offset;
        const rec = this.keys.records;
        const head = rec[base + HEAD] as number;
        if (head === 0) continue;
        if (head - 1 < first) {
          this.dropTiles(slot, base);
          rec[base + HEAD] = 0;
        } else this.trim(base, first);
      }
    }
    if (this.ownsKeys) this.keys.releaseEmpty([this]);
  }

  /** This feature's tiles for the given slots, in their order, as a checkpoint column. */
  exportColumn(slots: Int32Array): TileColumn {
    const { nodes, stride, used } = this.list;
    const rec = this.keys.records;
    const recordWidth = this.keys.recordWidth;
    const counts = new Uint32Array(slots.length);
    let total = 0;
    for (let k = 0; k < slots.length; k++) {
      const base = (slots[k] as number) * recordWidth + this.offset;
      if (rec[base + HEAD] === 0) continue;
      let n = 1;
      for (let at = rec[base + OLDER] as number; at !== 0; at = nodes[(at - 1) * stride + 1] as number) {
        // A list longer than the pool has a cycle: fail the checkpoint rather than loop for ever.
        if (++n > used + 1) throw new Error(`${this.feature.name}: corrupt tile list of slot ${slots[k]}`);
      }
      counts[k] = n;
      total += n;
    }
    const tiles = new Float64Array(total);
    const width = this.width;
    // Packed states travel as numbers, except distinct ones, whose numbers may name a spill of this process.
    const packed = this.spills ? undefined : this.packed;
    const numbers = packed ? new Float64Array(total * width) : undefined;
    const objects: unknown[] | undefined = packed ? undefined : new Array(total);
    let end = 0;
    for (let k = 0; k < slots.length; k++) {
      const n = counts[k] as number;
      if (n === 0) continue;
      // Newest first in the record and the pool; the column holds each key's tiles oldest first.
      end += n;
      let i = end - 1;
      const slot = slots[k] as number;
      const base = slot * recordWidth + this.offset;
      const own = slot * recordWidth + this.recordAt;
      tiles[i] = (rec[base + HEAD] as number) - 1;
      if (numbers) for (let w = 0; w < width; w++) numbers[i * width + w] = rec[own + w] as number;
      else (objects as unknown[])[i] = this.packed ? this.packed.read(rec, own) : this.heads?.[slot];
      for (let at = rec[base + OLDER] as number; at !== 0; at = nodes[(at - 1) * stride + 1] as number) {
        i--;
        const from = (at - 1) * stride;
        tiles[i] = nodes[from] as number;
        if (numbers)
          for (let w = 0; w < width; w++) numbers[i * width + w] = nodes[from + this.nodeAt + w] as number;
        else
          (objects as unknown[])[i] = this.packed
            ? this.packed.read(nodes, from + this.nodeAt)
            : this.objects?.[at - 1];
      }
    }
    return numbers ? { counts, tiles, width, numbers } : { counts, tiles, objects: objects as unknown[] };
  }

  /**
   * Replaces this feature's tiles by a checkpoint column's, whose k-th key now has slot k (`undefined`: none), the
   * key space loaded first (`KeySpace.load`, which clears every record). Features that share a
   * tile list (`shareTilesWith`) restore together: `resetTiles` first, then each one's column; the first column
   * builds the tiles, each holding every member's empty state, and the others, which name the same tiles, fill
   * their own states in.
   */
  importColumn(column: TileColumn | undefined): void {
    const list = this.list;
    if (list.members.length === 1 || !list.built) {
      list.resetTiles(column);
      if (column) this.buildTiles(column);
      list.built = column !== undefined;
    } else if (column) this.fillTiles(column);
  }

  /** Empties the tile list this feature keeps or shares, its pool sized for a column's tiles. */
  resetTiles(column?: TileColumn): void {
    const list = this.list;
    const total = column?.tiles.length ?? 0;
    const keys = column?.counts.length ?? 0;
    // Every key with tiles keeps its newest in its record, the rest in the pool.
    let withTiles = 0;
    for (let k = 0; k < keys; k++) if (column?.counts[k] !== 0) withTiles++;
    list.nodes = float64s(Math.max(16, total - withTiles) * list.stride);
    if (list.heads) list.heads.length = 0;
    list.objects = list.packed ? undefined : [];
    for (const member of list.members) member.spills?.clear();
    list.used = 0;
    list.freeCount = 0;
    list.built = false;
  }

  /** Writes the i-th state of a column at `at` of `into` (packed) or returns it (objects). */
  private columnState(column: TileColumn, i: number, into: Float64Array, at: number): unknown {
    const { packed, width } = this;
    if (!packed) return column.objects?.[i] ?? this.aggregator.empty();
    if (column.numbers && (column.width ?? 1) === width) {
      for (let w = 0; w < width; w++) into[at + w] = column.numbers[i * width + w] as number;
    } else packed.write(into, at, column.objects?.[i]);
    return undefined;
  }

  /** `importColumn` into an empty list: its tiles are the column's. */
  private buildTiles(column: TileColumn): void {
    const list = this.list;
    const { stride, nodes } = list;
    const rec = this.keys.records;
    const recordWidth = this.keys.recordWidth;
    let i = 0;
    for (let k = 0; k < column.counts.length; k++) {
      const n = column.counts[k] as number;
      if (n === 0) continue;
      const base = k * recordWidth + this.offset;
      // Oldest first in the column: all but the last go to the pool, each node linking to the one before it.
      let older = 0;
      for (let j = 0; j < n - 1; j++, i++) {
        const node = list.used++;
        nodes[node * stride] = column.tiles[i] as number;
        nodes[node * stride + 1] = older;
        // The next newer node is the next one written, unless this is the last before the record's tile.
        nodes[node * stride + NEWER] = j < n - 2 ? node + 2 : 0;
        list.clearNode(node);
        const object = this.columnState(column, i, nodes, node * stride + this.nodeAt);
        if (list.objects) list.objects[node] = object;
        if (j === 0) {
          rec[base + TAIL] = node + 1;
          rec[base + TAIL_TILE] = column.tiles[i] as number;
        }
        older = node + 1;
      }
      rec[base + HEAD] = (column.tiles[i] as number) + 1;
      rec[base + OLDER] = older;
      list.clearHead(k);
      const object = this.columnState(column, i, rec, k * recordWidth + this.recordAt);
      if (list.heads) list.heads[k] = object;
      i++;
    }
  }

  /** `importColumn` into a list another member's column has built: the same tiles, this feature's states. */
  private fillTiles(column: TileColumn): void {
    const { stride, nodes } = this.list;
    const rec = this.keys.records;
    const recordWidth = this.keys.recordWidth;
    const mismatch = () =>
      new Error(
        `${this.feature.name}: its checkpoint column names other tiles than ${this.list.feature.name}'s, whose ` +
          'tiles it shares; rebuild the state from the log',
      );
    let end = 0;
    for (let k = 0; k < column.counts.length; k++) {
      const n = column.counts[k] as number;
      const base = k * recordWidth + this.offset;
      if (n === 0) {
        if (rec[base + HEAD] !== 0) throw mismatch();
        continue;
      }
      end += n;
      let i = end - 1;
      if (rec[base + HEAD] !== (column.tiles[i] as number) + 1) throw mismatch();
      this.columnState(column, i, rec, k * recordWidth + this.recordAt);
      for (let at = rec[base + OLDER] as number; at !== 0; at = nodes[(at - 1) * stride + 1] as number) {
        if (--i < end - n || nodes[(at - 1) * stride] !== column.tiles[i]) throw mismatch();
        this.columnState(column, i, nodes, (at - 1) * stride + this.nodeAt);
      }
      if (i !== end - n) throw mismatch();
    }
  }

  /** The event time for an object aggregate's `add`: 0 for those that ignore it, which spares boxing a number. */
  private tsOf(event: ShopEvent): number {
    return this.objectsUseTs ? event.ts : 0;
  }

  /** Empties the state of every member in the slot's newest tile (the list keeper's). */
  private clearHead(slot: number): void {
    if (!this.packed) {
      (this.heads as unknown[])[slot] = this.aggregator.empty();
      return;
    }
    const rec = this.keys.records;
    const record = slot * this.keys.recordWidth;
    for (let m = 0; m < this.members.length; m++) {
      const { recordAt, empty } = this.members[m] as Member;
      for (let w = 0; w < empty.length; w++) rec[record + recordAt + w] = empty[w] as number;
    }
  }

  /** Empties the state of every member in a pool node (the list keeper's). */
  private clearNode(node: number): void {
    if (!this.packed) {
      (this.objects as unknown[])[node] = this.aggregator.empty();
      return;
    }
    const at = node * this.stride;
    for (let m = 0; m < this.members.length; m++) {
      const { nodeAt, empty } = this.members[m] as Member;
      for (let w = 0; w < empty.length; w++) this.nodes[at + nodeAt + w] = empty[w] as number;
    }
  }

  /** Copies every member's state of the slot's newest tile into a pool node (the list keeper's). */
  private moveHead(slot: number, node: number): void {
    if (!this.packed) {
      (this.objects as unknown[])[node] = (this.heads as unknown[])[slot];
      return;
    }
    const rec = this.keys.records;
    const record = slot * this.keys.recordWidth;
    const at = node * this.stride;
    for (let m = 0; m < this.members.length; m++) {
      const { recordAt, nodeAt, empty } = this.members[m] as Member;
      for (let w = 0; w < empty.length; w++)
        this.nodes[at + nodeAt + w] = rec[record + recordAt + w] as number;
    }
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

  /** A pool node linked to `next` (+ 1); the caller sets its tile and states. */
  private allocate(next: number): number {
    let node: number;
    if (this.freeCount !== 0) node = this.freeNodes[--this.freeCount] as number;
    else {
      node = this.used++;
      if ((node + 1) * this.stride > this.nodes.length)
        this.nodes = grow(this.nodes, (node + 1) * this.stride);
    }
    this.nodes[node * this.stride + 1] = next;
    return node;
  }

  /** Frees every tile of a slot (its record at `base`): the pool's and the state of the record's own; the caller sets HEAD. */
  private dropTiles(slot: number, base: number): void {
    const rec = this.keys.records;
    const older = (rec[base + OLDER] as number) | 0;
    if (older !== 0) this.release(older);
    rec[base + OLDER] = 0;
    rec[base + TAIL] = 0;
    const record = slot * this.keys.recordWidth;
    for (let m = 0; m < this.members.length; m++) {
      const { recordAt, spills } = this.members[m] as Member;
      if (spills) distinctRelease(rec, record + recordAt, spills);
    }
    if (this.heads) this.heads[slot] = undefined;
  }

  /** Frees the pool tiles of a slot (its record at `base`) older than `first`, walking from the oldest. */
  private trim(base: number, first: number): void {
    const rec = this.keys.records;
    // The record keeps the oldest tile's number, so that a key with nothing to drop costs no pool read.
    if (rec[base + TAIL] === 0 || (rec[base + TAIL_TILE] as number) >= first) return;
    const stride = this.stride;
    let keep = (rec[base + TAIL] as number) | 0;
    let drop = 0;
    while (keep !== 0 && (this.nodes[(keep - 1) * stride] as number) < first) {
      drop = keep;
      keep = (this.nodes[(keep - 1) * stride + NEWER] as number) | 0;
    }
    if (drop === 0) return;
    if (keep === 0) {
      rec[base + OLDER] = 0;
      rec[base + TAIL] = 0;
    } else {
      this.nodes[(keep - 1) * stride + 1] = 0;
      rec[base + TAIL] = keep;
      rec[base + TAIL_TILE] = this.nodes[(keep - 1) * stride] as number;
    }
    this.release(drop);
  }

  /** Puts a chain of pool nodes (its first + 1) on the free stack. */
  private release(chain: number): void {
    const stride = this.stride;
    for (let node = chain - 1, steps = 0; ; steps++) {
      if (steps > this.used) throw new Error(`${this.feature.name}: corrupt tile list`);
      if (this.objects) this.objects[node] = undefined;
      for (let m = 0; m < this.members.length; m++) {
        const { nodeAt, spills } = this.members[m] as Member;
        if (spills) distinctRelease(this.nodes, node * stride + nodeAt, spills);
      }
      if (this.freeCount === this.freeNodes.length) this.freeNodes = grow(this.freeNodes, this.freeCount + 1);
      this.freeNodes[this.freeCount++] = node;
      const after = (this.nodes[node * stride + 1] as number) | 0;
      if (after === 0) break;
      node = after - 1;
    }
  }
}

function grow<T extends Int32Array | Float64Array>(array: T, atLeast: number): T {
  let size = Math.max(16, array.length);
  while (size < atLeast) size *= 2;
  const bigger = (array instanceof Float64Array ? float64s(size) : int32s(size)) as T;
  bigger.set(array);
  return bigger;
}

/**
 * The state's typed arrays (slot records, key index, tile pools) are allocated in SharedArrayBuffers, never
 * shared with another thread. V8 counts the memory of a plain ArrayBuffer as "external memory pressure" and
 * starts a full collection each time some tens of MB more of it are allocated, so a growing state set off full
 * collections, each tracing the whole heap (about a fifth of the fraud set's time: BENCHMARKS.md, run J); a
 * SharedArrayBuffer's memory is left out of that count (still in `process.memoryUsage().arrayBuffers`). An
 * array replaced by a bigger one is freed by the next collection that finds it dead.
 */
function float64s(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(8 * length));
}

function int32s(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * length));
}

function matches(record: Record<string, unknown>, where: WhereClause): boolean {
  const v = record[where.field];
  if (where.eq !== undefined && v !== where.eq) return false;
  if (where.ne !== undefined && v === where.ne) return false;
  if (where.gt !== undefined && !(typeof v === 'number' && v > where.gt)) return false;
  if (where.lt !== undefined && !(typeof v === 'number' && v < where.lt)) return false;
  return true;
}
