// What boosting minimises: each objective gives the first and second derivatives of its loss with respect to the
// raw score of every row, and the raw score to start from.
import { sigmoid } from '../model.js';

export interface Objective {
  readonly name: 'binary' | 'regression' | 'rank';
  /** The raw score before any tree. */
  base(y: Float64Array): number;
  /** Fills `grad` and `hess` at the raw scores `raw` of rows with labels `y`. */
  gradients(raw: Float64Array, y: Float64Array, grad: Float64Array, hess: Float64Array): void;
  /** The loss early stopping watches (lower is better) on held-out rows. */
  loss(raw: Float64Array, y: Float64Array): number;
}

/** Log loss on log-odds; positives' gradients weighted by `scalePosWeight` (for a rare positive class). */
export function binaryLogistic(scalePosWeight = 1): Objective {
  return {
    name: 'binary',
    base(y) {
      let positives = 0;
      for (let i = 0; i < y.length; i++) positives += y[i] as number;
      const p = Math.min(
        Math.max((positives * scalePosWeight) / (positives * scalePosWeight + y.length - positives), 1e-6),
        1 - 1e-6,
      );
      return Math.log(p / (1 - p));
    },
    gradients(raw, y, grad, hess) {
      for (let i = 0; i < raw.length; i++) {
        // 1 / (1 + e^−z) without a branch: e^−z overflows to ∞ for a very negative z, and p is then 0, as it should be.
        const p = 1 / (1 + Math.exp(-(raw[i] as number)));
        const label = y[i] as number;
        const w = label === 1 ? scalePosWeight : 1;
        grad[i] = (p - label) * w;
        hess[i] = Math.max(p * (1 - p), 1e-16) * w;
      }
    },
    loss(raw, y) {
      let sum = 0;
      for (let i = 0; i < raw.length; i++) {
        const p = Math.min(Math.max(sigmoid(raw[i] as number), 1e-15), 1 - 1e-15);
        sum -= y[i] === 1 ? Math.log(p) : Math.log(1 - p);
      }
      return sum / raw.length;
    },
  };
}

/** Half the squared error; the root mean squared error for early stopping. */
export function squaredError(): Objective {
  return {
    name: 'regression',
    base(y) {
      let sum = 0;
      for (let i = 0; i < y.length; i++) sum += y[i] as number;
      return sum / y.length;
    },
    gradients(raw, y, grad, hess) {
      for (let i = 0; i < raw.length; i++) {
        grad[i] = (raw[i] as number) - (y[i] as number);
        hess[i] = 1;
      }
    },
    loss(raw, y) {
      let sse = 0;
      for (let i = 0; i < raw.length; i++) sse += ((raw[i] as number) - (y[i] as number)) ** 2;
      return Math.sqrt(sse / raw.length);
    },
  };
}
