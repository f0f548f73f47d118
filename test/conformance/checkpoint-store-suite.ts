// The CheckpointStore conformance suite: every adapter runs exactly these cases.
import { describe, expect, it } from 'vitest';
import type { CheckpointStore } from '../../src/core/index.js';

export function checkpointStoreConformance(
  name: string,
  open: () => Promise<{ store: CheckpointStore; close(): Promise<void> }>,
): void {
  describe(`CheckpointStore conformance: ${name}`, () => {
    it('has nothing for a consumer that never checkpointed', async () => {
      const { store, close } = await open();
      expect(await store.load('engine')).toBeUndefined();
      await close();
    });

    it('returns the latest (state, offset) pair, with Maps and typed arrays intact', async () => {
      const { store, close } = await open();
      const state = {
        groups: {
          card: { keys: new Map([['c1', [[1, 3, 2, { n: 2, mean: 1.5, m2: 0.5 }]]]]) },
        },
        hll: new Uint8Array([1, 2, 3]),
      };
      await store.save('engine', { nextOffset: 10, state: { old: true }, savedAt: 1 });
      await store.save('engine', { nextOffset: 42, state, savedAt: 2 });
      await store.save('other', { nextOffset: 7, state: null, savedAt: 3 });
      const loaded = await store.load<typeof state>('engine');
      expect(loaded).toEqual({ nextOffset: 42, state, savedAt: 2 });
      expect(loaded?.state.hll).toBeInstanceOf(Uint8Array);
      expect((await store.load('other'))?.nextOffset).toBe(7);
      await close();
    });

    it('keeps no reference to the saved state: later changes do not reach the checkpoint', async () => {
      const { store, close } = await open();
      const state = { counts: new Map([['a', 1]]) };
      await store.save('engine', { nextOffset: 1, state, savedAt: 0 });
      state.counts.set('a', 99);
      expect((await store.load<typeof state>('engine'))?.state.counts.get('a')).toBe(1);
      await close();
    });
  });
}
