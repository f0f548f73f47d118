import { describe, expect, it } from 'vitest';
import type { ShopEvent } from '../events/schemas.js';
import { compileFeatures } from '../features/definition.js';
import { HOUR, MINUTE } from '../features/duration.js';
import { FeatureTable } from '../features/feature-table.js';
import { FeatureEngine } from './feature-engine.js';

const T0 = Date.UTC(2026, 0, 5);
const pay = (i: number, ts: number, amount: number): ShopEvent => ({
  id: `p${i}`,
  type: 'payment',
  ts,
  paymentId: `p${i}`,
  amount,
  currency: 'EUR',
  cardId: 'c1',
});

const set = compileFeatures({
  features: [
    { name: 'card_payments_1h', on: ['payment'], by: 'card', agg: 'count', window: '1h' },
    { name: 'card_payments_24h', on: ['payment'], by: 'card', agg: 'count', window: '24h' },
    { name: 'card_mean_24h', on: ['payment'], by: 'card', agg: 'mean', value: 'amount', window: '24h' },
    { name: 'card_std_24h', on: ['payment'], by: 'card', agg: 'stddev', value: 'amount', window: '24h' },
    { name: 'card_last_seen', on: ['payment'], by: 'card', agg: 'last_seen', window: 'lifetime' },
    { name: 'card_velocity', derive: 'ratio', of: ['card_payments_1h', 'card_payments_24h'] },
    { name: 'card_idle', derive: 'time_since', of: 'card_last_seen' },
    { name: 'amount_z', derive: 'zscore', of: ['card_mean_24h', 'card_std_24h'], value: 'amount' },
  ],
});

describe('FeatureEngine', () => {
  it('computes derived features from their bases at read time', () => {
    const engine = new FeatureEngine(set);
    engine.process([pay(1, T0, 10), pay(2, T0 + 2 * HOUR, 20), pay(3, T0 + 3 * HOUR, 30)]);
    const asOf = T0 + 4 * HOUR;
    expect(engine.value('card_velocity', 'c1', asOf)).toBeCloseTo(1 / 3, 12);
    expect(engine.value('card_idle', 'c1', asOf)).toBe(HOUR);
    expect(engine.value('amount_z', 'c1', asOf, pay(4, asOf, 40))).toBeCloseTo((40 - 20) / 10, 12);
    expect(engine.value('amount_z', 'c1', asOf)).toBeNull();
    expect(engine.value('card_velocity', 'nobody', asOf)).toBeNull();
    expect(engine.keyOf('amount_z', pay(5, asOf, 1))).toBe('c1');
  });

  it('applies late events too, into their tiles, and counts them as late', () => {
    const engine = new FeatureEngine(set, { outOfOrdernessMs: 60_000, allowedLatenessMs: 60_000 });
    const late = engine.process([
      pay(1, T0 + HOUR, 10),
      pay(2, T0 + HOUR - 90_000, 10),
      pay(3, T0 + HOUR - 150_000, 10),
    ]);
    expect(late).toBe(1);
    expect(engine.stats).toEqual({ processed: 3, late: 1 });
    expect(engine.value('card_payments_1h', 'c1')).toBe(3);
  });

  it('bounds its clock by the wall clock: an event from the future cannot hold the clock ahead', () => {
    let now = T0 + HOUR;
    const engine = new FeatureEngine(set, {
      outOfOrdernessMs: 60_000,
      allowedLatenessMs: 60_000,
      wallClock: { now: () => now },
      maxFutureMs: 5 * 60_000,
    });
    engine.process([pay(1, Date.UTC(2099, 0, 1), 10)]);
    expect(engine.clock).toBe(now + 5 * 60_000);
    // Real events after it apply, and count as of the clock.
    engine.process([pay(2, now, 10), pay(3, now + 1000, 10)]);
    expect(engine.value('card_payments_1h', 'c1')).toBe(2);
    now += HOUR;
    engine.process([pay(4, now, 10)]);
    expect(engine.clock).toBe(now);
    // A checkpoint that kept a clock from the future is brought back to the wall clock's bound.
    const restored = new FeatureEngine(set, { ...engine.options });
    restored.restore({ ...structuredClone(engine.snapshot()), maxEventTs: Date.UTC(2099, 0, 1) });
    expect(restored.clock).toBe(now + 5 * 60_000);
  });

  it('restores a snapshot into an engine whose features were reordered or extended', () => {
    const engine = new FeatureEngine(set);
    engine.process([pay(1, T0, 10), pay(2, T0 + 1000, 20)]);
    const snapshot = structuredClone(engine.snapshot());
    const reordered = compileFeatures({
      features: [
        { name: 'card_sum_24h', on: ['payment'], by: 'card', agg: 'sum', value: 'amount', window: '24h' },
        { name: 'card_mean_24h', on: ['payment'], by: 'card', agg: 'mean', value: 'amount', window: '24h' },
      ],
    });
    const other = new FeatureEngine(reordered);
    other.restore(snapshot);
    expect(other.value('card_mean_24h', 'c1')).toBe(15);
    expect(other.value('card_sum_24h', 'c1')).toBe(0);
    expect(other.clock).toBe(T0 + 1000);
  });
});

