// `shopstream risk backtest`: the history replayed in event-time order through a fresh engine, each payment
// decided just before it is applied — the stream's own path — with a rule set and a model, and each list as it
// was when the payment was decided (its stored decision's lists version; else the version in force at the
// payment's time). The figures are the ones a risk team asks of a rule change before deploying it.
import {
  FeatureEngine,
  averagePrecision,
  rocAuc,
  type CompiledFeature,
  type LiveModel,
  type RiskAction,
  type ShopEvent,
  type StoredListChange,
} from '../../core/index.js';
import {
  applyDecidingPayments,
  decide,
  featureVector,
  opinionOf,
  paymentFields,
  type DecisionOutcome,
} from './decide.js';
import { Lists } from './lists.js';
import { SEVERITY, type CompiledRuleSet } from './rules.js';

export interface BacktestSide {
  readonly name: string;
  readonly rules: CompiledRuleSet;
  readonly model: LiveModel | undefined;
}

export interface BacktestOptions {
  /** The risk features, compiled. */
  readonly features: readonly CompiledFeature[];
  /** The whole log in event-time order (features need the history before `from`; labels may come after `to`). */
  readonly pages: AsyncIterable<ShopEvent[]>;
  readonly from?: number;
  readonly to?: number;
  /** One side, or two to compare (`--compare`): both decide the same feature vectors. */
  readonly sides: readonly BacktestSide[];
  readonly listHistory: readonly StoredListChange[];
  /** The lists version each stored decision used, by payment id. */
  readonly storedListsVersion: ReadonlyMap<string, number>;
  /** Review budget: the share of payments a team can look at (default 1%). */
  readonly budget?: number;
  /** Fraud type per fraudulent payment (the simulator's truth file): recall at the budget per type. */
  readonly truth?: Readonly<Record<string, string>>;
  /** Keep each payment's decision in the report (tests, audits). */
  readonly keepDecisions?: boolean;
  readonly onPage?: (events: number) => void;
}

export interface BacktestMetrics {
  readonly prAuc: number | null;
  readonly rocAuc: number | null;
  readonly recallAtBudget: number | null;
  readonly precisionAtBudget: number | null;
  readonly fraudAmountCaught: number;
  readonly goodAmountBlocked: number;
  readonly decisions: Record<RiskAction, number>;
  readonly rules: Record<string, { hits: number; precision: number | null }>;
  /** decision → label: how many fraudulent and legitimate payments each decision took. */
  readonly confusion: Record<RiskAction, { fraud: number; legit: number }>;
  readonly payments: number;
  readonly frauds: number;
  readonly fraudAmount: number;
  readonly budget: number;
  readonly recallAtBudgetByType?: Record<string, { frauds: number; caught: number; recall: number }>;
  readonly decided?: { paymentId: string; decision: RiskAction; score: number | null; ruleHits: string[] }[];
}

export interface BacktestReport {
  readonly sides: { name: string; model: string | null; metrics: BacktestMetrics }[];
  /** With two sides: changes[a][b] payments the first side decided a and the second b. */
  readonly changes?: Record<RiskAction, Record<RiskAction, number>>;
  readonly events: number;
}

interface Row {
  paymentId: string;
  amount: number;
  outcomes: DecisionOutcome[];
  probabilities: (number | null)[];
}

const zeroActions = (): Record<RiskAction, number> => ({ approve: 0, challenge: 0, review: 0, block: 0 });

export async function backtest(options: BacktestOptions): Promise<BacktestReport> {
  const engine = new FeatureEngine(options.features, { outOfOrdernessMs: 0, allowedLatenessMs: 0 });
  const reader = engine.reader(options.features.map((f) => f.name));
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  const rows: Row[] = [];
  const labels = new Map<string, boolean>();
  const listsByVersion = new Map<number, Lists>();
  const listsAt = (version: number): Lists => {
    let lists = listsByVersion.get(version);
    if (!lists) listsByVersion.set(version, (lists = Lists.asOf(options.listHistory, version)));
    return lists;
  };
  let events = 0;
  for await (const page of options.pages) {
    for (const e of page) {
      if (e.type === 'label' && !labels.has(e.paymentId)) labels.set(e.paymentId, e.isFraud);
    }
    applyDecidingPayments(engine, page, (e) => {
      if (e.ts < from || e.ts >= to) return;
      const vector = featureVector(reader, e);
      const features = vector.values;
      const payment = paymentFields(e);
      const version =
        options.storedListsVersion.get(e.paymentId) ?? Lists.versionAt(options.listHistory, e.ts);
      const lists = listsAt(version);
      const row: Row = { paymentId: e.paymentId, amount: e.amount, outcomes: [], probabilities: [] };
      for (const side of options.sides) {
        const model = side.model && opinionOf(side.model, features, vector);
        row.outcomes.push(decide({ payment, features, model, rules: side.rules, lists }));
        row.probabilities.push(model ? model.probability : null);
      }
      rows.push(row);
    });
    events += page.length;
    options.onPage?.(events);
  }
  const sides = options.sides.map((side, s) => ({
    name: side.name,
    model: side.model ? `${side.model.meta.name}@${side.model.meta.version}` : null,
    metrics: metricsOf(rows, s, labels, options),
  }));
  let changes: BacktestReport['changes'];
  if (options.sides.length === 2) {
    changes = {
      approve: zeroActions(),
      challenge: zeroActions(),
      review: zeroActions(),
      block: zeroActions(),
    };
    for (const r of rows) changes[r.outcomes[0]!.decision][r.outcomes[1]!.decision]++;
  }
  return { sides, ...(changes ? { changes } : {}), events };
}

