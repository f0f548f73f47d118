import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ShopEvent } from '../events/schemas.js';
import { aggregatorFor, AGGREGATES, type AggregateName, type FeatureValue } from './aggregators.js';
import { compileFeatures } from './definition.js';
import { HOUR, MINUTE } from './duration.js';
import { FeatureTable } from './feature-table.js';
import { KeySpace } from './key-space.js';

const T0 = Date.UTC(2026, 0, 5);
const HALF_LIFE = 30 * MINUTE;

interface Raw {
  ts: number;
  user: string;
  amount: number;
}

function brute(agg: AggregateName, rows: readonly Raw[], asOf: number): FeatureValue {
  const values = rows.map((r) => r.amount);
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  switch (agg) {
    case 'count':
      return n;
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'mean':
      return n === 0 ? null : mean;
    case 'variance':
      return n < 2 ? null : variance;
    case 'stddev':
      return n < 2 ? null : Math.sqrt(variance);
    case 'min':
      return n === 0 ? null : Math.min(...values);
    case 'max':
      return n === 0 ? null : Math.max(...values);
    case 'distinct':
      return new Set(values.map(String)).size;
    case 'first_seen':
      return n === 0 ? null : Math.min(...rows.map((r) => r.ts));
    case 'last_seen':
      return n === 0 ? null : Math.max(...rows.map((r) => r.ts));
    case 'decayed_sum':
      return rows.reduce((a, r) => a + r.amount * 2 ** (-(asOf - r.ts) / HALF_LIFE), 0);
    case 'last_n':
      return [...rows]
        .sort(
          (a, b) =>
            a.ts - b.ts ||
            (String(a.amount) < String(b.amount) ? -1 : String(a.amount) > String(b.amount) ? 1 : 0),
        )
        .slice(-3)
        .map((r) => r.amount)
        .reverse();
    case 'top_k': {
      const counts = new Map<string, number>();
      for (const v of values) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
      return [...counts]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, 3)
        .map(([value, count]) => ({ value, count }));
    }
  }
}

function expectSame(actual: FeatureValue, expected: FeatureValue): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
  } else expect(actual).toEqual(expected);
}

const feature = (agg: AggregateName, window: string) =>
  compileFeatures({
    features: [
      {
        name: 'f',
        on: ['payment'],
        by: 'user',
        agg,
        window,
        ...(agg === 'count' || agg.endsWith('_seen') ? {} : { value: 'amount' }),
        ...(agg === 'decayed_sum' ? { halfLife: '30m' } : {}),
        ...(agg === 'last_n' || agg === 'top_k' ? { n: 3 } : {}),
      },
    ],
  })[0]!;

const payment = (r: Raw, i: number): ShopEvent => ({
  id: `e${i}`,
  type: 'payment',
  ts: r.ts,
  userId: r.user,
  paymentId: `e${i}`,
  amount: r.amount,
  currency: 'EUR',
  cardId: 'c',
});

const rawEvents = fc.array(
  fc.record({
    ts: fc.integer({ min: T0, max: T0 + 6 * HOUR }),
    user: fc.constantFrom('u1', 'u2'),
    amount: fc.integer({ min: 0, max: 40 }),
  }),
  { maxLength: 120 },
);

describe('FeatureTable windows against brute force', () => {
  for (const agg of AGGREGATES) {
    it(`${agg}: tumbling, sliding and lifetime values equal a recomputation, in any arrival order`, () => {
      fc.assert(
        fc.property(
          rawEvents,
          fc.integer({ min: 0, max: 8 * HOUR }),
          fc.boolean(),
          fc.constantFrom('1h', '30m', 'lifetime'),
          (rows, offset, aligned, window) => {
            const table = new FeatureTable(feature(agg, window));
            rows.forEach((r, i) => table.apply(payment(r, i)));
            const t = table.tileMs;
            const asOf = aligned ? T0 + Math.floor(offset / t) * t : T0 + offset;
            const windowMs = table.feature.windowMs;
            // Exact span when asOf is on a tile boundary; otherwise whole tiles at both ends.
            const lo = Number.isFinite(windowMs) ? Math.floor((asOf - windowMs) / t) * t : -Infinity;
            const hi = Math.ceil(asOf / t) * t;
            for (const user of ['u1', 'u2']) {
              const inWindow = rows.filter((r) => r.user === user && r.ts >= lo && r.ts < hi);
              expectSame(table.valueAt(user, asOf), brute(agg, inWindow, asOf));
            }
          },
        ),
        { numRuns: 60 },
      );
    });
  }
});

