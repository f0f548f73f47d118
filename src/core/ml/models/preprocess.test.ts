import { describe, expect, it } from 'vitest';
import { ShopstreamError } from '../../errors.js';
import { rowOf } from '../numerics/matrix.js';
import { Pipeline } from './preprocess.js';

const rows = [
  { price: 10, country: 'DE', clicks: 1, member: true },
  { price: 20, country: 'FR', clicks: 2, member: false },
  { price: 30, country: 'DE', clicks: 3, member: true },
  { price: 1000, country: 'NL', clicks: null, member: false },
];

describe('Pipeline', () => {
  it('z-scores numbers with training statistics (population std, as StandardScaler) and one-hots categories with an unknown column', () => {
    const p = new Pipeline();
    const kept = p.fit(rows, ['price', 'country', 'member']);
    expect(Array.from(kept)).toEqual([0, 1, 2, 3]);
    expect(p.outputNames).toEqual([
      'price',
      'country=DE',
      'country=FR',
      'country=NL',
      'country=(other)',
      'member',
    ]);
    const prices = [10, 20, 30, 1000];
    const mean = prices.reduce((a, b) => a + b) / 4;
    const std = Math.sqrt(prices.reduce((a, b) => a + (b - mean) ** 2, 0) / 4);
    const x = p.transformRow({ price: 20, country: 'FR', member: true });
    expect(x[0]).toBeCloseTo((20 - mean) / std, 12);
    expect(Array.from(x.subarray(1, 5))).toEqual([0, 1, 0, 0]);
    // An unseen category lands in the unknown column; a booleans column counts 1/0, z-scored.
    expect(Array.from(p.transformRow({ price: 20, country: 'BR', member: false }).subarray(1, 5))).toEqual([
      0, 0, 0, 1,
    ]);
    expect(x[5]).toBeCloseTo((1 - 0.5) / 0.5, 12);
  });

  it('learns only from the rows it is fitted on (the test rows never move the statistics)', () => {
    const train = new Pipeline();
    train.fit(rows.slice(0, 3), ['price']);
    expect(train.transformRow({ price: 20 })[0]).toBe(0); // mean of 10, 20, 30
    expect(train.transformRow({ price: 1000 })[0]).toBeGreaterThan(100);
  });

  it('drops rows with a missing value when fitting by default, and fills them at prediction time with the mean', () => {
    const p = new Pipeline();
    const kept = p.fit(rows, ['price', 'clicks']);
    expect(Array.from(kept)).toEqual([0, 1, 2]);
    expect(p.transformRow({ price: 20 })[1]).toBe(0); // clicks missing → the training mean → 0 after z-scoring
  });

  it('imputes with mean, median, most frequent or a constant', () => {
    const data = [{ v: 1 }, { v: 2 }, { v: 2 }, { v: 10 }, { v: null }];
    const filled = (missing: 'mean' | 'median' | 'most_frequent' | 'constant') => {
      const p = new Pipeline({ missing, scale: 'none', fillValue: -1 });
      expect(p.fit(data, ['v'])).toHaveLength(5);
      return p.transformRow({ v: undefined })[0];
    };
    expect(filled('mean')).toBe(15 / 4);
    expect(filled('median')).toBe(2);
    expect(filled('most_frequent')).toBe(2);
    expect(filled('constant')).toBe(-1);
  });

  it('clips to training quantiles before scaling, and min-max scales', () => {
    const data = Array.from({ length: 101 }, (_, i) => ({ v: i === 100 ? 1e6 : i }));
    const p = new Pipeline({ clip: [0, 0.99], scale: 'minmax' });
    p.fit(data, ['v']);
    // The 0.99 quantile of 0…99, 1e6 is 99.01: the outlier is clipped to it and scales to 1.
    expect(p.transformRow({ v: 1e6 })[0]).toBe(1);
    expect(p.transformRow({ v: 0 })[0]).toBe(0);
    expect(p.transformRow({ v: -50 })[0]).toBe(0);
  });

  it('hashes categories into buckets and cuts numbers into quantile buckets', () => {
    const data = Array.from({ length: 100 }, (_, i) => ({ city: `c${i % 37}`, age: i }));
    const p = new Pipeline({ encoding: 'hash', hashBuckets: 8, buckets: { age: 4 } });
    p.fit(data, ['city', 'age']);
    expect(p.width).toBe(8 + 4);
    const x = p.transformRow({ city: 'never-seen', age: 99 });
    expect(x.subarray(0, 8).reduce((a, b) => a + b)).toBe(1);
    expect(Array.from(x.subarray(8))).toEqual([0, 0, 0, 1]);
    expect(Array.from(p.transformRow({ city: 'c1', age: 0 }).subarray(8))).toEqual([1, 0, 0, 0]);
  });

  it('round-trips through JSON to identical outputs, and clone() is unfitted with the same settings', () => {
    const p = new Pipeline({ clip: [0.05, 0.95], missing: 'median' });
    p.fit(rows, ['price', 'country', 'clicks', 'member']);
    const back = Pipeline.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
    const m1 = p.transform(rows);
    const m2 = back.transform(rows);
    expect(Array.from(m2.data)).toEqual(Array.from(m1.data));
    expect(rowOf(m2, 3)).toEqual(rowOf(m1, 3));
    const clone = p.clone();
    expect(clone.fitted).toBe(false);
    expect(clone.options).toEqual(p.options);
  });

  it('warns when a few text cells make a column of numbers categorical', () => {
    const data = Array.from({ length: 50 }, (_, i) => ({ amount: i === 7 ? 'n/a' : i, city: `c${i % 3}` }));
    const p = new Pipeline();
    p.fit(data, ['amount', 'city']);
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]).toMatch(/amount: 49 of 50 values are numbers, but text such as "n\/a"/);
    p.fit(
      data.map((r) => ({ ...r, amount: 1 })),
      ['amount', 'city'],
    );
    expect(p.warnings).toEqual([]);
  });

  it('rejects NaN, Infinity and values of the wrong kind with an error naming the column', () => {
    const p = new Pipeline();
    p.fit(rows, ['price', 'country']);
    const bad = (row: Record<string, unknown>) => {
      try {
        p.transformRow(row);
      } catch (error) {
        return error as ShopstreamError;
      }
      throw new Error('no error');
    };
    expect(bad({ price: Number.NaN }).field).toBe('price');
    expect(bad({ price: Number.POSITIVE_INFINITY }).message).toMatch(
      /price: Infinity is not a finite number/,
    );
    expect(bad({ price: 'abc' }).message).toMatch(/price: expected a number, got "abc"/);
    expect(p.transformRow({ price: '20', country: 'DE' })).toEqual(
      p.transformRow({ price: 20, country: 'DE' }),
    );
    expect(bad({ price: 1, country: { x: 1 } }).field).toBe('country');
    expect(() => new Pipeline({ clip: [0.9, 0.1] })).toThrow(/clip/);
    expect(() => new Pipeline().transformRow({})).toThrow(/not fitted/);
  });
});
