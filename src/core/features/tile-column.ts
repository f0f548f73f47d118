// The checkpoint codec of feature state: one feature's tiles over many keys as a column, and back.
import type { Aggregator, Packed } from './aggregators.js';
import { HEAD, NODE_OLDER, OLDER, type TilePool, type TileMember } from './tile-pool.js';

/** What the codec reads of a feature's table (`FeatureTable`): where its states are, and how they are kept. */
export interface ColumnOwner {
  readonly feature: { readonly name: string };
  readonly pool: TilePool;
  readonly member: TileMember;
  readonly aggregator: Aggregator;
  /** The packed aggregate, whose states are `width` numbers; undefined for object states. */
  readonly packed: Packed<unknown> | undefined;
  readonly width: number;
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

/** The feature's tiles for the given slots, in their order. */
export function exportColumn(table: ColumnOwner, slots: Int32Array): TileColumn {
  const { pool, member, packed, width } = table;
  const { nodes, stride, used, offset } = pool;
  const rec = pool.keys.records;
  const recordWidth = pool.keys.recordWidth;
  const counts = new Uint32Array(slots.length);
  let total = 0;
  for (let k = 0; k < slots.length; k++) {
    const base = (slots[k] as number) * recordWidth + offset;
    if (rec[base + HEAD] === 0) continue;
    let n = 1;
    for (
      let at = rec[base + OLDER] as number;
      at !== 0;
      at = nodes[(at - 1) * stride + NODE_OLDER] as number
    ) {
      // A list longer than the pool has a cycle: fail the checkpoint rather than loop for ever.
      if (++n > used + 1) throw new Error(`${table.feature.name}: corrupt tile list of slot ${slots[k]}`);
    }
    counts[k] = n;
    total += n;
  }
  const tiles = new Float64Array(total);
  // Packed states travel as numbers, except distinct ones, whose numbers may name a spill of this process.
  const asNumbers = packed !== undefined && member.spills === undefined;
  const numbers = asNumbers ? new Float64Array(total * width) : undefined;
  const objects: unknown[] | undefined = asNumbers ? undefined : new Array(total);
  let end = 0;
  for (let k = 0; k < slots.length; k++) {
    const n = counts[k] as number;
    if (n === 0) continue;
    // Newest first in the record and the pool; the column holds each key's tiles oldest first.
    end += n;
    let i = end - 1;
    const slot = slots[k] as number;
    const base = slot * recordWidth + offset;
    const own = slot * recordWidth + member.recordAt;
    tiles[i] = (rec[base + HEAD] as number) - 1;
    if (numbers) for (let w = 0; w < width; w++) numbers[i * width + w] = rec[own + w] as number;
    else (objects as unknown[])[i] = packed ? packed.read(rec, own) : pool.heads?.[slot];
    for (
      let at = rec[base + OLDER] as number;
      at !== 0;
      at = nodes[(at - 1) * stride + NODE_OLDER] as number
    ) {
      i--;
      const from = (at - 1) * stride;
      tiles[i] = nodes[from] as number;
      if (numbers)
        for (let w = 0; w < width; w++) numbers[i * width + w] = nodes[from + member.nodeAt + w] as number;
      else
        (objects as unknown[])[i] = packed
          ? packed.read(nodes, from + member.nodeAt)
          : pool.objects?.[at - 1];
    }
  }
  return numbers ? { counts, tiles, width, numbers } : { counts, tiles, objects: objects as unknown[] };
}

/** Empties the tile list the feature keeps or shares, its pool sized for a column's tiles. */
export function resetTiles(table: ColumnOwner, column?: TileColumn): void {
  const total = column?.tiles.length ?? 0;
  const keys = column?.counts.length ?? 0;
  // Every key with tiles keeps its newest in its record, the rest in the pool.
  let withTiles = 0;
  for (let k = 0; k < keys; k++) if (column?.counts[k] !== 0) withTiles++;
  table.pool.reset(total - withTiles);
}

/**
 * Replaces the feature's tiles by a column's, whose k-th key now has slot k, the key space loaded first
 * (`KeySpace.load`, which clears every record). Features that share a tile list restore together: `resetTiles`
 * first, then each one's column; the first column builds the tiles, each holding every member's empty state, and
 * the others, which name the same tiles, fill their own states in.
 */
export function importColumn(table: ColumnOwner, column: TileColumn | undefined): void {
  const pool = table.pool;
  if (pool.members.length === 1 || !pool.built) {
    resetTiles(table, column);
    if (column) buildTiles(table, column);
    pool.built = column !== undefined;
  } else if (column) fillTiles(table, column);
}

/** Writes the i-th state of a column at `at` of `into` (packed) or returns it (objects). */
function columnState(
  table: ColumnOwner,
  column: TileColumn,
  i: number,
  into: Float64Array,
  at: number,
): unknown {
  const { packed, width } = table;
  if (!packed) return column.objects?.[i] ?? table.aggregator.empty();
  if (column.numbers && (column.width ?? 1) === width) {
    for (let w = 0; w < width; w++) into[at + w] = column.numbers[i * width + w] as number;
  } else packed.write(into, at, column.objects?.[i]);
  return undefined;
}

/** `importColumn` into an empty list: its tiles are the column's. */
function buildTiles(table: ColumnOwner, column: TileColumn): void {
  const { pool, member } = table;
  const rec = pool.keys.records;
  const recordWidth = pool.keys.recordWidth;
  let slot = 0;
  const fill = (node: number, i: number): void => {
    if (node === -1) {
      const object = columnState(table, column, i, rec, slot * recordWidth + member.recordAt);
      if (pool.heads) pool.heads[slot] = object;
    } else {
      const object = columnState(table, column, i, pool.nodes, node * pool.stride + member.nodeAt);
      if (pool.objects) pool.objects[node] = object;
    }
  };
  let from = 0;
  for (let k = 0; k < column.counts.length; k++) {
    const n = column.counts[k] as number;
    if (n === 0) continue;
    slot = k;
    pool.buildKey(k, column.tiles, from, n, fill);
    from += n;
  }
}

/** `importColumn` into a list another member's column has built: the same tiles, this feature's states. */
function fillTiles(table: ColumnOwner, column: TileColumn): void {
  const { pool, member } = table;
  const { stride, nodes, offset } = pool;
  const rec = pool.keys.records;
  const recordWidth = pool.keys.recordWidth;
  const mismatch = () =>
    new Error(
      `${table.feature.name}: its checkpoint column names other tiles than ${pool.name}'s, whose ` +
        'tiles it shares; rebuild the state from the log',
    );
  let end = 0;
  for (let k = 0; k < column.counts.length; k++) {
    const n = column.counts[k] as number;
    const base = k * recordWidth + offset;
    if (n === 0) {
      if (rec[base + HEAD] !== 0) throw mismatch();
      continue;
    }
    end += n;
    let i = end - 1;
    if (rec[base + HEAD] !== (column.tiles[i] as number) + 1) throw mismatch();
    columnState(table, column, i, rec, k * recordWidth + member.recordAt);
    for (
      let at = rec[base + OLDER] as number;
      at !== 0;
      at = nodes[(at - 1) * stride + NODE_OLDER] as number
    ) {
      if (--i < end - n || nodes[(at - 1) * stride] !== column.tiles[i]) throw mismatch();
      columnState(table, column, i, nodes, (at - 1) * stride + member.nodeAt);
    }
    if (i !== end - n) throw mismatch();
  }
}
