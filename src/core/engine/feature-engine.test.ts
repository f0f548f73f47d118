import { describe, expect, it } from 'vitest';
import type { ShopEvent } from '../events/schemas.js';
import { compileFeatures } from '../features/definition.js';
import { HOUR } from '../features/duration.js';
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

  it('keeps late events out and counts them', () => {
    const engine = new FeatureEngine(set, { outOfOrdernessMs: 60_000, allowedLatenessMs: 60_000 });
    const late = engine.process([
      pay(1, T0 + HOUR, 10),
      pay(2, T0 + HOUR - 90_000, 10),
      pay(3, T0 + HOUR - 150_000, 10),
    ]);
    expect(late.map((e) => e.id)).toEqual(['p3']);
    expect(engine.stats).toEqual({ processed: 2, late: 1 });
    expect(engine.value('card_payments_1h', 'c1')).toBe(2);
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
