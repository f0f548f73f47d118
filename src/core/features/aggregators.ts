// Aggregates as monoids: an empty state, add one value, merge two states. A window value is the merge of its tiles,
// so batch, streaming and several workers give the same numbers whatever the order of events.
import { hash52, hllAdd, hllCount, hllEmpty, hllMerge } from './hyperloglog.js';

export const AGGREGATES = [
  'count',
  'sum',
  'mean',
  'variance',
  'stddev',
  'min',
  'max',
  'distinct',
  'last_n',
  'top_k',
  'decayed_sum',
  'first_seen',
  'last_seen',
] as const;
export type AggregateName = (typeof AGGREGATES)[number];

/** Aggregates that read a field of the event (`value`); count, first_seen and last_seen need none. */
export const NEEDS_VALUE: ReadonlySet<AggregateName> = new Set([
  'sum',
  'mean',
  'variance',
  'stddev',
  'min',
  'max',
  'distinct',
  'last_n',
  'top_k',
  'decayed_sum',
]);
/** Aggregates whose value must be a number. */
export const NUMERIC: ReadonlySet<AggregateName> = new Set([
  'sum',
  'mean',
  'variance',
  'stddev',
  'min',
  'max',
  'decayed_sum',
]);

export type FeatureValue =
  number | null | readonly (string | number)[] | readonly { value: string; count: number }[];

/**
 * One aggregate. `add` and `merge` may change and return their first argument; `merge` never changes its second.
 * States are plain data: a number for the scalar aggregates, small objects otherwise (HyperLogLog registers are a
 * Uint8Array). Callers must use the returned state: for numbers, `add` cannot change its argument.
 */
export interface Aggregator<S = unknown> {
  empty(): S;
  add(state: S, value: unknown, ts: number): S;
  merge(into: S, other: S): S;
  result(state: S, asOf: number): FeatureValue;
  /** Present when a state is a fixed number of numbers: tiles then keep it in a Float64Array, updated in place. */
  readonly packed?: Packed<S>;
}

/**
 * A state as `width` numbers at `at` of a Float64Array. Tiles of a million keys then hold no object per tile:
 * nothing for the garbage collector to trace and a checkpoint that is a copy of arrays (see BENCHMARKS.md).
 */
export interface Packed<S> {
  /** Which arithmetic `add` does: tiles run it inline on their hot path rather than through a call. */
  readonly kind: PackedKind;
  /** decayed_sum: its half-life. */
  readonly halfLifeMs?: number;
  readonly width: number;
  /** Writes the empty state. */
  clear(a: Float64Array, at: number): void;
  /** Adds one value in place: the same arithmetic as `add`. */
  add(a: Float64Array, at: number, value: unknown, ts: number): void;
  /** The state as a plain one (a fresh object, or the number). */
  read(a: Float64Array, at: number): S;
  write(a: Float64Array, at: number, state: S): void;
}

export type PackedKind =
  'count' | 'sum' | 'min' | 'max' | 'first' | 'last' | 'moments' | 'decayed' | 'distinct';

/** The packed form of an aggregator whose state is one number. */
function scalarPacked(kind: PackedKind, a: Omit<Aggregator<number>, 'packed'>): Aggregator<number> {
  const empty = a.empty();
  return {
    ...a,
    packed: {
      kind,
      width: 1,
      clear: (s, at) => {
        s[at] = empty;
      },
      add: (s, at, value, ts) => {
        s[at] = a.add(s[at] as number, value, ts);
      },
      read: (s, at) => s[at] as number,
      write: (s, at, state) => {
        s[at] = state;
      },
    },
  };
}

export interface AggregateOptions {
  /** last_n: how many values; top_k: how many to report. */
  readonly n?: number;
  /** decayed_sum: half-life in ms. */
  readonly halfLifeMs?: number;
}

/** Distinct values are counted exactly up to this many, then by HyperLogLog. */
export const EXACT_DISTINCT_LIMIT = 128;

interface Moments {
  n: number;
  mean: number;
  m2: number;
}

/**
 * Distinct values, told apart by their 52-bit hashes (`hash52`): a list of up to EXACT_DISTINCT_LIMIT of them,
 * then HyperLogLog registers. Two of 128 values share a hash with probability below 2e-12, so the count is exact
 * while small for every practical purpose; values are never kept, so a tile's state is numbers only.
 */
export type Distinct = number[] | Uint8Array;

interface Decayed {
  sum: number;
  ref: number;
}

