// Reading many features of one event at once, for scoring in the hot path: each entity's key is made and looked
// up once per event (not once per feature), and the values land in a Float64Array in the asked order, NaN where
// the engine's `value` gives no number. `FeatureEngine.value` stays the definition; this is the same reads, grouped.
import type { ShopEvent } from '../events/schemas.js';
import type { FeatureValue } from '../features/aggregators.js';
import type { CompiledFeature } from '../features/definition.js';
import type { FeatureTable } from '../features/feature-table.js';
import type { KeySpace } from '../features/key-space.js';

/** A derived feature's value from its bases' values (read with the event's key) and the event itself. */
export function derivedValue(
  feature: CompiledFeature,
  a: FeatureValue | undefined,
  b: FeatureValue | undefined,
  event: ShopEvent | undefined,
  asOf: number,
): FeatureValue {
  const derived = feature.derived;
  if (derived === undefined) return null;
  const record = event as unknown as Record<string, unknown> | undefined;
  const x = record === undefined || feature.value === undefined ? undefined : record[feature.value];
  switch (derived.kind) {
    case 'ratio':
      return typeof a === 'number' && typeof b === 'number' && b !== 0 ? a / b : null;
    case 'time_since':
      return typeof a === 'number' ? asOf - a : null;
    case 'zscore':
      return typeof x === 'number' && typeof a === 'number' && typeof b === 'number' && b > 0
        ? (x - a) / b
        : null;
    case 'value_ratio':
      return typeof x === 'number' && typeof a === 'number' && a > 0 ? x / a : null;
    case 'is_new':
      return typeof a === 'number' && a > 0 ? 0 : 1;
    case 'field':
      return typeof x === 'number' ? x : typeof x === 'boolean' ? (x ? 1 : 0) : null;
    case 'mismatch': {
      const [f, g] = derived.fields ?? [];
      const p = record?.[f as string];
      const q = record?.[g as string];
      return typeof p === 'string' && typeof q === 'string' ? (p === q ? 0 : 1) : null;
    }
    case 'field_ratio': {
      const [f, g] = derived.fields ?? [];
      const p = record?.[f as string];
      const q = record?.[g as string];
      return typeof p === 'number' && typeof q === 'number' && q > 0 ? p / q : null;
    }
    case 'field_difference': {
      const [f, g] = derived.fields ?? [];
      const p = record?.[f as string];
      const q = record?.[g as string];
      return typeof p === 'number' && typeof q === 'number' ? p - q : null;
    }
  }
}

/** What the reader needs of the engine: a feature's table, or its derived definition. */
export interface ReaderSource {
  table(name: string): FeatureTable | undefined;
  derivedFeature(name: string): CompiledFeature | undefined;
}

/** One entity's features among those read: its key is made from the event once and looked up once. */
interface KeyGroup {
  /** The table whose key the group's features use (the first base of a derived one). */
  readonly keyTable: FeatureTable;
  readonly keys: KeySpace;
}

type Reader =
  | { readonly kind: 'table'; readonly group: number; readonly table: FeatureTable }
  | {
      readonly kind: 'derived';
      readonly group: number;
      readonly feature: CompiledFeature;
      readonly bases: readonly FeatureTable[];
    }
  | { readonly kind: 'event'; readonly feature: CompiledFeature };

const number = (v: FeatureValue | undefined): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN;

/**
 * @example const read = engine.reader(['card_payments_1h', 'amount']); const x = read.read(payment, payment.ts)
 */
export class VectorReader {
  private readonly groups: KeyGroup[] = [];
  private readonly readers: Reader[] = [];
  /** Per read, each group's slot (−1: the event lacks the entity or the key has no state; −2: not looked up). */
  private readonly slots: Int32Array;

  constructor(
    readonly names: readonly string[],
    source: ReaderSource,
  ) {
    const groupOf = new Map<string, number>();
    const group = (table: FeatureTable): number => {
      const by = table.feature.by;
      let g = groupOf.get(by);
      if (g === undefined) {
        g = this.groups.length;
        this.groups.push({ keyTable: table, keys: table.keys });
        groupOf.set(by, g);
      }
      return g;
    };
    for (const name of names) {
      const table = source.table(name);
      if (table) {
        this.readers.push({ kind: 'table', group: group(table), table });
        continue;
      }
      const feature = source.derivedFeature(name);
      if (!feature?.derived) throw new Error(`${name}: not a feature of this engine`);
      if (feature.derived.of.length === 0) {
        this.readers.push({ kind: 'event', feature });
        continue;
      }
      const bases = feature.derived.of.map((n) => {
        const t = source.table(n);
        if (!t) throw new Error(`${name}: its base ${n} is not a feature of this engine`);
        return t;
      });
      this.readers.push({ kind: 'derived', group: group(bases[0] as FeatureTable), feature, bases });
    }
    this.slots = new Int32Array(this.groups.length);
  }

  /** The values of `names` for `event` as of `asOf`: NaN for no number (no data yet, or not a number). */
  read(event: ShopEvent, asOf: number, out = new Float64Array(this.names.length)): Float64Array {
    const slots = this.slots;
    slots.fill(-2);
    for (let i = 0; i < this.readers.length; i++) {
      const r = this.readers[i] as Reader;
      if (r.kind === 'event') {
        out[i] = number(derivedValue(r.feature, undefined, undefined, event, asOf));
        continue;
      }
      let slot = slots[r.group] as number;
      if (slot === -2) {
        const g = this.groups[r.group] as KeyGroup;
        const key = g.keyTable.keyOf(event);
        slot = key === undefined ? -3 : (g.keys.find(key) ?? -1);
        slots[r.group] = slot;
      }
      // No key in the event: no value (as `keyOf` undefined gives null); a key without state reads as empty.
      if (slot === -3) {
        out[i] = Number.NaN;
        continue;
      }
      const at = slot === -1 ? undefined : slot;
      if (r.kind === 'table') out[i] = number(r.table.valueAtSlot(at, asOf));
      else {
        const a = (r.bases[0] as FeatureTable).valueAtSlot(at, asOf);
        const b = r.bases[1]?.valueAtSlot(at, asOf);
        out[i] = number(derivedValue(r.feature, a, b, event, asOf));
      }
    }
    return out;
  }
}
