// The DecisionStore and RuleStore contracts, run on every adapter (test/risk-store.test.ts).
import { describe, expect, it } from 'vitest';
import type { DecisionStore, RuleStore, StoredDecision } from '../../src/core/index.js';

export interface RiskStores {
  decisions: DecisionStore;
  rules: RuleStore;
  close(): Promise<void>;
}

export function decision(paymentId: string, over: Partial<StoredDecision> = {}): StoredDecision {
  return {
    paymentId,
    decision: 'approve',
    score: 12,
    reasons: [],
    ruleHits: [],
    modelVersion: 'risk@1',
    rulesVersion: 1,
    listsVersion: 0,
    featuresAsOf: 1_000,
    features: { amount: 10, card_payments_24h: null },
    payment: { cardId: 'c1', amount: 10, currency: 'EUR' },
    onlineScore: 0.1,
    via: 'api',
    decidedAt: 5,
    ...over,
  };
}

export function riskStoreConformance(name: string, open: () => Promise<RiskStores>): void {
  describe(`risk stores: ${name}`, () => {
    it('keeps the first decision of a payment, also when two are put at once', async () => {
      const s = await open();
      const [a, b] = await Promise.all([
        s.decisions.put(decision('p1', { score: 10 })),
        s.decisions.put(decision('p1', { score: 90, decision: 'block' })),
      ]);
      expect([a.created, b.created].sort()).toEqual([false, true]);
      expect(a.stored).toEqual(b.stored);
      expect(await s.decisions.count()).toBe(1);
      expect([await s.decisions.has('p1'), await s.decisions.has('p9')]).toEqual([true, false]);
      const got = await s.decisions.get('p1');
      expect(got?.score).toBe(a.stored.score);
      expect(got?.features).toEqual({ amount: 10, card_payments_24h: null });
      expect(got?.label).toBeNull();
      expect(await s.decisions.putMany([decision('p1'), decision('p2'), decision('p2')])).toBe(1);
      expect(await s.decisions.get('nope')).toBeUndefined();
      await s.close();
    });

    it('filters by time, decision and card, in time order', async () => {
      const s = await open();
      await s.decisions.putMany([
        decision('a', { featuresAsOf: 30, decision: 'block', payment: { cardId: 'x' } }),
        decision('b', { featuresAsOf: 10, payment: { cardId: 'y' } }),
        decision('c', { featuresAsOf: 20, decision: 'block', payment: { cardId: 'y' } }),
      ]);
      const ids = async (f: Parameters<DecisionStore['list']>[0]) =>
        (await s.decisions.list(f)).map((d) => d.paymentId);
      expect(await ids({})).toEqual(['b', 'c', 'a']);
      expect(await ids({ from: 10, to: 30 })).toEqual(['b', 'c']);
      expect(await ids({ decision: 'block' })).toEqual(['c', 'a']);
      expect(await ids({ cardId: 'y', limit: 1 })).toEqual(['b']);
      await s.close();
    });

    it('labels once, opens a case for a review and closes it once', async () => {
      const s = await open();
      await s.decisions.put(decision('r', { decision: 'review', decidedAt: 7 }));
      await s.decisions.put(decision('ok'));
      expect(await s.decisions.case('ok')).toBeUndefined();
      expect((await s.decisions.cases('open', 10)).map((c) => c.paymentId)).toEqual(['r']);
      const verdict = { verdict: 'fraud' as const, analyst: 'ann', note: 'stolen card' };
      expect(await s.decisions.closeCase('r', verdict, 9)).toBe(true);
      expect(await s.decisions.closeCase('r', verdict, 10)).toBe(false);
      expect(await s.decisions.case('r')).toMatchObject({ status: 'closed', closedAt: 9, ...verdict });
      expect(await s.decisions.cases('open', 10)).toEqual([]);
      expect(await s.decisions.label('r', { isFraud: true, source: 'analyst', ts: 8 })).toBe(true);
      expect(await s.decisions.label('r', { isFraud: false, source: 'chargeback', ts: 9 })).toBe(false);
      expect(await s.decisions.label('missing', { isFraud: true, source: 'analyst', ts: 8 })).toBe(false);
      expect((await s.decisions.get('r'))?.label).toEqual({ isFraud: true, source: 'analyst', ts: 8 });
      await s.close();
    });

    it('numbers rule sets and list changes, keeps their history and moves the revision', async () => {
      const s = await open();
      expect(await s.rules.rules()).toBeUndefined();
      const r0 = await s.rules.revision();
      const v1 = await s.rules.deployRules({ rules: [{ name: 'a' }] }, 100);
      const v2 = await s.rules.deployRules({ rules: [{ name: 'b' }] }, 200);
      expect([v1.version, v2.version]).toEqual([1, 2]);
      expect((await s.rules.rules())?.document).toEqual({ rules: [{ name: 'b' }] });
      expect((await s.rules.rules(1))?.deployedAt).toBe(100);
      const r1 = await s.rules.revision();
      expect(r1).not.toBe(r0);
      const l1 = await s.rules.changeLists(
        [
          { list: 'block', kind: 'card', value: 'c1', op: 'add', note: 'stolen' },
          { list: 'allow', kind: 'email', value: 'a@b.c', op: 'add' },
        ],
        300,
      );
      const l2 = await s.rules.changeLists([{ list: 'block', kind: 'card', value: 'c1', op: 'remove' }], 400);
      expect([l1, l2]).toEqual([1, 2]);
      const history = await s.rules.listHistory();
      expect(history.map((c) => [c.version, c.op, c.value])).toEqual([
        [1, 'add', 'c1'],
        [1, 'add', 'a@b.c'],
        [2, 'remove', 'c1'],
      ]);
      expect(history[0]?.note).toBe('stolen');
      expect(await s.rules.revision()).not.toBe(r1);
      await s.close();
    });
  });
}