describe('FeatureTable recycling tiles past reach', () => {
  // Events arrive up to RETAIN out of order; values are asked for as of any time no older than that behind
  // the newest event, as the engine does. Recycled tiles must never be among those a value reads.
  const RETAIN = 20 * MINUTE;
  for (const agg of ['count', 'sum', 'mean', 'distinct', 'last_n'] as const) {
    it(`${agg}: values within reach equal a recomputation while old tiles are recycled`, () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.record({
              ts: fc.integer({ min: T0, max: T0 + 12 * HOUR }),
              user: fc.constantFrom('u1', 'u2'),
              amount: fc.integer({ min: 0, max: 40 }),
            }),
            { maxLength: 150 },
          ),
          fc.integer({ min: 0, max: RETAIN }),
          fc.constantFrom('1m', '10m', '1h'),
          (raw, back, window) => {
            // Log order: by time, each event moved back by up to RETAIN (never behind the newest − RETAIN).
            const sorted = [...raw].sort((a, b) => a.ts - b.ts);
            let newest = -Infinity;
            const rows = sorted.map((r, i) => {
              newest = Math.max(newest, r.ts);
              return { ...r, ts: Math.max(newest - RETAIN, r.ts - ((i * 7919) % RETAIN)) };
            });
            const table = new FeatureTable(feature(agg, window), undefined, { retainMs: RETAIN });
            const applied: Raw[] = [];
            rows.forEach((r, i) => {
              table.apply(payment(r, i));
              applied.push(r);
              if (i % 10 !== 9) return;
              const t = table.tileMs;
              const max = Math.max(...applied.map((a) => a.ts));
              const asOf = Math.floor((max - back) / t) * t + t; // a tile boundary within reach
              if (asOf < max - RETAIN) return;
              for (const user of ['u1', 'u2']) {
                const inWindow = applied.filter(
                  (a) => a.user === user && a.ts >= asOf - table.feature.windowMs && a.ts < asOf,
                );
                expectSame(table.valueAt(user, asOf), brute(agg, inWindow, asOf));
              }
            });
          },
        ),
        { numRuns: 60 },
      );
    });
  }
});