describe('derived definitions', () => {
  const base = { name: 'n', on: ['payment'], by: 'card', agg: 'count', window: '1h' };
  const bad = (derived: Record<string, unknown>) => () =>
    compileFeatures({ features: [base, { name: 'd', ...derived }] });
  it('name what is wrong', () => {
    expect(bad({ derive: 'product', of: ['n', 'n'] })).toThrow(
      /features\[1\]\.derive: "product" is not one of ratio/,
    );
    expect(bad({ derive: 'ratio', of: ['n'] })).toThrow(/ratio takes 2 feature names/);
    expect(bad({ derive: 'ratio', of: ['n', 'missing'] })).toThrow(/"missing" is not an aggregate feature/);
    expect(bad({ derive: 'time_since', of: ['n'] })).toThrow(
      /time_since needs a first_seen or last_seen feature, not count/,
    );
    expect(bad({ derive: 'zscore', of: ['n', 'n'] })).toThrow(/zscore needs the event field/);
  });
});

describe('FeatureEngine snapshots', () => {
  // Features of one entity where many keys hold tiles of some features only (where, value missing), with
  // several tiles per key: restore must rebuild every list and leave a pool that later events can grow.
  const mixed = compileFeatures({
    features: [
      { name: 'u_views_1h', on: ['view'], by: 'user', agg: 'count', window: '1h' },
      { name: 'u_items_24h', on: ['view'], by: 'user', agg: 'distinct', value: 'productId', window: '24h' },
      { name: 'u_spend_7d', on: ['purchase'], by: 'user', agg: 'sum', value: 'total', window: '7d' },
      { name: 'u_mean_7d', on: ['purchase'], by: 'user', agg: 'mean', value: 'total', window: '7d' },
      { name: 'u_last_seen', on: ['view', 'purchase'], by: 'user', agg: 'last_seen', window: 'lifetime' },
      { name: 'u_recent', on: ['view'], by: 'user', agg: 'last_n', value: 'productId', window: '24h', n: 3 },
    ],
  });
  const options = { outOfOrdernessMs: 60_000, allowedLatenessMs: 30 * 60_000 };
  const events = (from: number, count: number, seed: number): ShopEvent[] => {
    const out: ShopEvent[] = [];
    let x = seed;
    const next = () => (x = (x * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    for (let i = 0; i < count; i++) {
      const ts = T0 + from + Math.floor((i / count) * 3 * 24 * HOUR) - Math.floor(next() * 60_000);
      const userId = `u${Math.floor(next() * 300)}`;
      out.push(
        next() < 0.9
          ? { id: `v${seed}-${i}`, type: 'view', ts, userId, productId: `p${Math.floor(next() * 30)}` }
          : {
              id: `o${seed}-${i}`,
              type: 'purchase',
              ts,
              userId,
              orderId: `o${seed}-${i}`,
              total: Math.round(next() * 1000) / 10,
              currency: 'EUR',
              items: [{ productId: 'p1', quantity: 1, price: 1 }],
            },
      );
    }
    return out;
  };
  const values = (engine: FeatureEngine, asOf: number) =>
    mixed.map((f) => Array.from({ length: 300 }, (_, u) => engine.value(f.name, `u${u}`, asOf)));

  it('restores every value, and the restored engine goes on exactly like the original', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const original = new FeatureEngine(mixed, options);
      original.process(events(0, 3000, seed));
      original.evict();
      const restored = new FeatureEngine(mixed, options);
      restored.restore(structuredClone(original.snapshot()));
      expect(restored.snapshot()).toEqual(original.snapshot());
      const asOf = original.clock + 1;
      expect(values(restored, asOf)).toEqual(values(original, asOf));
      // Both go on over three more days, evicting and snapshotting on the way.
      const later = events(3 * 24 * HOUR, 3000, seed + 10);
      for (const engine of [original, restored]) {
        for (let i = 0; i < later.length; i += 250) {
          engine.process(later.slice(i, i + 250));
          engine.evict();
          engine.snapshot();
        }
      }
      expect(values(restored, original.clock + 1)).toEqual(values(original, original.clock + 1));
      expect(restored.snapshot()).toEqual(original.snapshot());
    }
  });
});