const momentsAggregator = (pick: (m: Moments) => number | null): Aggregator<Moments> => ({
  empty: () => ({ n: 0, mean: 0, m2: 0 }),
  add(s, value) {
    const x = value as number;
    s.n++;
    const delta = x - s.mean;
    s.mean += delta / s.n;
    s.m2 += delta * (x - s.mean);
    return s;
  },
  packed: {
    kind: 'moments',
    width: 3,
    clear(a, at) {
      a[at] = 0;
      a[at + 1] = 0;
      a[at + 2] = 0;
    },
    add: (a, at, value) => welfordAdd(a, at, value as number),
    read: (a, at) => ({ n: a[at] as number, mean: a[at + 1] as number, m2: a[at + 2] as number }),
    write(a, at, s) {
      a[at] = s.n;
      a[at + 1] = s.mean;
      a[at + 2] = s.m2;
    },
  },
  merge(a, b) {
    if (b.n === 0) return a;
    if (a.n === 0) return Object.assign(a, b);
    // Chan et al.'s parallel update.
    const n = a.n + b.n;
    const delta = b.mean - a.mean;
    a.m2 += b.m2 + (delta * delta * a.n * b.n) / n;
    a.mean += (delta * b.n) / n;
    a.n = n;
    return a;
  },
  result: (s) => pick(s),
});

/** min, max, first_seen, last_seen: a bare number, ±Infinity while empty. */
function extremum(min: boolean, ofTs: boolean): Aggregator<number> {
  const empty = min ? Infinity : -Infinity;
  return scalarPacked(ofTs ? (min ? 'first' : 'last') : min ? 'min' : 'max', {
    empty: () => empty,
    add: (s, value, ts) => {
      const x = ofTs ? ts : (value as number);
      return min ? (x < s ? x : s) : x > s ? x : s;
    },
    merge: (a, b) => (min ? (b < a ? b : a) : b > a ? b : a),
    result: (s) => (s === empty ? null : s),
  });
}

/** Orders [ts, value] pairs by time, ties by value, so that every path keeps the same last n. */
function byTime(a: [number, string | number], b: [number, string | number]): number {
  return a[0] - b[0] || (String(a[1]) < String(b[1]) ? -1 : String(a[1]) > String(b[1]) ? 1 : 0);
}

/** Builds the aggregator for a name and its options. */
export function aggregatorFor(name: AggregateName, options: AggregateOptions = {}): Aggregator {
  const n = options.n ?? 10;
  switch (name) {
    // Scalar monoids keep a bare number as their state: no object per tile, nothing to allocate on update.
    case 'count':
      return scalarPacked('count', {
        empty: () => 0,
        add: (c) => c + 1,
        merge: (a, b) => a + b,
        result: (c) => c,
      }) as Aggregator;
    case 'sum':
      return scalarPacked('sum', {
        empty: () => 0,
        add: (s, v) => s + (v as number),
        merge: (a, b) => a + b,
        result: (s) => s,
      }) as Aggregator;
    case 'mean':
      return momentsAggregator((m) => (m.n === 0 ? null : m.mean)) as Aggregator;
    case 'variance':
      return momentsAggregator((m) => (m.n < 2 ? null : m.m2 / (m.n - 1))) as Aggregator;
    case 'stddev':
      return momentsAggregator((m) => (m.n < 2 ? null : Math.sqrt(m.m2 / (m.n - 1)))) as Aggregator;
    case 'min':
      return extremum(true, false) as Aggregator;
    case 'max':
      return extremum(false, false) as Aggregator;
    case 'first_seen':
      return extremum(true, true) as Aggregator;
    case 'last_seen':
      return extremum(false, true) as Aggregator;
    case 'distinct':
      return distinctAggregator() as Aggregator;
    case 'last_n':
      return {
        empty: () => ({ items: [] as [number, string | number][] }),
        add(s: { items: [number, string | number][] }, v: unknown, ts: number) {
          s.items.push([ts, v as string | number]);
          s.items.sort(byTime);
          if (s.items.length > n) s.items.splice(0, s.items.length - n);
          return s;
        },
        merge(a: { items: [number, string | number][] }, b: { items: [number, string | number][] }) {
          a.items = [...a.items, ...b.items].sort(byTime).slice(-n);
          return a;
        },
        result: (s: { items: [number, string | number][] }) => s.items.map((i) => i[1]).reverse(),
      } as Aggregator;
    case 'top_k':
      return topKAggregator(n) as Aggregator;
    case 'decayed_sum':
      return decayedSum(options.halfLifeMs ?? 86_400_000) as Aggregator;
  }
}

