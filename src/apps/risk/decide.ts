// One payment's decision from its features, the model's score, the rules and the lists — the one function the
// live API, the stream and the backtest call, so a backtest of a rule set is what it would have decided live.
import type {
  CompiledFeature,
  DecisionReason,
  EventOf,
  FeatureEngine,
  FeatureValue,
  LiveModel,
  RiskAction,
  ShopEvent,
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

/**
 * The payment's feature vector from an engine holding every event before it (the payment not yet applied):
 * what the live decision, the stream and the backtest all read. Numbers, or null for no data yet.
 */
export function featureVector(
  engine: FeatureEngine,
  features: readonly CompiledFeature[],
  payment: EventOf<'payment'>,
): Record<string, number | null> {
  const values: Record<string, number | null> = {};
  for (const f of features) {
    const key = engine.keyOf(f.name, payment);
    const v = key === undefined ? null : engine.value(f.name, key, payment.ts, payment);
    values[f.name] = typeof v === 'number' && Number.isFinite(v) ? v : null;
  }
  return values;
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

/** The feature vector as stored: numbers, or null for no data yet (lists and text are not model inputs). */
export function numericFeatures(
  values: Readonly<Record<string, FeatureValue>>,
): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(values))
    out[k] = typeof v === 'number' && Number.isFinite(v) ? v : null;
  return out;
}

export interface ModelOpinion {
  /** `NAME@VERSION` */
  readonly ref: string;
  /** The model's probability of fraud, 0–1. */
  readonly probability: number;
  /** Contributions by feature (log-odds), asked only when the decision needs reasons. */
  readonly explain: () => Readonly<Record<string, number>>;
}

/** A model's opinion of a feature vector; the model reads its columns of it (missing ones as missing values). */
export function opinionOf(live: LiveModel, features: Readonly<Record<string, number | null>>): ModelOpinion {
  const row: Record<string, number | null> = {};
  for (const c of live.model.columns) row[c] = features[c] ?? null;
  return {
    ref: `${live.meta.name}@${live.meta.version}`,
    probability: live.model.predict(row).score,
    explain: () => live.model.explain(row, { fast: true }).byColumn,
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
    reasons.push(...modelReasons(input.model.explain(), input.features));
  }
  return { decision, score, reasons, ruleHits };
}

function modelReasons(
  contributions: Readonly<Record<string, number>>,
  features: Readonly<Record<string, number | null>>,
): DecisionReason[] {
  return Object.entries(contributions)
    .filter(([, c]) => c > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, MODEL_REASONS)
    .map(([name, c]) => ({
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
