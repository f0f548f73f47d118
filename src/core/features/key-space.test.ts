import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KeySpace } from './feature-table.js';

describe('KeySpace', () => {
  it('agrees with a Map through any sequence of adds, lookups and releases, and after a reload', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('slot', 'find', 'release'), fc.integer({ min: 0, max: 300 })), {
          maxLength: 2000,
        }),
        (ops) => {
          const keys = new KeySpace();
          const model = new Map<string, number>();
          for (const [op, n] of ops) {
            const key = `k${n}`;
            if (op === 'slot') {
              const slot = keys.slot(key);
              if (model.has(key)) expect(slot).toBe(model.get(key));
              else {
                expect([...model.values()]).not.toContain(slot);
                model.set(key, slot);
              }
            } else if (op === 'find') expect(keys.find(key)).toBe(model.get(key));
            else if (model.has(key)) {
              keys.release(model.get(key)!);
              model.delete(key);
            }
            expect(keys.size).toBe(model.size);
          }
          for (const [key, slot] of model) expect(keys.keyAt(slot)).toBe(key);
          const { keys: live } = keys.entries();
          const reloaded = new KeySpace();
          reloaded.load([...live]);
          live.forEach((key, i) => expect(reloaded.find(key)).toBe(i));
          expect(reloaded.find('absent')).toBeUndefined();
        },
      ),
      { numRuns: 100 },
    );
  });

  it('keeps a record per slot for the features that reserved room in it, cleared when the slot is freed', () => {
    const keys = new KeySpace();
    const a = keys.reserve(2);
    const b = keys.reserve(3);
    expect([a, b, keys.recordWidth]).toEqual([0, 2, 5]);
    const slot = keys.slot('u1');
    keys.records[slot * keys.recordWidth + b] = 7;
    keys.release(slot);
    expect(keys.slot('u2')).toBe(slot);
    expect(keys.records[slot * keys.recordWidth + b]).toBe(0);
    expect(() => keys.reserve(1)).toThrow(/before the first key/);
  });
});
