// One payment's decision from its features, the model's score, the rules and the lists — the one function the
// live API, the stream and the backtest call, so a backtest of a rule set is what it would have decided live.
import type {
  DecisionReason,
  EventOf,
  FeatureEngine,
  LiveModel,
  RiskAction,
  ShopEvent,
  VectorReader,
} from '../../core/index.js';
import { RISK_PHRASES } from './feature-set.js';
import { listAction, type Lists } from './lists.js';
import { SEVERITY, formatValue, type CompiledRuleSet, type RuleContext } from './rules.js';

/** The payment fields rules may read, beside the features. */
export const PAYMENT_FIELDS = [
  'amount',
  'currency',
  'userId',
  'cardId',
  'cardBin',
  'deviceId',
  'ip',
  'email',
  'billingCountry',
  'shippingCountry',
  'ipCountry',
  'method',
  'merchantId',
  'orderId',
] as const;

/** The names a rule may read: the features, the payment's fields, and `score` (0–100, null without a model). */
export function ruleNames(features: readonly string[]): Set<string> {
  return new Set([...features, ...PAYMENT_FIELDS, 'score']);
}

/** The payment's fields a decision keeps. */
export function paymentFields(payment: EventOf<'payment'>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  const record = payment as unknown as Record<string, unknown>;
  for (const f of PAYMENT_FIELDS) {
    const v = record[f];
    if (typeof v === 'string' || typeof v === 'number') out[f] = v;
  }
  return out;
}

/** A payment's features: by name (what a decision stores and rules read) and as numbers in the reader's order. */
export interface RiskVector {
  readonly values: Record<string, number | null>;
  /** In `names` order; NaN for no data yet. */
  readonly numbers: Float64Array;
  readonly names: readonly string[];
}

/**
 * The payment's feature vector from an engine holding every event before it (the payment not yet applied):
 * what the live decision, the stream and the backtest all read. Numbers, or null for no data yet.
 */
export function featureVector(reader: VectorReader, payment: EventOf<'payment'>): RiskVector {
  const numbers = reader.read(payment, payment.ts);
  const names = reader.names;
  const values: Record<string, number | null> = {};
  for (let i = 0; i < names.length; i++) {
    const v = numbers[i] as number;
    values[names[i] as string] = Number.isNaN(v) ? null : v;
  }
  return { values, numbers, names };
}

/**
 * Applies `events` to the engine in their order, calling `before` with each payment just before the engine
 * applies it — the state then holds every event before the payment, not the payment itself. The stream's
 * processor and the backtest both run their decisions through it.
 */
export function applyDecidingPayments(
  engine: FeatureEngine,
  events: readonly ShopEvent[],
  before: (payment: EventOf<'payment'>) => void,
): void {
  let start = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as ShopEvent;
    if (e.type !== 'payment') continue;
    if (i > start) engine.process(events.slice(start, i));
    start = i;
    before(e);
  }
  if (start < events.length) engine.process(start === 0 ? events : events.slice(start));
}

export interface ModelOpinion {
  /** `NAME@VERSION` */
  readonly ref: string;
  /** The model's probability of fraud, 0–1. */
  readonly probability: number;
  /** The `n` features that pushed the score up most and their contributions (log-odds), largest first; asked only when the decision needs reasons. */
  readonly explain: (n: number) => readonly (readonly [string, number])[];
}

interface VectorModel {
  readonly names: readonly string[];
  readonly score: ((x: ArrayLike<number>) => number) | undefined;
  readonly explain: ((x: ArrayLike<number>) => Float64Array) | undefined;
}

/** Per model, its scorer and explainer of vectors in one order of names (undefined: it reads text columns). */
const vectorModels = new WeakMap<object, VectorModel>();

function vectorModelOf(live: LiveModel, names: readonly string[]): VectorModel {
  let cached = vectorModels.get(live.model);
  if (cached?.names !== names) {
    cached = {
      names,
      score: live.model.vectorScorer(names),
      explain: live.model.vectorExplainer(names, { fast: true }),
    };
    vectorModels.set(live.model, cached);
  }
  return cached;
}

/** The features that pushed the score up most, largest first: at most `n` of them. */
function topPositive(entries: Iterable<readonly [string, number]>, n: number): [string, number][] {
  const top: [string, number][] = [];
  for (const [name, c] of entries) {
    if (!(c > 0)) continue;
    if (top.length === n && c <= (top[n - 1] as [string, number])[1]) continue;
    top.push([name, c]);
    top.sort((a, b) => b[1] - a[1]);
    if (top.length > n) top.pop();
  }
  return top;
}

/**
 * A model's opinion of a feature vector; the model reads its columns of it (missing ones as missing values).
 * With the vector's numbers it scores and explains them directly (the same numbers, no row object built).
 */
