import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ShopEvent } from '../events/schemas.js';
import { compileFeatures } from '../features/definition.js';
import { DAY, HOUR } from '../features/duration.js';
import { buildTrainingSet, parseLabelSpec } from './training-set.js';

const T0 = Date.UTC(2026, 0, 5);
const features = compileFeatures({
  features: [
    { name: 'card_payments_1h', on: ['payment'], by: 'card', agg: 'count', window: '1h' },
    { name: 'card_amount_24h', on: ['payment'], by: 'card', agg: 'sum', value: 'amount', window: '24h' },
    { name: 'card_last_seen', on: ['payment'], by: 'card', agg: 'last_seen', window: 'lifetime' },
    { name: 'user_views_1h', on: ['view'], by: 'user', agg: 'count', window: '1h' },
  ],
});

const arbitraryHistory = fc
  .array(
    fc.record({
      kind: fc.constantFrom('payment', 'view'),
      ts: fc.integer({ min: T0, max: T0 + 3 * DAY }),
      card: fc.constantFrom('c1', 'c2', 'c3'),
      user: fc.constantFrom('u1', 'u2'),
      amount: fc.integer({ min: 1, max: 500 }),
      label: fc.option(fc.record({ fraud: fc.boolean(), delayHours: fc.integer({ min: 0, max: 24 * 40 }) }), {
        nil: undefined,
      }),
    }),
    { maxLength: 80 },
  )
  .map((rows) => {
    const events: ShopEvent[] = [];
    rows.forEach((r, i) => {
      if (r.kind === 'view') {
        events.push({ id: `v${i}`, type: 'view', ts: r.ts, userId: r.user, productId: 'p' });
        return;
      }
      events.push({
        id: `p${i}`,
        type: 'payment',
        ts: r.ts,
        userId: r.user,
        paymentId: `p${i}`,
        amount: r.amount,
        currency: 'EUR',
        cardId: r.card,
      });
      if (r.label)
        events.push({
          id: `l${i}`,
          type: 'label',
          ts: r.ts + r.label.delayHours * HOUR,
          paymentId: `p${i}`,
          isFraud: r.label.fraud,
          source: 'chargeback',
        });
    });
    return events;
  });

describe('buildTrainingSet', () => {
  it('never lets a row see an event at or after its own timestamp', () => {
    fc.assert(
      fc.property(arbitraryHistory, (events) => {
        const { rows } = buildTrainingSet(events, features, parseLabelSpec('fraud:30d'));
        const payments = events.filter((e) => e.type === 'payment');
        for (const row of rows) {
          const self = payments.find((p) => p.paymentId === row.id)!;
          const before = (windowMs: number, tileMs: number) =>
            payments.filter(
              (p) =>
                p.cardId === self.cardId &&
                p.ts < row.ts &&
                p.ts >= Math.floor((row.ts - windowMs) / tileMs) * tileMs,
            );
          expect(row.values.card_payments_1h).toBe(before(HOUR, 5 * 60_000).length);
          expect(row.values.card_amount_24h).toBe(before(DAY, 2 * HOUR).reduce((a, p) => a + p.amount, 0));
          const earlier = payments.filter((p) => p.cardId === self.cardId && p.ts < row.ts).map((p) => p.ts);
          expect(row.values.card_last_seen).toBe(earlier.length ? Math.max(...earlier) : null);
          const views = events.filter(
            (e) =>
              e.type === 'view' &&
              e.userId === self.userId &&
              e.ts < row.ts &&
              e.ts >= Math.floor((row.ts - HOUR) / 300_000) * 300_000,
          );
          expect(row.values.user_views_1h).toBe(views.length);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('lands delayed labels on the payments they name, within the maturity window', () => {
    fc.assert(
      fc.property(arbitraryHistory, (events) => {
        const maturity = 30 * DAY;
        const { rows, summary } = buildTrainingSet(events, features, parseLabelSpec('fraud:30d'));
        const end = Math.max(...events.map((e) => e.ts));
        const labels = new Map<string, { ts: number; isFraud: boolean }>();
        for (const e of [...events].sort((a, b) => a.ts - b.ts))
          if (e.type === 'label' && !labels.has(e.paymentId)) labels.set(e.paymentId, e);
        const expected = events
          .filter((e) => e.type === 'payment')
          .flatMap((p) => {
            const label = labels.get(p.paymentId);
            const inTime = label !== undefined && label.ts - p.ts <= maturity;
            if (!inTime && p.ts + maturity > end) return [];
            return [[p.paymentId, inTime && label.isFraud ? 1 : 0]];
          });
        expect(new Map(rows.map((r) => [r.id, r.label]))).toEqual(new Map(expected as [string, number][]));
        expect(summary.positives).toBe(expected.filter(([, l]) => l === 1).length);
      }),
      { numRuns: 150 },
    );
  });

  it('explains a bad label spec', () => {
    expect(() => parseLabelSpec('churn')).toThrow(/--label: "churn" is not a label spec/);
    expect(() => parseLabelSpec('fraud:soon')).toThrow(/maturity "soon"/);
  });
});
