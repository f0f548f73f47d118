// The ModelStore conformance suite: every adapter runs exactly these cases.
import { describe, expect, it } from 'vitest';
import type { ModelStore, NewModelVersion } from '../../src/core/index.js';

const entry = (auc: number): NewModelVersion => ({
  kind: 'logistic',
  metrics: { auc, prAuc: auc / 2 },
  features: ['price', 'country'],
  fingerprint: 'abc123',
  params: { seed: 42, nested: { c: 1 } },
  artifact: { weights: [0.1, -0.2], big: 'x'.repeat(100_000) },
  validation: { rows: [{ price: 1, country: 'DE' }], labels: [1] },
});

export function modelStoreConformance(
  name: string,
  open: () => Promise<{ store: ModelStore; close(): Promise<void> }>,
): void {
  describe(`ModelStore conformance: ${name}`, () => {
    it('numbers versions per name from 1, as candidates, with their metadata', async () => {
      const { store, close } = await open();
      expect(await store.list()).toEqual([]);
      const v1 = await store.add('churn', entry(0.8), 1000);
      const v2 = await store.add('churn', entry(0.85), 2000);
      const other = await store.add('fraud', entry(0.9), 3000);
      expect([v1.version, v2.version, other.version]).toEqual([1, 2, 1]);
      expect(v1).toMatchObject({
        name: 'churn',
        stage: 'candidate',
        createdAt: 1000,
        promotedAt: null,
        kind: 'logistic',
        metrics: { auc: 0.8, prAuc: 0.4 },
        features: ['price', 'country'],
        fingerprint: 'abc123',
        params: { seed: 42, nested: { c: 1 } },
      });
      expect((await store.list('churn')).map((v) => v.version)).toEqual([1, 2]);
      expect((await store.list()).map((v) => `${v.name}@${v.version}`)).toEqual([
        'churn@1',
        'churn@2',
        'fraud@1',
      ]);
      expect(await store.get('churn', 2)).toEqual(v2);
      expect(await store.get('churn', 3)).toBeUndefined();
      await close();
    });

    it('keeps the artifact and validation data exactly, and never shares objects with the caller', async () => {
      const { store, close } = await open();
      const e = entry(0.8);
      await store.add('churn', e, 1);
      const stored = await store.artifact('churn', 1);
      expect(stored).toEqual({ artifact: e.artifact, validation: e.validation });
      (stored!.artifact as { weights: number[] }).weights[0] = 99;
      expect(((await store.artifact('churn', 1))!.artifact as { weights: number[] }).weights[0]).toBe(0.1);
      expect(await store.artifact('nope', 1)).toBeUndefined();
      await close();
    });

    it('has one production version per name: promoting another archives the old one', async () => {
      const { store, close } = await open();
      for (let i = 0; i < 3; i++) await store.add('churn', entry(0.8), i);
      await store.add('fraud', entry(0.8), 9);
      await store.setStage('fraud', 1, 'production', 10);
      await store.setStage('churn', 1, 'production', 11);
      await store.setStage('churn', 2, 'production', 12);
      const churn = await store.list('churn');
      expect(churn.map((v) => v.stage)).toEqual(['archived', 'production', 'candidate']);
      expect(churn.map((v) => v.promotedAt)).toEqual([11, 12, null]);
      expect((await store.get('fraud', 1))?.stage).toBe('production');
      await store.setStage('churn', 3, 'archived', 13);
      expect((await store.get('churn', 3))?.stage).toBe('archived');
      await close();
    });

    it('changes its revision on every add and stage change, and only then', async () => {
      const { store, close } = await open();
      const r0 = await store.revision();
      expect(await store.revision()).toBe(r0);
      await store.add('churn', entry(0.8), 1);
      const r1 = await store.revision();
      expect(r1).not.toBe(r0);
      await store.list();
      await store.artifact('churn', 1);
      expect(await store.revision()).toBe(r1);
      await store.setStage('churn', 1, 'production', 2);
      expect(await store.revision()).not.toBe(r1);
      await close();
    });
  });
}
