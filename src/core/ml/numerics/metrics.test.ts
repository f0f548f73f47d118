import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  averagePrecision,
  brierScore,
  calibrationBins,
  logLoss,
  regressionMetrics,
  rocAuc,
  thresholdMetrics,
} from './metrics.js';

// Figures from scikit-learn's documentation examples (roc_auc_score, average_precision_score, log_loss,
// r2_score, mean_absolute_error, mean_squared_error).
describe('metrics against scikit-learn examples', () => {
  const y = [0, 0, 1, 1];
  const s = [0.1, 0.4, 0.35, 0.8];
  it('ranks', () => {
    expect(rocAuc(y, s)).toBeCloseTo(0.75, 12);
    expect(averagePrecision(y, s)).toBeCloseTo(0.8333333333333333, 12);
  });
  it('scores probabilities', () => {
    expect(logLoss([1, 0, 0, 1], [0.9, 0.1, 0.2, 0.65])).toBeCloseTo(0.21616187468057912, 12);
    expect(brierScore([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3])).toBeCloseTo(0.0375, 12);
  });
  it('measures regression', () => {
    const m = regressionMetrics([3, -0.5, 2, 7], [2.5, 0, 2, 8]);
    expect(m.mae).toBeCloseTo(0.5, 12);
    expect(m.rmse).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(m.r2).toBeCloseTo(0.9486081370449679, 12);
    expect(regressionMetrics([2, 2], [2, 2]).r2).toBe(1);
    expect(regressionMetrics([2, 2], [2, 3]).r2).toBe(0);
  });
  it('counts a threshold', () => {
    const m = thresholdMetrics([0, 1, 1, 0, 1], [0.2, 0.7, 0.4, 0.6, 0.9]);
    expect(m).toMatchObject({ truePositives: 2, falsePositives: 1, trueNegatives: 1, falseNegatives: 1 });
    expect(m.accuracy).toBeCloseTo(0.6, 12);
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    expect(thresholdMetrics([1, 0], [0.1, 0.2]).precision).toBe(0);
  });
});

const rows = fc
  .array(fc.tuple(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 20 })), { minLength: 2, maxLength: 60 })
  .filter((r) => r.some(([l]) => l === 1) && r.some(([l]) => l === 0));

describe('metrics against their definitions', () => {
  it('ROC-AUC is the share of (positive, negative) pairs ordered right, ties half', () => {
    fc.assert(
      fc.property(rows, (r) => {
        const labels = r.map(([l]) => l);
        const scores = r.map(([, x]) => x / 20);
        let wins = 0;
        let pairs = 0;
        for (const [lp, sp] of r)
          for (const [ln, sn] of r) {
            if (lp !== 1 || ln !== 0) continue;
            pairs++;
            wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
          }
        expect(rocAuc(labels, scores)).toBeCloseTo(wins / pairs, 12);
      }),
    );
  });

  it('average precision sums precision × recall step over distinct thresholds', () => {
    fc.assert(
      fc.property(rows, (r) => {
        const labels = r.map(([l]) => l);
        const scores = r.map(([, x]) => x / 20);
        const positives = labels.filter((l) => l === 1).length;
        const thresholds = [...new Set(scores)].sort((a, b) => b - a);
        let previousRecall = 0;
        let ap = 0;
        for (const t of thresholds) {
          const called = r.filter(([, x]) => x / 20 >= t);
          const tp = called.filter(([l]) => l === 1).length;
          const recall = tp / positives;
          ap += (recall - previousRecall) * (tp / called.length);
          previousRecall = recall;
        }
        expect(averagePrecision(labels, scores)).toBeCloseTo(ap, 12);
      }),
    );
  });

  it('calibration bins partition the rows', () => {
    const bins = calibrationBins([0, 1, 1, 0, 1], [0.05, 0.95, 1, 0.5, 0.55], 4);
    expect(bins.map((b) => b.count)).toEqual([1, 0, 2, 2]);
    expect(bins[3]).toMatchObject({ meanPredicted: 0.975, positiveRate: 1 });
    expect(bins[1]).toMatchObject({ meanPredicted: null, positiveRate: null });
  });
});

describe('metrics refuse bad input with the reason', () => {
  it('names the problem', () => {
    expect(() => rocAuc([0, 1], [0.5])).toThrow(/rocAuc: 2 labels but 1 scores/);
    expect(() => rocAuc([1, 1], [0.5, 0.2])).toThrow(/needs both classes/);
    expect(() => logLoss([0, 2], [0.5, 0.5])).toThrow(/label 1 is 2, not 0 or 1/);
    expect(() => brierScore([0, 1], [0.5, Number.NaN])).toThrow(/score 1 is NaN/);
    expect(() => regressionMetrics([], [])).toThrow(/no rows/);
    expect(() => averagePrecision([0, 0], [0.1, 0.2])).toThrow(/needs a positive label/);
  });
});
