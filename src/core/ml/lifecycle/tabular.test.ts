// The vector paths of a fitted model (scoring's hot path) give what its row paths give, on rows with missing values.
import { describe, expect, it } from 'vitest';
import { Random } from '../../random.js';
import { trainTabular } from './tabular.js';

function table(n: number): Record<string, number | string | null>[] {
  const rng = new Random(7);
  return Array.from({ length: n }, () => {
    const a = rng.next() < 0.2 ? null : rng.next() * 10;
    const b = rng.next() * 4;
    const c = rng.next() < 0.5 ? null : rng.next();
    const score = (a ?? 5) * 0.4 + b - (c ?? 0.5) * 3 + rng.next();
    return { a, b, c, y: score > 4 ? 1 : 0 };
  });
}

describe('vectorScorer and vectorExplainer', () => {
  for (const model of ['gbdt', 'logistic'] as const) {
    it(`${model}: the same score and contributions as predict and explain, names in any order`, async () => {
      const rows = table(600);
      const { trained: fitted } = await trainTabular(rows, { label: 'y', model, importanceRows: 0 });
      // Another order, and a name the model does not read.
      const names = ['c', 'extra', 'a', 'b'];
      const score = fitted.vectorScorer(names);
      const explain = fitted.vectorExplainer(names, { fast: true });
      expect(score).toBeDefined();
      expect(explain).toBeDefined();
      let missing = 0;
      for (const row of rows.slice(0, 200)) {
        const x = Float64Array.from(names, (n) => (typeof row[n] === 'number' ? row[n] : Number.NaN));
        missing += x.filter(Number.isNaN).length - 1;
        expect(score!(x)).toBe(fitted.predict(row).score);
        const byColumn = fitted.explain(row, { fast: true }).byColumn;
        const got = explain!(x);
        names.forEach((n, i) => expect(got[i]).toBeCloseTo(byColumn[n] ?? 0, 12));
      }
      expect(missing).toBeGreaterThan(50);
    });
  }

  it('a model that reads a text column has no vector scorer', async () => {
    const rows = table(300).map((r, i) => ({ ...r, country: i % 3 === 0 ? 'DE' : 'FR' }));
    const { trained: model } = await trainTabular(rows, { label: 'y', model: 'logistic', importanceRows: 0 });
    expect(model.vectorScorer(['a', 'b', 'c', 'country'])).toBeUndefined();
    expect(model.vectorExplainer(['a', 'b', 'c', 'country'])).toBeUndefined();
  });
});
