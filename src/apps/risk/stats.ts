// Decision rates per minute of event time and the score distribution: GET /v1/risk/stats.
import { RISK_ACTIONS, type RiskAction, type StoredDecision } from '../../core/index.js';

const MINUTE = 60_000;
/** Minutes kept, back from the newest. */
export const STATS_MINUTES = 120;

type Counts = Record<RiskAction, number>;

const zero = (): Counts => ({ approve: 0, challenge: 0, review: 0, block: 0 });

export interface RiskStats {
  readonly total: number;
  readonly decisions: Counts;
  /** Per minute of payment time, oldest first: counts by decision. */
  readonly perMinute: { minute: string; total: number; decisions: Counts }[];
  /** Scores in bands of 10 (0–9, …, 90–100), and decisions without a score. */
  readonly scores: { bands: number[]; none: number };
}

export class DecisionStats {
  private readonly minutes = new Map<number, Counts>();
  private readonly totals = zero();
  private readonly bands = new Array<number>(10).fill(0);
  private none = 0;
  private total = 0;
  private newest = -Infinity;

  add(d: StoredDecision): void {
    this.total++;
    this.totals[d.decision]++;
    if (d.score === null) this.none++;
    else this.bands[Math.min(9, Math.floor(d.score / 10))]!++;
    const minute = Math.floor(d.featuresAsOf / MINUTE);
    if (minute <= this.newest - STATS_MINUTES) return;
    let counts = this.minutes.get(minute);
    if (!counts) {
      this.minutes.set(minute, (counts = zero()));
      if (minute > this.newest) {
        this.newest = minute;
        for (const m of this.minutes.keys()) if (m <= minute - STATS_MINUTES) this.minutes.delete(m);
      }
    }
    counts[d.decision]++;
  }

  summary(): RiskStats {
    const perMinute = [...this.minutes.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([m, c]) => ({
        minute: new Date(m * MINUTE).toISOString(),
        total: RISK_ACTIONS.reduce((s, a) => s + c[a], 0),
        decisions: { ...c },
      }));
    return {
      total: this.total,
      decisions: { ...this.totals },
      perMinute,
      scores: { bands: [...this.bands], none: this.none },
    };
  }
}
