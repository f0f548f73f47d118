// The risk app's decisions, cases, rule sets and lists in memory: for tests, benchmarks and embedding.
import type {
  CaseStatus,
  DecisionFilter,
  DecisionLabel,
  DecisionStore,
  LabelledDecision,
  ListChange,
  ReviewCase,
  RuleStore,
  StoredDecision,
  StoredListChange,
  StoredRuleSet,
} from '../../core/index.js';

/** A stored decision: the object itself, frozen (a caller cannot change what the store holds), and its label. */
interface Entry {
  readonly decision: StoredDecision;
  label: DecisionLabel | null;
}

function freeze(d: StoredDecision): StoredDecision {
  Object.freeze(d.features);
  Object.freeze(d.payment);
  for (const r of d.reasons) Object.freeze(r);
  Object.freeze(d.reasons);
  Object.freeze(d.ruleHits);
  return Object.freeze(d);
}

const before = (a: Entry, b: Entry): boolean =>
  a.decision.featuresAsOf < b.decision.featuresAsOf ||
  (a.decision.featuresAsOf === b.decision.featuresAsOf && a.decision.paymentId < b.decision.paymentId);

export class MemoryDecisionStore implements DecisionStore {
  private readonly decisions = new Map<string, Entry>();
  /** The entries in payment-time order (then by id): a time range is two binary searches. */
  private readonly byTime: Entry[] = [];
  private readonly reviewCases = new Map<string, ReviewCase>();

  put(decision: StoredDecision): Promise<{ stored: StoredDecision; created: boolean }> {
    const existing = this.decisions.get(decision.paymentId);
    if (existing) return Promise.resolve({ stored: existing.decision, created: false });
    this.write(decision);
    return Promise.resolve({ stored: decision, created: true });
  }

  putMany(decisions: readonly StoredDecision[]): Promise<number> {
    let added = 0;
    for (const d of decisions) {
      if (this.decisions.has(d.paymentId)) continue;
      this.write(d);
      added++;
    }
    return Promise.resolve(added);
  }

  get(paymentId: string): Promise<LabelledDecision | undefined> {
    const e = this.decisions.get(paymentId);
    return Promise.resolve(e && labelled(e));
  }

  has(paymentId: string): Promise<boolean> {
    return Promise.resolve(this.decisions.has(paymentId));
  }

  list(filter: DecisionFilter): Promise<LabelledDecision[]> {
    const start = filter.from === undefined ? 0 : this.firstAt(filter.from);
    const end = filter.to === undefined ? this.byTime.length : this.firstAt(filter.to);
    const out: LabelledDecision[] = [];
    for (let i = start; i < end && (filter.limit === undefined || out.length < filter.limit); i++) {
      const e = this.byTime[i] as Entry;
      if (filter.decision !== undefined && e.decision.decision !== filter.decision) continue;
      if (filter.cardId !== undefined && e.decision.payment.cardId !== filter.cardId) continue;
      out.push(labelled(e));
    }
    return Promise.resolve(out);
  }

  label(paymentId: string, label: DecisionLabel): Promise<boolean> {
    const e = this.decisions.get(paymentId);
    if (!e || e.label) return Promise.resolve(false);
    e.label = Object.freeze({ ...label });
    return Promise.resolve(true);
  }

  /** The index of the first entry at or after time `ts`. */
  private firstAt(ts: number): number {
    let lo = 0;
    let hi = this.byTime.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.byTime[mid] as Entry).decision.featuresAsOf < ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  cases(status: CaseStatus | undefined, limit: number): Promise<ReviewCase[]> {
    const out = [...this.reviewCases.values()]
      .filter((c) => status === undefined || c.status === status)
      .sort((a, b) => a.openedAt - b.openedAt || (a.paymentId < b.paymentId ? -1 : 1));
    return Promise.resolve(out.slice(0, limit));
  }

  case(paymentId: string): Promise<ReviewCase | undefined> {
    return Promise.resolve(this.reviewCases.get(paymentId));
  }

  closeCase(
    paymentId: string,
    verdict: { verdict: 'fraud' | 'legit'; analyst: string; note: string | null },
    now: number,
  ): Promise<boolean> {
    const c = this.reviewCases.get(paymentId);
    if (!c || c.status !== 'open') return Promise.resolve(false);
    this.reviewCases.set(paymentId, { ...c, status: 'closed', closedAt: now, ...verdict });
    return Promise.resolve(true);
  }

  count(): Promise<number> {
    return Promise.resolve(this.decisions.size);
  }

  private write(d: StoredDecision): void {
    const entry: Entry = { decision: freeze(d), label: null };
    this.decisions.set(d.paymentId, entry);
    // Decisions come mostly in time order: an append, else a binary search for the place.
    const last = this.byTime[this.byTime.length - 1];
    if (last === undefined || !before(entry, last)) this.byTime.push(entry);
    else {
      let lo = 0;
      let hi = this.byTime.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (before(this.byTime[mid] as Entry, entry)) lo = mid + 1;
        else hi = mid;
      }
      this.byTime.splice(lo, 0, entry);
    }
    if (d.decision === 'review') {
      this.reviewCases.set(d.paymentId, {
        paymentId: d.paymentId,
        status: 'open',
        openedAt: d.decidedAt,
        closedAt: null,
        verdict: null,
        analyst: null,
        note: null,
      });
    }
  }
}

function labelled(e: Entry): LabelledDecision {
  return { ...e.decision, label: e.label };
}

export class MemoryRuleStore implements RuleStore {
  private readonly ruleSets: StoredRuleSet[] = [];
  private readonly changes: StoredListChange[] = [];
  private listsVersion = 0;
  private changeCount = 0;

  deployRules(document: unknown, now: number): Promise<StoredRuleSet> {
    const set = { version: this.ruleSets.length + 1, deployedAt: now, document: structuredClone(document) };
    this.ruleSets.push(set);
    this.changeCount++;
    return Promise.resolve(structuredClone(set));
  }

  rules(version?: number): Promise<StoredRuleSet | undefined> {
    const set = version === undefined ? this.ruleSets.at(-1) : this.ruleSets[version - 1];
    return Promise.resolve(set && structuredClone(set));
  }

  changeLists(changes: readonly ListChange[], now: number): Promise<number> {
    const version = ++this.listsVersion;
    for (const c of changes) this.changes.push({ ...c, version, at: now });
    this.changeCount++;
    return Promise.resolve(version);
  }

  listHistory(): Promise<StoredListChange[]> {
    return Promise.resolve(this.changes.map((c) => ({ ...c })));
  }

  revision(): Promise<number> {
    return Promise.resolve(this.changeCount);
  }
}
