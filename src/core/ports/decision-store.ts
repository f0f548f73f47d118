// Ports of the risk app's stores: every decision with the feature vector and versions it used, the review cases
// they open (DecisionStore); the rule sets and allow/block lists, versioned (RuleStore).

export const RISK_ACTIONS = ['approve', 'challenge', 'review', 'block'] as const;
export type RiskAction = (typeof RISK_ACTIONS)[number];

export interface DecisionReason {
  readonly code: string;
  readonly message: string;
  /** For a model reason: the feature's share of the score (log-odds), largest first. */
  readonly contribution?: number;
}

/** One payment's decision, as served and stored: what an audit, a backtest and training read back. */
export interface StoredDecision {
  readonly paymentId: string;
  readonly decision: RiskAction;
  /** The model's probability as 0–100; null when no model is in production (rules alone decided). */
  readonly score: number | null;
  readonly reasons: readonly DecisionReason[];
  /** Codes of the rules that matched, in the rule set's order. */
  readonly ruleHits: readonly string[];
  /** `NAME@VERSION` of the model, or null. */
  readonly modelVersion: string | null;
  readonly rulesVersion: number;
  readonly listsVersion: number;
  /** The event time the features are as of: just before the payment. */
  readonly featuresAsOf: number;
  /** The feature vector the decision used: every feature of the set (null: no data yet). */
  readonly features: Readonly<Record<string, number | null>>;
  /** The payment's own fields the rules read (amount, currency, ids, countries). */
  readonly payment: Readonly<Record<string, string | number>>;
  /** The online model's probability (0–1) at decision time, beside the served score. */
  readonly onlineScore: number | null;
  /** How the payment came: `api` (POST /v1/risk/payments) or `stream` (the log). */
  readonly via: 'api' | 'stream';
  /** Wall-clock time of the decision. */
  readonly decidedAt: number;
}

export interface DecisionFilter {
  /** Payment (event) time, from ≤ featuresAsOf < to. */
  readonly from?: number;
  readonly to?: number;
  readonly decision?: RiskAction;
  readonly cardId?: string;
  readonly limit?: number;
}

export interface DecisionLabel {
  readonly isFraud: boolean;
  readonly source: string;
  /** Event time of the label. */
  readonly ts: number;
}

export type LabelledDecision = StoredDecision & { readonly label: DecisionLabel | null };

export type CaseStatus = 'open' | 'closed';

export interface ReviewCase {
  readonly paymentId: string;
  readonly status: CaseStatus;
  readonly openedAt: number;
  readonly closedAt: number | null;
  readonly verdict: 'fraud' | 'legit' | null;
  readonly analyst: string | null;
  readonly note: string | null;
}

export interface DecisionStore {
  /**
   * Stores a decision unless one for its payment is stored already, atomically; returns the stored one and
   * whether it is this one. A `review` decision opens its case in the same write.
   */
  put(decision: StoredDecision): Promise<{ stored: StoredDecision; created: boolean }>;
  /** Many at once (the stream's micro-batch), in one transaction; decisions already stored are kept. */
  putMany(decisions: readonly StoredDecision[]): Promise<number>;
  get(paymentId: string): Promise<LabelledDecision | undefined>;
  /** Whether the payment has a decision (cheaper than `get`: nothing is read back). */
  has(paymentId: string): Promise<boolean>;
  /** In payment-time order (ties by payment id), each with its label. */
  list(filter: DecisionFilter): Promise<LabelledDecision[]>;
  /** Records the first label of a decided payment; false when the payment has no decision or a label already. */
  label(paymentId: string, label: DecisionLabel): Promise<boolean>;
  cases(status: CaseStatus | undefined, limit: number): Promise<ReviewCase[]>;
  case(paymentId: string): Promise<ReviewCase | undefined>;
  /** Closes an open case with its verdict; false when there is no open case for the payment. */
  closeCase(
    paymentId: string,
    verdict: { verdict: 'fraud' | 'legit'; analyst: string; note: string | null },
    now: number,
  ): Promise<boolean>;
  count(): Promise<number>;
}

/** One change of a list: a value added to or removed from the allow or block list of a kind. */
export interface ListChange {
  readonly list: 'allow' | 'block';
  readonly kind: ListKind;
  readonly value: string;
  readonly op: 'add' | 'remove';
  readonly note?: string;
}

export const LIST_KINDS = ['card', 'email', 'device', 'ip', 'bin', 'country'] as const;
export type ListKind = (typeof LIST_KINDS)[number];

export interface StoredListChange extends ListChange {
  /** The lists' version this change made (one version per call of `changeLists`). */
  readonly version: number;
  readonly at: number;
}

export interface StoredRuleSet {
  readonly version: number;
  readonly deployedAt: number;
  /** The rule file as it was deployed. */
  readonly document: unknown;
}

export interface RuleStore {
  /** Stores a rule set as the next version, the live one from now on. */
  deployRules(document: unknown, now: number): Promise<StoredRuleSet>;
  /** The latest rule set (or version `version`); undefined when none was deployed. */
  rules(version?: number): Promise<StoredRuleSet | undefined>;
  /** Applies changes to the lists as one new version; returns it. */
  changeLists(changes: readonly ListChange[], now: number): Promise<number>;
  /** Every list change, oldest first: the lists as of any version are a replay of it. */
  listHistory(): Promise<StoredListChange[]>;
  /** Changes whenever rules are deployed or lists change, also by another process: poll it. */
  revision(): Promise<number>;
}
