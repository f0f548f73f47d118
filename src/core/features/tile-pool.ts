// One list of time tiles per key, for one feature or several that share it: the newest tile in the key's slot
// record, the older ones in a pool of nodes with its own allocator.
import type { ShopEvent } from '../events/schemas.js';
import { distinctRelease, type Spills } from './aggregators.js';
import type { KeySpace } from './key-space.js';
import { float64s, grow, int32s } from './typed-arrays.js';

/** The fields of a tile list in a slot record; the first member's state of the newest tile follows them. */
export const HEAD = 0; // newest tile + 1, or 0 when the slot holds no tile of this list
export const OLDER = 1; // the pool node of the next older tile + 1, or 0
const TAIL = 2; // the pool node of the oldest tile + 1, or 0
const TAIL_TILE = 3; // that oldest tile, so that trimming can tell it has nothing to do without a pool read
const LIST_FIELDS = 4;

/** The fields of a pool node: its tile, then the links to the next older (+ 1) and newer (+ 1) nodes; states follow. */
export const NODE_OLDER = 1;
const NEWER = 2; // the next newer pool node + 1, or 0 when the newer tile is the record's
const NODE_FIELDS = 3;

/** A feature whose states live in a tile list: where they are. */
export interface TileMember {
  /** Its state's offset in a slot record, and within a pool node. */
  readonly recordAt: number;
  readonly nodeAt: number;
  /** The empty state's numbers (as many as the state has). */
  readonly empty: Float64Array;
  readonly spills: Spills | undefined;
}

/**
 * The tiles of one or more features of an entity (`FeatureTable`'s storage): per key, its newest tile in the key's
 * slot record and older ones as nodes of a pool in one Float64Array — (tile, older link, newer link, states) —
 * linked both ways, so that trimming starts from the oldest and reads only what it drops. Each tile holds every
 * member's state, so a tile is made, moved to the pool and trimmed once for all of them.
 *
 * Members of packed aggregates keep their states in the record and the nodes; a list of one member whose
 * aggregate is not packed keeps them as objects (`heads` by slot, `objects` by node).
 */
export class TilePool {
  /** Where the list's fields start in a slot record. */
  readonly offset: number;
  readonly members: TileMember[] = [];
  /** Numbers per pool node: tile, two links, the members' states. */
  stride = NODE_FIELDS;
  nodes: Float64Array;
  /** States of a single object-state member: of the newest tile by slot, of pool nodes by node. */
  readonly heads: unknown[] | undefined;
  objects: unknown[] | undefined;
  /** Nodes handed out so far: the pool's high-water mark. */
  used = 0;
  /** During a restore: whether a member's checkpoint column has built the tiles. */
  built = false;
  /**
   * Free pool nodes, as a stack of their numbers: taking one reads this array's end (in cache) rather than a
   * link in the freed node, a miss the event would wait for (measured: BENCHMARKS.md, "fraud set").
   */
  private freeNodes: Int32Array = int32s(16);
  private freeCount = 0;

  /**
   * `keys`: the key space whose records hold the newest tiles; `name`: the keeping feature's, for errors;
   * `retainTiles`: tiles older than this many before an event's own are never read again (Infinity: keep them);
   * `emptyObject`: the empty state of an object-state member (none for packed members).
   */
  constructor(
    readonly keys: KeySpace,
    readonly name: string,
    readonly tileMs: number,
    readonly windowMs: number,
    readonly retainTiles: number,
    private readonly emptyObject?: () => unknown,
  ) {
    this.offset = keys.reserve(LIST_FIELDS);
    this.nodes = float64s(16 * this.stride);
    if (emptyObject) {
      this.heads = [];
      this.objects = [];
    }
  }

  /** Adds a member whose state is `empty`'s numbers; returns where its states are. Before the first key only. */
  join(empty: Float64Array, spills?: Spills): TileMember {
    const member: TileMember = {
      recordAt: this.keys.reserve(empty.length),
      nodeAt: this.stride,
      empty,
      spills,
    };
    this.stride += empty.length;
    this.nodes = float64s(16 * this.stride);
    this.members.push(member);
    return member;
  }

  /** Whether the slot holds no tile. */
  isEmpty(slot: number): boolean {
    return (this.keys.records[slot * this.keys.recordWidth + this.offset + HEAD] ?? 0) === 0;
  }

  /** The newest tile of the slot, or −1 when it holds none. */
  headTile(slot: number): number {
    return (this.keys.records[slot * this.keys.recordWidth + this.offset + HEAD] as number) - 1;
  }