function distinctAggregator(): Aggregator<Distinct> {
  return {
    empty: () => [],
    add: (s, value) => distinctAdd(s, distinctHash(value)),
    merge(a, b) {
      // `a` may be changed, `b` never.
      if (b instanceof Uint8Array) {
        const into = a instanceof Uint8Array ? a : sketchOf(a);
        hllMerge(into, b);
        return into;
      }
      let into = a;
      for (let i = 0; i < b.length; i++) into = distinctAdd(into, b[i] as number);
      return into;
    },
    result: (s) => (s instanceof Uint8Array ? hllCount(s) : s.length),
  };
}

/** The hash by which `distinct` tells a value apart (numbers and strings alike, by their text). */
export function distinctHash(value: unknown): number {
  return hash52(typeof value === 'string' ? value : String(value));
}

/** Adds a value's hash to a distinct state; returns the state, which may be a new one (the sketch). */
export function distinctAdd(s: Distinct, hash: number): Distinct {
  if (s instanceof Uint8Array) {
    hllAdd(s, hash);
    return s;
  }
  if (s.includes(hash)) return s;
  s.push(hash);
  return s.length > EXACT_DISTINCT_LIMIT ? sketchOf(s) : s;
}

function sketchOf(hashes: readonly number[]): Uint8Array {
  const hll = hllEmpty();
  for (let i = 0; i < hashes.length; i++) hllAdd(hll, hashes[i] as number);
  return hll;
}

/** Distinct states that outgrew the numbers of their tile, by id; ids are reused once released. */
export class Spills {
  private readonly states: (Distinct | undefined)[] = [];
  private readonly free: number[] = [];

  add(state: Distinct): number {
    const id = this.free.pop() ?? this.states.length;
    this.states[id] = state;
    return id;
  }

  get(id: number): Distinct {
    return this.states[id] as Distinct;
  }

  set(id: number, state: Distinct): void {
    this.states[id] = state;
  }

  release(id: number): void {
    this.states[id] = undefined;
    this.free.push(id);
  }

  clear(): void {
    this.states.length = 0;
    this.free.length = 0;
  }

  /** States held. */
  get size(): number {
    return this.states.length - this.free.length;
  }
}

/** Distinct hashes kept in a tile's own numbers; a tile with more keeps its state in `Spills`. */
export const DISTINCT_INLINE = 3;

/**
 * `distinct` packed into 1 + DISTINCT_INLINE numbers: how many hashes follow (0…DISTINCT_INLINE), then the
 * hashes; or −(id + 1) of the state in `spills` once the tile holds more. Most tiles of a sparse key hold one or
 * two values, which then cost no object at all. Whoever discards a tile's numbers releases its spill
 * (`distinctRelease`).
 */
export function packedDistinct(spills: Spills): Packed<Distinct> {
  return {
    kind: 'distinct',
    width: 1 + DISTINCT_INLINE,
    clear(a, at) {
      a[at] = 0;
    },
    add: (a, at, value) => distinctAddPacked(a, at, distinctHash(value), spills),
    read(a, at) {
      const n = a[at] as number;
      return n < 0 ? spills.get(-n - 1) : Array.from(a.subarray(at + 1, at + 1 + n));
    },
    /** Takes `state` (it may be kept as it is). */
    write(a, at, state) {
      if (state instanceof Uint8Array || state.length > DISTINCT_INLINE) a[at] = -spills.add(state) - 1;
      else {
        a[at] = state.length;
        for (let i = 0; i < state.length; i++) a[at + 1 + i] = state[i] as number;
      }
    },
  };
}

/** `distinctAdd` on packed numbers at `at`, moving them to `spills` when they outgrow DISTINCT_INLINE. */
export function distinctAddPacked(a: Float64Array, at: number, hash: number, spills: Spills): void {
  const n = a[at] as number;
  if (n < 0) {
    const id = -n - 1;
    const state = spills.get(id);
    const next = distinctAdd(state, hash);
    if (next !== state) spills.set(id, next);
    return;
  }
  for (let i = 1; i <= n; i++) if (a[at + i] === hash) return;
  if (n < DISTINCT_INLINE) {
    a[at + 1 + n] = hash;
    a[at] = n + 1;
    return;
  }
  const list = Array.from(a.subarray(at + 1, at + 1 + n));
  list.push(hash);
  a[at] = -spills.add(list) - 1;
}

/**
 * Releases the spill of packed distinct numbers at `at`, if they have one, and leaves them empty: releasing twice
 * (a record's tile dropped, then its key's next tile taking the record over) frees the spill once.
 */
