// The risk app's decisions, cases, rule sets and lists in memory: for tests and embedding.
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

export class MemoryDecisionStore implements DecisionStore {
  /** Each decision as stored (a copy, frozen in JSON) beside the fields a filter reads. */
  private readonly decisions = new Map<
    string,
    { body: string; ts: number; decision: string; cardId: unknown; label: DecisionLabel | null }
  >();
  private readonly reviewCases = new Map<string, ReviewCase>();

  put(decision: StoredDecision): Promise<{ stored: StoredDecision; created: boolean }> {
    const existing = this.decisions.get(decision.paymentId);
    if (existing) return Promise.resolve({ stored: JSON.parse(existing.body), created: false });
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
    return Promise.resolve(e && { ...(JSON.parse(e.body) as StoredDecision), label: e.label });
  }

  list(filter: DecisionFilter): Promise<LabelledDecision[]> {
    // Filtered on the kept fields first: only the decisions listed are parsed.
    const kept = [...this.decisions.entries()]
      .filter(
        ([, e]) =>
          (filter.from === undefined || e.ts >= filter.from) &&
          (filter.to === undefined || e.ts < filter.to) &&
          (filter.decision === undefined || e.decision === filter.decision) &&
          (filter.cardId === undefined || e.cardId === filter.cardId),
      )
      .sort(([a, x], [b, y]) => x.ts - y.ts || (a < b ? -1 : 1));
    const out = (filter.limit === undefined ? kept : kept.slice(0, filter.limit)).map(
      ([, e]): LabelledDecision => ({ ...(JSON.parse(e.body) as StoredDecision), label: e.label }),
    );
    return Promise.resolve(out);
  }

  label(paymentId: string, label: DecisionLabel): Promise<boolean> {
    const e = this.decisions.get(paymentId);
    if (!e || e.label) return Promise.resolve(false);
    e.label = { ...label };
    return Promise.resolve(true);
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
    this.decisions.set(d.paymentId, {
      body: JSON.stringify(d),
      ts: d.featuresAsOf,
      decision: d.decision,
      cardId: d.payment.cardId,
      label: null,
    });
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
