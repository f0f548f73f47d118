// The entity keys of a group of features: key → slot, in an open-addressing index on typed arrays.
import { float64s, grow, int32s } from './typed-arrays.js';

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