  /**
   * The tile of the event's time for the slot (the event, not its time: V8 would box a double passed to a call
   * it does not inline), made when it has none (empty for every member), as −1 for the
   * record's own (newest) tile or the pool node that holds it.
   */
  tileOf(slot: number, event: ShopEvent): number {
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
      at = (this.nodes[prev * stride + NODE_OLDER] as number) | 0;
    }
    if (at !== 0 && this.nodes[(at - 1) * stride] === tile) return at - 1;
    const node = this.allocate(at);
    this.clearNode(node);
    this.nodes[node * stride] = tile;
    this.nodes[node * stride + NEWER] = prev + 1;
    if (prev === -1) rec[base + OLDER] = node + 1;
    else this.nodes[prev * stride + NODE_OLDER] = node + 1;
    if (at !== 0) this.nodes[(at - 1) * stride + NEWER] = node + 1;
    else {
      rec[base + TAIL] = node + 1;
      rec[base + TAIL_TILE] = tile;
    }
    return node;
  }

  /** Drops the tiles that no value as of `asOf` or later can need. */
  evictBefore(asOf: number): void {
    if (!Number.isFinite(this.windowMs)) return;
    const first = Math.floor((asOf - this.windowMs) / this.tileMs);
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

  /** Empties the list, its pool sized for `nodes` older tiles. */
  reset(nodes: number): void {
    this.nodes = float64s(Math.max(16, nodes) * this.stride);
    if (this.heads) this.heads.length = 0;
    if (this.objects) this.objects = [];
    for (const member of this.members) member.spills?.clear();
    this.used = 0;
    this.freeCount = 0;
    this.built = false;
  }

  /**
   * Restores a key's tiles, oldest first (`tiles[from]` … `tiles[from + n − 1]`) into an empty list (`reset`):
   * all but the newest become pool nodes, each linking to the one before it; `fill(node)` is called for each
   * (−1 for the record's tile, after `clearHead`/`clearNode`) so that the members' states can be written in.
   */
  buildKey(
    slot: number,
    tiles: Float64Array,
    from: number,
    n: number,
    fill: (node: number, i: number) => void,
  ): void {
    const { stride, nodes } = this;
    const rec = this.keys.records;
    const base = slot * this.keys.recordWidth + this.offset;
    let older = 0;
    for (let j = 0; j < n - 1; j++) {
      const node = this.used++;
      nodes[node * stride] = tiles[from + j] as number;
      nodes[node * stride + NODE_OLDER] = older;
      // The next newer node is the next one written, unless this is the last before the record's tile.
      nodes[node * stride + NEWER] = j < n - 2 ? node + 2 : 0;
      this.clearNode(node);
      fill(node, from + j);
      if (j === 0) {
        rec[base + TAIL] = node + 1;
        rec[base + TAIL_TILE] = tiles[from] as number;
      }
      older = node + 1;
    }
    rec[base + HEAD] = (tiles[from + n - 1] as number) + 1;
    rec[base + OLDER] = older;
    this.clearHead(slot);
    fill(-1, from + n - 1);
  }

  /** Empties the state of every member in the slot's newest tile. */
  clearHead(slot: number): void {
    if (this.heads) {
      this.heads[slot] = (this.emptyObject as () => unknown)();
      return;
    }
    const rec = this.keys.records;
    const record = slot * this.keys.recordWidth;
    for (let m = 0; m < this.members.length; m++) {
      const { recordAt, empty } = this.members[m] as TileMember;
      for (let w = 0; w < empty.length; w++) rec[record + recordAt + w] = empty[w] as number;
    }
  }

  /** Empties the state of every member in a pool node. */
  private clearNode(node: number): void {
    if (this.objects) {
      this.objects[node] = (this.emptyObject as () => unknown)();
      return;
    }
    const at = node * this.stride;
    for (let m = 0; m < this.members.length; m++) {
      const { nodeAt, empty } = this.members[m] as TileMember;
      for (let w = 0; w < empty.length; w++) this.nodes[at + nodeAt + w] = empty[w] as number;
    }
  }

  /** Copies every member's state of the slot's newest tile into a pool node. */
  private moveHead(slot: number, node: number): void {
    if (this.heads) {
      (this.objects as unknown[])[node] = this.heads[slot];
      return;
    }
    const rec = this.keys.records;
    const record = slot * this.keys.recordWidth;
    const at = node * this.stride;
    for (let m = 0; m < this.members.length; m++) {
      const { recordAt, nodeAt, empty } = this.members[m] as TileMember;
      for (let w = 0; w < empty.length; w++)
        this.nodes[at + nodeAt + w] = rec[record + recordAt + w] as number;
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
    this.nodes[node * this.stride + NODE_OLDER] = next;
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
      const { recordAt, spills } = this.members[m] as TileMember;
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
      this.nodes[(keep - 1) * stride + NODE_OLDER] = 0;
      rec[base + TAIL] = keep;
      rec[base + TAIL_TILE] = this.nodes[(keep - 1) * stride] as number;
    }
    this.release(drop);
  }

  /** Puts a chain of pool nodes (its first + 1) on the free stack. */
  private release(chain: number): void {
    const stride = this.stride;
    for (let node = chain - 1, steps = 0; ; steps++) {
      if (steps > this.used) throw new Error(`${this.name}: corrupt tile list`);
      if (this.objects) this.objects[node] = undefined;
      for (let m = 0; m < this.members.length; m++) {
        const { nodeAt, spills } = this.members[m] as TileMember;
        if (spills) distinctRelease(this.nodes, node * stride + nodeAt, spills);
      }
      if (this.freeCount === this.freeNodes.length) this.freeNodes = grow(this.freeNodes, this.freeCount + 1);
      this.freeNodes[this.freeCount++] = node;
      const after = (this.nodes[node * stride + NODE_OLDER] as number) | 0;
      if (after === 0) break;
      node = after - 1;
    }
  }
}