describe('evict', () => {
  const features = compileFeatures({
    features: [
      { name: 'user_items_2h', on: ['view'], by: 'user', agg: 'distinct', value: 'productId', window: '2h' },
      { name: 'user_views_1h', on: ['view'], by: 'user', agg: 'count', window: '1h' },
      { name: 'product_views_1h', on: ['view'], by: 'product', agg: 'count', window: '1h' },
      { name: 'product_first_seen', on: ['view'], by: 'product', agg: 'first_seen', window: 'lifetime' },
    ],
  });
  const view = (i: number, ts: number, user: string, product: string): ShopEvent => ({
    id: `v${i}`,
    type: 'view',
    ts,
    userId: user,
    productId: product,
  });

  it("drops every feature's tiles past reach and frees the keys no feature of their entity holds", () => {
    const options = { outOfOrdernessMs: 0, allowedLatenessMs: 0 };
    const early = Array.from({ length: 40 }, (_, i) => view(i, T0 + i * 60_000, `u${i % 8}`, `p${i % 5}`));
    const late = [
      view(100, T0 + 8.5 * HOUR, 'u5', 'p1'),
      view(101, T0 + 10 * HOUR, 'u0', 'p0'),
      view(102, T0 + 10 * HOUR + 1, 'u0', 'p9'),
    ];
    const evicted = new FeatureEngine(features, options);
    const kept = new FeatureEngine(features, options);
    for (const engine of [evicted, kept]) engine.process([...early, ...late]);
    evicted.evict();
    // Users: both features' windows have passed for u1…u4, u6, u7, whose keys are freed; u5's view 90 minutes
    // back is still in the 2 h window only, so its key stays and only its 1 h tiles go.
    expect(evicted.table('user_views_1h')!.keys.size).toBe(2);
    expect([...evicted.table('user_items_2h')!.entityKeys()].sort()).toEqual(['u0', 'u5']);
    expect([...evicted.table('user_views_1h')!.entityKeys()]).toEqual(['u0']);
    // Products: the lifetime feature holds all six keys; the 1 h count has state for p0 and p9 only.
    expect(evicted.table('product_views_1h')!.keys.size).toBe(6);
    expect([...evicted.table('product_views_1h')!.entityKeys()].sort()).toEqual(['p0', 'p9']);
    const asOf = evicted.clock + 1;
    for (const f of features) {
      for (const key of ['u0', 'u3', 'u5', 'p0', 'p2', 'p9']) {
        expect(evicted.value(f.name, key, asOf)).toEqual(kept.value(f.name, key, asOf));
      }
    }
  });
});

