import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hashOf, INLINE_KEY_CHARS, KeySpace } from './key-space.js';

/** Two pairs of keys with equal hashes (found by search), short enough to sit in a record and too long to. */
const SAME_HASH = ['card479599', 'card662382'];
const LONG = '-0123456789-0123456789-0123456789';

/** Keys of every form the index handles: short, at and past the inline limit, wide characters, equal hashes. */
const KEY_FORMS = [
  (n: number) => `k${n}`,
  (n: number) => `${n}`.padEnd(INLINE_KEY_CHARS, 'x'),
  (n: number) => `${n}`.padEnd(INLINE_KEY_CHARS + 1, 'x'),
  (n: number) => `user-ü-${n}`,
  (n: number) => `użytkownik-${n}`,
  (n: number) => `k${n}\u0000`,
  (n: number) => SAME_HASH[n % 2] as string,
  (n: number) => `${SAME_HASH[n % 2] as string}${LONG}`,
];

describe('KeySpace', () => {
  it('agrees with a Map through any sequence of adds, lookups and releases, and after a reload', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom('slot', 'find', 'release'),
            fc.integer({ min: 0, max: 300 }),
            fc.integer({ min: 0, max: KEY_FORMS.length - 1 }),
          ),
          { maxLength: 2000 },
        ),
        (ops) => {
          const keys = new KeySpace();
          keys.reserve(3);
          const model = new Map<string, number>();
          for (const [op, n, form] of ops) {
            const key = (KEY_FORMS[form] as (n: number) => string)(n);
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

  it('tells apart keys with the same hash, in the record and as strings', () => {
    for (const suffix of ['', LONG]) {
      const [a, b] = SAME_HASH.map((k) => `${k}${suffix}`) as [string, string];
      expect(hashOf(a)).toBe(hashOf(b));
      const keys = new KeySpace();
      const slots = [keys.slot(a), keys.slot(b)];
      expect(slots[0]).not.toBe(slots[1]);
      expect([keys.find(a), keys.find(b), keys.slot(a), keys.size]).toEqual([...slots, slots[0], 2]);
      keys.release(slots[0] as number);
      expect([keys.find(a), keys.find(b)]).toEqual([undefined, slots[1]]);
    }
  });

  it('keeps a record per slot for the features that reserved room in it, cleared when the slot is freed', () => {
    const keys = new KeySpace();
    const a = keys.reserve(2);
    const b = keys.reserve(3);
    expect([b - a, keys.recordWidth - a]).toEqual([2, 5]);
    const slot = keys.slot('u1');
    keys.records[slot * keys.recordWidth + b] = 7;
    keys.release(slot);
    expect(keys.slot('u2')).toBe(slot);
    expect(keys.records[slot * keys.recordWidth + b]).toBe(0);
    expect(() => keys.reserve(1)).toThrow(/before the first key/);
  });
});