export function distinctRelease(a: Float64Array, at: number, spills: Spills): void {
  const n = a[at] as number;
  if (n < 0) spills.release(-n - 1);
  a[at] = 0;
}

/** Space-saving (Metwally et al. 2005) with 4k counters; merged by summing counters and keeping the largest. */
function topKAggregator(k: number): Aggregator<{ counts: Record<string, number> }> {
  const capacity = Math.max(4 * k, 16);
  const trim = (counts: Record<string, number>) => {
    const entries = Object.entries(counts);
    if (entries.length <= capacity) return counts;
    entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return Object.fromEntries(entries.slice(0, capacity));
  };
  return {
    empty: () => ({ counts: Object.create(null) as Record<string, number> }),
    add(s, value) {
      const key = String(value);
      if (key in s.counts) s.counts[key]! += 1;
      else if (Object.keys(s.counts).length < capacity) s.counts[key] = 1;
      else {
        // Replace the smallest counter: the newcomer inherits its count (the space-saving over-estimate).
        let minKey = '';
        let min = Infinity;
        for (const [candidate, c] of Object.entries(s.counts)) {
          if (c < min || (c === min && candidate > minKey)) {
            min = c;
            minKey = candidate;
          }
        }
        delete s.counts[minKey];
        s.counts[key] = min + 1;
      }
      return s;
    },
    merge(a, b) {
      for (const [key, c] of Object.entries(b.counts)) a.counts[key] = (a.counts[key] ?? 0) + c;
      a.counts = trim(a.counts);
      return a;
    },
    result: (s) =>
      Object.entries(s.counts)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, k)
        .map(([value, count]) => ({ value, count })),
  };
}

/** Σ value · 2^(−(asOf − ts) / halfLife), kept relative to the newest timestamp seen so it never overflows. */
function decayedSum(halfLifeMs: number): Aggregator<Decayed> {
  const decay = (ms: number) => 2 ** (-ms / halfLifeMs);
  return {
    empty: () => ({ sum: 0, ref: -Infinity }),
    add(s, value, ts) {
      const v = value as number;
      if (s.ref === -Infinity) {
        s.sum = v;
        s.ref = ts;
      } else if (ts > s.ref) {
        s.sum = s.sum * decay(ts - s.ref) + v;
        s.ref = ts;
      } else s.sum += v * decay(s.ref - ts);
      return s;
    },
    merge(a, b) {
      if (b.ref === -Infinity) return a;
      if (a.ref === -Infinity) return Object.assign(a, b);
      if (b.ref > a.ref) {
        a.sum = a.sum * decay(b.ref - a.ref) + b.sum;
        a.ref = b.ref;
      } else a.sum += b.sum * decay(a.ref - b.ref);
      return a;
    },
    result: (s, asOf) => (s.ref === -Infinity ? 0 : s.sum * decay(asOf - s.ref)),
    packed: {
      kind: 'decayed',
      halfLifeMs,
      width: 2,
      clear(a, at) {
        a[at] = 0;
        a[at + 1] = -Infinity;
      },
      add: (a, at, value, ts) => decayedAdd(a, at, value as number, ts, halfLifeMs),
      read: (a, at) => ({ sum: a[at] as number, ref: a[at + 1] as number }),
      write(a, at, s) {
        a[at] = s.sum;
        a[at + 1] = s.ref;
      },
    },
  };
}

/** Welford's update of packed moments (n, mean, m2) at `at`: the same arithmetic as the moments `add`. */
export function welfordAdd(a: Float64Array, at: number, x: number): void {
  const n = (a[at] as number) + 1;
  const mean = a[at + 1] as number;
  const delta = x - mean;
  const next = mean + delta / n;
  a[at] = n;
  a[at + 1] = next;
  a[at + 2] = (a[at + 2] as number) + delta * (x - next);
}

/** decayed_sum's update of a packed (sum, ref) at `at`: the same arithmetic as its `add`. */
export function decayedAdd(a: Float64Array, at: number, v: number, ts: number, halfLifeMs: number): void {
  const ref = a[at + 1] as number;
  if (ref === -Infinity) {
    a[at] = v;
    a[at + 1] = ts;
  } else if (ts > ref) {
    a[at] = (a[at] as number) * 2 ** (-(ts - ref) / halfLifeMs) + v;
    a[at + 1] = ts;
  } else a[at] = (a[at] as number) + v * 2 ** (-(ref - ts) / halfLifeMs);
}