describe('features that share a tile list', () => {
  const shared = compileFeatures({
    features: [
      { name: 'card_payments_24h', on: ['payment'], by: 'card', agg: 'count', window: '24h' },
      { name: 'card_amount_24h', on: ['payment'], by: 'card', agg: 'sum', value: 'amount', window: '24h' },
      {
        name: 'card_countries_24h',
        on: ['payment'],
        by: 'card',
        agg: 'distinct',
        value: 'ipCountry',
        window: '24h',
      },
      {
        name: 'card_last_24h',
        on: ['payment'],
        by: 'card',
        agg: 'last_n',
        value: 'amount',
        window: '24h',
        n: 3,
      },
      { name: 'card_mean_7d', on: ['payment'], by: 'card', agg: 'mean', value: 'amount', window: '7d' },
      { name: 'card_max_7d', on: ['payment'], by: 'card', agg: 'max', value: 'amount', window: '7d' },
      {
        name: 'card_eur_7d',
        on: ['payment'],
        by: 'card',
        agg: 'sum',
        value: 'amount',
        window: '7d',
        where: { field: 'currency', eq: 'EUR' },
      },
      {
        name: 'card_eur_max_7d',
        on: ['payment'],
        by: 'card',
        agg: 'max',
        value: 'amount',
        window: '7d',
        where: { field: 'currency', eq: 'EUR' },
      },
    ],
  });
  const options = { outOfOrdernessMs: 2 * HOUR, allowedLatenessMs: HOUR };

  /** Payments of seven cards over ten days, up to an hour out of order, some without a country. */
  function payments(seed: number, count: number): ShopEvent[] {
    let s = seed;
    const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    return Array.from({ length: count }, (_, i) => {
      const country = next() < 0.1 ? undefined : ['DE', 'FR', 'NL', 'GB', 'BR', 'US'][Math.floor(next() * 6)];
      return {
        id: `p${seed}-${i}`,
        type: 'payment' as const,
        ts: T0 + Math.floor((i / count) * 240 * HOUR) - Math.floor(next() * HOUR),
        paymentId: `p${seed}-${i}`,
        amount: Math.round(next() * 50_000) / 100,
        currency: next() < 0.7 ? 'EUR' : 'USD',
        // c6 pays in bursts a day long, two days apart: its tiles are all past reach when it comes back.
        cardId:
          i % 2 === 0 && Math.floor((i / count) * 10) % 3 === 0 ? 'c6' : `c${Math.floor(next() ** 2 * 6)}`,
        ...(country ? { ipCountry: country } : {}),
      };
    });
  }

  it('share where window, event types and where agree, and give the values of tables of their own', () => {
    const names = (keeper: string) =>
      shared
        .filter((f) => new FeatureEngine(shared, options).table(f.name)!.tilesKeptBy === keeper)
        .map((f) => f.name);
    expect(names('card_payments_24h')).toEqual([
      'card_payments_24h',
      'card_amount_24h',
      'card_countries_24h',
    ]);
    expect(names('card_last_24h')).toEqual(['card_last_24h']); // last_n keeps objects: a list of its own
    expect(names('card_mean_7d')).toEqual(['card_mean_7d', 'card_max_7d']);
    expect(names('card_eur_7d')).toEqual(['card_eur_7d', 'card_eur_max_7d']);

    for (const seed of [1, 2, 3]) {
      const events = payments(seed, 1500);
      const alone = shared.map((f) => new FeatureTable(f, undefined, { retainMs: 3 * HOUR }));
      let engine = new FeatureEngine(shared, options);
      for (let i = 0; i < events.length; i += 100) {
        const batch = events.slice(i, i + 100);
        engine.process(batch);
        for (const e of batch) for (const t of alone) t.apply(e);
        engine.evict();
        if (i === 700) {
          // Restored halfway: the shared lists are rebuilt from the features' columns.
          const restored = new FeatureEngine(shared, options);
          restored.restore(structuredClone(engine.snapshot()));
          expect(restored.snapshot()).toEqual(engine.snapshot());
          engine = restored;
        }
        if (i % 300 === 0 || i + 100 >= events.length) {
          const horizon = engine.watermark - options.allowedLatenessMs;
          for (const asOf of [horizon, engine.clock + 1, horizon + 37 * MINUTE]) {
            for (const [k, f] of shared.entries()) {
              for (let c = 0; c < 7; c++) {
                expect(engine.value(f.name, `c${c}`, asOf), `${f.name} c${c} seed ${seed}`).toEqual(
                  alone[k]!.valueAt(`c${c}`, asOf),
                );
              }
            }
          }
        }
      }
      // Every spilled distinct state is one a tile still holds (none leaks as tiles are dropped and recycled).
      const countries = engine.table('card_countries_24h')!;
      const column = countries.exportColumn(Int32Array.from({ length: countries.keys.slots }, (_, i) => i));
      const held = (column.objects ?? []).filter(
        (o) => o instanceof Uint8Array || (o as number[]).length > 3,
      );
      expect(countries.spilled).toBeGreaterThan(0);
      expect(countries.spilled).toBe(held.length);
    }
  });
});