export function opinionOf(
  live: LiveModel,
  features: Readonly<Record<string, number | null>>,
  vector?: Pick<RiskVector, 'numbers' | 'names'>,
): ModelOpinion {
  const rowOf = (): Record<string, number | null> => {
    const row: Record<string, number | null> = {};
    for (const c of live.model.columns) row[c] = features[c] ?? null;
    return row;
  };
  const fast = vector && vectorModelOf(live, vector.names);
  const score = fast?.score;
  const explain = fast?.explain;
  return {
    ref: `${live.meta.name}@${live.meta.version}`,
    probability: vector && score ? score(vector.numbers) : live.model.predict(rowOf()).score,
    explain: (n) => {
      if (vector && explain) {
        const c = explain(vector.numbers);
        return topPositive(
          vector.names.map((name, i) => [name, c[i] as number] as const),
          n,
        );
      }
      return topPositive(Object.entries(live.model.explain(rowOf(), { fast: true }).byColumn), n);
    },
  };
}

export interface DecisionInput {
  readonly payment: Readonly<Record<string, string | number>>;
  readonly features: Readonly<Record<string, number | null>>;
  readonly model: ModelOpinion | undefined;
  readonly rules: CompiledRuleSet;
  readonly lists: Lists;
}

export interface DecisionOutcome {
  readonly decision: RiskAction;
  readonly score: number | null;
  readonly reasons: DecisionReason[];
  readonly ruleHits: string[];
}

/** Model reasons a decision carries: the features that pushed the score up most. */
export const MODEL_REASONS = 3;

/**
 * Precedence: an allow-list match approves; else a block-list match blocks; else the most severe action among the
 * rules that match (block over review over challenge over approve); else approve. Every matching rule is a hit,
 * whatever decided. A decision other than approve carries the model's top feature contributions as reasons.
 */
export function decide(input: DecisionInput): DecisionOutcome {
  const score = input.model ? Math.round(input.model.probability * 100) : null;
  const ctx: RuleContext = { features: input.features, payment: input.payment, score };
  const reasons: DecisionReason[] = [];
  const ruleHits: string[] = [];
  let decision: RiskAction = 'approve';
  let decidedBy: 'allow' | 'block' | 'rules' = 'rules';
  const allowed = input.lists.match('allow', input.payment);
  const blocked = allowed ? undefined : input.lists.match('block', input.payment);
  const listHit = allowed ?? blocked;
  if (listHit) {
    decision = listAction(listHit);
    decidedBy = listHit.list;
    reasons.push({
      code: `${listHit.list.toUpperCase()}_LIST_${listHit.kind.toUpperCase()}`,
      message: `${listHit.field} ${listHit.value} is on the ${listHit.list} list`,
    });
  }
  const matched = [];
  for (const rule of input.rules.rules) {
    if (!rule.test(ctx)) continue;
    ruleHits.push(rule.definition.code);
    matched.push(rule);
    if (decidedBy === 'rules' && SEVERITY[rule.definition.action] > SEVERITY[decision]) {
      decision = rule.definition.action;
    }
  }
  // The rules behind the decision first (in file order), then the others that matched.
  const behind = matched.filter((r) => decidedBy === 'rules' && r.definition.action === decision);
  for (const r of [...behind, ...matched.filter((r) => !behind.includes(r))]) {
    reasons.push({ code: r.definition.code, message: r.message(ctx) });
  }
  if (!input.model) {
    reasons.push({
      code: 'NO_MODEL',
      message: 'no risk model in production: the rules and lists alone decided',
    });
  } else if (decision !== 'approve') {
    reasons.push(...modelReasons(input.model.explain(MODEL_REASONS), input.features));
  }
  return { decision, score, reasons, ruleHits };
}

function modelReasons(
  top: readonly (readonly [string, number])[],
  features: Readonly<Record<string, number | null>>,
): DecisionReason[] {
  return top.map(([name, c]) => ({
    code: `FEATURE_${name.toUpperCase()}`,
    message: phrase(name, features[name] ?? null),
    contribution: Math.round(c * 1000) / 1000,
  }));
}

/** A feature and its value in the store's language, e.g. "7 cards on this device in 24 h". */
export function phrase(name: string, value: number | null): string {
  const template = RISK_PHRASES[name];
  if (value === null) return `${name}: no value`;
  if (template === undefined) return `${name} = ${formatValue(value)}`;
  return template.replace('{v}', formatValue(value)).replace('{d}', duration(value));
}

function duration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'days'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) {
    if (ms >= size)
      return `${Math.round((ms / size) * 10) / 10} ${unit === 'days' && ms < 2 * size ? 'day' : unit}`;
  }
  return `${Math.max(0, Math.round(ms))} ms`;
}
