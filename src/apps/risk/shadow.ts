// Shadow mode: every live decision is also made with a candidate rule set and/or model, never served, and the
// two compared — what the candidate would have changed, on live traffic, before it is deployed.
import { RISK_ACTIONS, type LiveModel, type RiskAction, type StoredDecision } from '../../core/index.js';
import { decide, opinionOf, type ModelOpinion } from './decide.js';
import type { Lists } from './lists.js';
import { compileRuleSet, type CompiledRuleSet } from './rules.js';

export interface ShadowOptions {
  /** A candidate rule set (a rule file's document) and where it came from. */
  readonly rules?: { readonly document: unknown; readonly source: string };
  /** A candidate model version, loaded. */
  readonly model?: LiveModel;
}

export interface ShadowDifference {
  readonly paymentId: string;
  readonly live: RiskAction;
  readonly shadow: RiskAction;
  readonly liveScore: number | null;
  readonly shadowScore: number | null;
  readonly shadowRuleHits: readonly string[];
}

/** Differences kept for GET /v1/risk/shadow, newest last. */
export const SHADOW_RECENT = 100;

export class ShadowTracker {
  private readonly rules: CompiledRuleSet | undefined;
  private readonly matrix: Record<RiskAction, Record<RiskAction, number>>;
  private readonly recent: ShadowDifference[] = [];
  private total = 0;
  private agree = 0;

  constructor(
    private readonly options: ShadowOptions,
    names: ReadonlySet<string>,
  ) {
    this.rules = options.rules && compileRuleSet(options.rules.document, names);
    this.matrix = Object.fromEntries(
      RISK_ACTIONS.map((a) => [a, Object.fromEntries(RISK_ACTIONS.map((b) => [b, 0]))]),
    ) as Record<RiskAction, Record<RiskAction, number>>;
  }

  compare(
    live: StoredDecision,
    liveRules: CompiledRuleSet,
    liveModel: ModelOpinion | undefined,
    lists: Lists,
  ): void {
    const model = this.options.model ? opinionOf(this.options.model, live.features) : liveModel;
    const shadow = decide({
      payment: live.payment,
      features: live.features,
      model,
      rules: this.rules ?? liveRules,
      lists,
    });
    this.total++;
    this.matrix[live.decision][shadow.decision]++;
    if (shadow.decision === live.decision) {
      this.agree++;
      return;
    }
    this.recent.push({
      paymentId: live.paymentId,
      live: live.decision,
      shadow: shadow.decision,
      liveScore: live.score,
      shadowScore: shadow.score,
      shadowRuleHits: shadow.ruleHits,
    });
    if (this.recent.length > SHADOW_RECENT) this.recent.shift();
  }

  summary(): Record<string, unknown> {
    return {
      rules: this.options.rules?.source ?? 'live',
      model: this.options.model
        ? `${this.options.model.meta.name}@${this.options.model.meta.version}`
        : 'live',
      decisions: this.total,
      agreement: this.total === 0 ? null : this.agree / this.total,
      // matrix[live][shadow]: how many payments the live side decided one way and the shadow another.
      matrix: this.matrix,
      recentDifferences: [...this.recent],
    };
  }
}