describe('aggregators are monoids', () => {
  for (const agg of AGGREGATES) {
    it(`${agg}: merging the states of any split equals adding everything to one state`, () => {
      fc.assert(
        fc.property(rawEvents, fc.array(fc.boolean(), { maxLength: 120 }), (rows, sides) => {
          const a = aggregatorFor(agg, { n: 3, halfLifeMs: HALF_LIFE });
          let whole = a.empty();
          let left = a.empty();
          let right = a.empty();
          rows.forEach((r, i) => {
            whole = a.add(whole, r.amount, r.ts);
            if (sides[i]) left = a.add(left, r.amount, r.ts);
            else right = a.add(right, r.amount, r.ts);
          });
          const asOf = T0 + 7 * HOUR;
          expectSame(a.result(a.merge(a.merge(a.empty(), right), left), asOf), a.result(whole, asOf));
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe('packed aggregators', () => {
  for (const agg of AGGREGATES) {
    const a = aggregatorFor(agg, { n: 3, halfLifeMs: HALF_LIFE });
    if (!a.packed) continue;
    const packed = a.packed;
    it(`${agg}: adding in place equals adding to the plain state, and write/read round-trips`, () => {
      fc.assert(
        fc.property(rawEvents, (rows) => {
          const numbers = new Float64Array(2 + packed.width);
          packed.clear(numbers, 1);
          let plain = a.empty();
          for (const r of rows) {
            packed.add(numbers, 1, r.amount, r.ts);
            plain = a.add(plain, r.amount, r.ts);
          }
          const asOf = T0 + 7 * HOUR;
          expect(a.result(packed.read(numbers, 1), asOf)).toEqual(a.result(plain, asOf));
          const copy = new Float64Array(packed.width);
          packed.write(copy, 0, packed.read(numbers, 1));
          expect([...copy]).toEqual([...numbers.subarray(1, 1 + packed.width)]);
        }),
        { numRuns: 40 },
      );
    });
  }
});

describe('distinct', () => {
  it('is exact while small and within 2% once it switches to HyperLogLog', () => {
    const a = aggregatorFor('distinct');
    let s = a.empty();
    for (let i = 0; i < 100; i++) s = a.add(s, `v${i % 50}`, 0);
    expect(a.result(s, 0)).toBe(50);
    for (let i = 0; i < 100_000; i++) s = a.add(s, `card-${i}`, 0);
    const estimate = a.result(s, 0) as number;
    expect(Math.abs(estimate - 100_050) / 100_050).toBeLessThan(0.02);
  });
});

describe('distinct in packed tiles', () => {
  it("keeps up to 3 values in a tile's numbers, more beside them; checkpoints both and frees them with their tiles", () => {
    // Dense: about five events per 5-minute tile and user, so that many tiles outgrow their numbers.
    const dense = fc.array(
      fc.record({
        ts: fc.integer({ min: T0, max: T0 + HOUR }),
        user: fc.constantFrom('u1', 'u2'),
        amount: fc.integer({ min: 0, max: 40 }),
      }),
      { maxLength: 120 },
    );
    fc.assert(
      fc.property(dense, (rows) => {
        const f = feature('distinct', '1h');
        const table = new FeatureTable(f);
        rows.forEach((r, i) => table.apply(payment(r, i)));
        const perTile = new Map<string, Set<number>>();
        for (const r of rows) {
          const tile = `${r.user}/${Math.floor(r.ts / table.tileMs)}`;
          perTile.set(tile, (perTile.get(tile) ?? new Set()).add(r.amount));
        }
        expect(table.spilled).toBe([...perTile.values()].filter((s) => s.size > 3).length);
        const copy = new FeatureTable(f);
        const { slots, keys } = table.keys.entries();
        copy.keys.load(keys);
        copy.importColumn(table.exportColumn(slots));
        expect(copy.spilled).toBe(table.spilled);
        for (let asOf = T0; asOf <= T0 + 2 * HOUR; asOf += 5 * MINUTE) {
          for (const user of ['u1', 'u2']) expect(copy.valueAt(user, asOf)).toBe(table.valueAt(user, asOf));
        }
        table.evictBefore(T0 + 3 * HOUR);
        expect(table.spilled).toBe(0);
      }),
      { numRuns: 60 },
    );
  });
});

describe('distinct spills', () => {
  const at = (ts: number, amount: number, i: number) => payment({ ts, user: 'u1', amount }, i);

  it('are freed with the newest tile, when eviction drops it or a tile past reach replaces it', () => {
    // A key space of its own, as the engine's are shared by an entity's features: eviction keeps the slot.
    const evicted = new FeatureTable(feature('distinct', '1h'), new KeySpace());
    for (let i = 0; i < 5; i++) evicted.apply(at(T0 + i, i, i));
    expect(evicted.spilled).toBe(1);
    evicted.evictBefore(T0 + 3 * HOUR);
    expect(evicted.spilled).toBe(0);
    // The key's next tile takes over the record that held the freed state: the spill is not freed twice.
    for (let i = 0; i < 4; i++) evicted.apply(at(T0 + 5 * HOUR + i, i, 10 + i));
    expect([evicted.spilled, evicted.valueAt('u1', T0 + 6 * HOUR)]).toEqual([1, 4]);

    const replaced = new FeatureTable(feature('distinct', '1h'), undefined, { retainMs: 10 * MINUTE });
    for (let i = 0; i < 5; i++) replaced.apply(at(T0 + i, i, i));
    replaced.apply(at(T0 + 10 * HOUR, 1, 5));
    expect([replaced.spilled, replaced.valueAt('u1', T0 + 11 * HOUR)]).toEqual([0, 1]);
  });
});

describe('FeatureTable', () => {
  it('keys composite entities, applies where, and skips events without the entity or value', () => {
    const [f] = compileFeatures({
      features: [
        {
          name: 'eur_by_user_card',
          on: ['payment'],
          by: 'user+card',
          agg: 'sum',
          value: 'amount',
          window: '24h',
          where: { field: 'currency', eq: 'EUR' },
        },
      ],
    });
    const table = new FeatureTable(f!);
    const base = { type: 'payment' as const, ts: T0, paymentId: 'p', cardId: 'c1', currency: 'EUR' };
    table.apply({ ...base, id: '1', userId: 'u1', amount: 10 });
    table.apply({ ...base, id: '2', userId: 'u1', amount: 5, currency: 'USD' });
    table.apply({ ...base, id: '3', amount: 7 });
    expect(table.valueAt('u1|c1', T0 + HOUR)).toBe(10);
    expect([...table.entityKeys()]).toEqual(['u1|c1']);
  });

  it('evicts tiles no window can reach', () => {
    const [f] = compileFeatures({
      features: [{ name: 'views_1h', on: ['view'], by: 'user', agg: 'count', window: '1h' }],
    });
    const table = new FeatureTable(f!);
    table.apply({ id: 'a', type: 'view', ts: T0, userId: 'u', productId: 'p' });
    table.evictBefore(T0 + 3 * HOUR);
    expect([...table.entityKeys()]).toEqual([]);
  });
});

describe('compileFeatures', () => {
  it('names the feature and field at fault', () => {
    const bad = (f: Record<string, unknown>) => () =>
      compileFeatures({
        features: [{ name: 'x', on: ['view'], by: 'user', agg: 'count', window: '1h', ...f }],
      });
    expect(bad({ window: '1 week' })).toThrow(/features\[0\]\.window: "1 week" is not a window/);
    expect(bad({ by: 'user+shop' })).toThrow(/features\[0\]\.by: "shop" is not an entity/);
    expect(bad({ agg: 'median' })).toThrow(/features\[0\]\.agg: "median" is not one of/);
    expect(bad({ agg: 'sum' })).toThrow(/features\[0\]\.value: sum needs the event field/);
    expect(bad({ on: ['purchase'], agg: 'decayed_sum', value: 'total' })).toThrow(/halfLife/);
    // A field none of its event types has: the feature would stay empty for ever.
    expect(bad({ agg: 'sum', value: 'amount' })).toThrow(
      /features\[0\]\.value: no view event has a field "amount" \(view: id, ts, userId, sessionId, type, productId\)/,
    );
    expect(bad({ on: ['pageview'] })).toThrow(/features\[0\]\.on: "pageview" is not an event type/);
    expect(bad({ colour: 'red' })).toThrow(/features\[0\]\.colour: is not a field/);
    expect(() =>
      compileFeatures({
        features: [
          { name: 'a', on: ['view'], by: 'user', agg: 'count', window: '1h' },
          { name: 'a', on: ['view'], by: 'user', agg: 'count', window: '1h' },
        ],
      }),
    ).toThrow(/defined twice/);
  });

  it('accepts the example shape of the design', () => {
    const features = compileFeatures({
      features: [
        { name: 'user_views_1h', on: ['view'], by: 'user', agg: 'count', window: '1h' },
        {
          name: 'user_items_24h',
          on: ['view'],
          by: 'user',
          agg: 'distinct',
          value: 'productId',
          window: '24h',
        },
        {
          name: 'card_amount_7d',
          on: ['payment'],
          by: 'card',
          agg: 'sum',
          value: 'amount',
          window: '7d',
          where: { field: 'currency', eq: 'EUR' },
        },
      ],
    });
    expect(features.map((f) => [f.name, f.windowMs])).toEqual([
      ['user_views_1h', HOUR],
      ['user_items_24h', 24 * HOUR],
      ['card_amount_7d', 7 * 24 * HOUR],
    ]);
  });
});