function metricsOf(
  rows: readonly Row[],
  s: number,
  labels: ReadonlyMap<string, boolean>,
  options: BacktestOptions,
): BacktestMetrics {
  const budget = options.budget ?? 0.01;
  const decisions = zeroActions();
  const confusion = {
    approve: { fraud: 0, legit: 0 },
    challenge: { fraud: 0, legit: 0 },
    review: { fraud: 0, legit: 0 },
    block: { fraud: 0, legit: 0 },
  };
  const rules: Record<string, { hits: number; frauds: number }> = {};
  for (const rule of options.sides[s]!.rules.rules) rules[rule.definition.code] ??= { hits: 0, frauds: 0 };
  let frauds = 0;
  let fraudAmount = 0;
  let fraudAmountCaught = 0;
  let goodAmountBlocked = 0;
  const y = new Float64Array(rows.length);
  const scores = new Float64Array(rows.length);
  let scored = true;
  rows.forEach((r, i) => {
    const outcome = r.outcomes[s] as DecisionOutcome;
    const fraud = labels.get(r.paymentId) === true;
    y[i] = fraud ? 1 : 0;
    const p = r.probabilities[s] ?? null;
    if (p === null) scored = false;
    // Without a model, payments are ranked by how severe their decision is, then by how many rules they hit.
    scores[i] = p ?? SEVERITY[outcome.decision] + outcome.ruleHits.length / 1000;
    decisions[outcome.decision]++;
    confusion[outcome.decision][fraud ? 'fraud' : 'legit']++;
    for (const code of new Set(outcome.ruleHits)) {
      const rule = (rules[code] ??= { hits: 0, frauds: 0 });
      rule.hits++;
      if (fraud) rule.frauds++;
    }
    if (fraud) {
      frauds++;
      fraudAmount += r.amount;
      if (outcome.decision === 'block' || outcome.decision === 'review') fraudAmountCaught += r.amount;
    } else if (outcome.decision === 'block') goodAmountBlocked += r.amount;
  });
  // The review budget: the top share of payments by score (ties broken by order, so the count is exact).
  const k = Math.max(1, Math.ceil(rows.length * budget));
  const order = Array.from(rows.keys()).sort(
    (a, b) => (scores[b] as number) - (scores[a] as number) || a - b,
  );
  const top = new Set(order.slice(0, k));
  let caught = 0;
  for (const i of top) caught += y[i] as number;
  const hasBoth = frauds > 0 && frauds < rows.length;
  const byType = options.truth && recallByType(rows, top, options.truth);
  return {
    prAuc: scored && hasBoth ? averagePrecision(y, scores) : null,
    rocAuc: scored && hasBoth ? rocAuc(y, scores) : null,
    recallAtBudget: frauds > 0 ? caught / frauds : null,
    precisionAtBudget: rows.length > 0 ? caught / Math.min(k, rows.length) : null,
    fraudAmountCaught: round2(fraudAmountCaught),
    goodAmountBlocked: round2(goodAmountBlocked),
    decisions,
    rules: Object.fromEntries(
      Object.entries(rules).map(([code, r]) => [
        code,
        { hits: r.hits, precision: r.hits > 0 ? r.frauds / r.hits : null },
      ]),
    ),
    confusion,
    payments: rows.length,
    frauds,
    fraudAmount: round2(fraudAmount),
    budget,
    ...(byType ? { recallAtBudgetByType: byType } : {}),
    ...(options.keepDecisions
      ? {
          decided: rows.map((r) => ({
            paymentId: r.paymentId,
            decision: r.outcomes[s]!.decision,
            score: r.outcomes[s]!.score,
            ruleHits: r.outcomes[s]!.ruleHits,
          })),
        }
      : {}),
  };
}

/** Recall at the budget per planted fraud type, against the truth (not the labels: unlabelled fraud counts too). */
function recallByType(
  rows: readonly Row[],
  top: ReadonlySet<number>,
  truth: Readonly<Record<string, string>>,
): Record<string, { frauds: number; caught: number; recall: number }> {
  const out: Record<string, { frauds: number; caught: number; recall: number }> = {};
  rows.forEach((r, i) => {
    const type = truth[r.paymentId];
    if (type === undefined) return;
    const t = (out[type] ??= { frauds: 0, caught: 0, recall: 0 });
    t.frauds++;
    if (top.has(i)) t.caught++;
  });
  for (const t of Object.values(out)) t.recall = t.caught / t.frauds;
  return out;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
