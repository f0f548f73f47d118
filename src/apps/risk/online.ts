// The online model: FTRL-Proximal logistic regression that learns from each label as it arrives (a fraud label
// at once, a legitimate one at once) and from each payment that reached its label maturity without one (a
// negative), reading the feature vector the decision stored — so it learns what was known at decision time.
import { FtrlProximal, type ModelJSON } from '../../core/index.js';

export interface OnlineSnapshot {
  readonly model: ModelJSON | null;
  /** Payments decided before this event time have matured: their negatives are learned. */
  readonly maturedUntil: number;
  readonly learned: { positives: number; negatives: number };
}

/** Features as the linear model reads them: signed log1p of the value, 0 for no data. */
export function onlineRow(
  names: readonly string[],
  features: Readonly<Record<string, number | null>>,
): Float64Array {
  const x = new Float64Array(names.length);
  for (let j = 0; j < names.length; j++) x[j] = onlineValue(features[names[j] as string]);
  return x;
}

/** One feature as the linear model reads it (see `onlineRow`). */
function onlineValue(v: number | null | undefined): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.sign(v) * Math.log1p(Math.abs(v)) : 0;
}

export class OnlineRiskModel {
  private model = new FtrlProximal({ alpha: 0.05, l1: 0.5, l2: 1 });
  private fitted = false;
  maturedUntil = -Infinity;
  readonly learned = { positives: 0, negatives: 0 };

  constructor(
    /** The features it reads, in order: the time features (absolute times) are left out by the caller. */
    readonly names: readonly string[],
    readonly maturityMs: number,
  ) {}

  /** The probability of fraud, or null before the first label. */
  score(features: Readonly<Record<string, number | null>>): number | null {
    return this.fitted ? this.model.predictProbaOne(onlineRow(this.names, features)) : null;
  }

  /** `score` of features given as numbers in `names` order (NaN: no data), without a record. */
  scorer(names: readonly string[]): (numbers: ArrayLike<number>) => number | null {
    const at = new Map(names.map((n, i) => [n, i]));
    const index = Int32Array.from(this.names, (n) => at.get(n) ?? -1);
    const x = new Float64Array(this.names.length);
    return (numbers) => {
      if (!this.fitted) return null;
      for (let j = 0; j < index.length; j++) {
        const i = index[j] as number;
        x[j] = i === -1 ? 0 : onlineValue(numbers[i]);
      }
      return this.model.predictProbaOne(x);
    };
  }

  learn(features: Readonly<Record<string, number | null>>, isFraud: boolean): void {
    this.model.learnOne(onlineRow(this.names, features), isFraud ? 1 : 0);
    this.fitted = true;
    if (isFraud) this.learned.positives++;
    else this.learned.negatives++;
  }

  snapshot(): OnlineSnapshot {
    return {
      model: this.fitted ? this.model.toJSON() : null,
      maturedUntil: this.maturedUntil,
      learned: { ...this.learned },
    };
  }

  restore(s: OnlineSnapshot): void {
    if (s.model) {
      this.model = FtrlProximal.fromJSON(s.model);
      this.fitted = true;
    }
    this.maturedUntil = s.maturedUntil ?? -Infinity;
    Object.assign(this.learned, s.learned);
  }
}
