// The live risk service: decides each payment from the stream engine's state just before it, the production
// `risk` model, the live rule set and lists; stores the decision; feeds labels to the decisions and the online
// model. The same `decideNow` serves the API (POST /v1/risk/payments) and the stream (payments that came through
// /v1/events or an import), so a payment is decided by one code whichever way it came.
import {
  featureSourceOf,
  isShopstreamError,
  sourceFeatures,
  type Clock,
  type CompiledFeature,
  type DecisionStore,
  type EventOf,
  type FeatureEngine,
  type LiveModel,
  type LiveModels,
  type RuleStore,
  type ShopEvent,
  type StoredDecision,
  type StreamProcessor,
  type VectorReader,
} from '../../core/index.js';
import {
  applyDecidingPayments,
  decide,
  featureVector,
  opinionOf,
  paymentFields,
  ruleNames,
} from './decide.js';
import { DEFAULT_RULES } from './default-rules.js';
import { RISK_FEATURE_NAMES, modelColumns } from './feature-set.js';
import { Lists } from './lists.js';
import { OnlineRiskModel, type OnlineSnapshot } from './online.js';
import { compileRuleSet, type CompiledRuleSet } from './rules.js';
import { DecisionStats } from './stats.js';
import { ShadowTracker, type ShadowOptions } from './shadow.js';

export const RISK_MODEL = 'risk';
export const RISK_MATURITY_MS = 30 * 86_400_000;
const MATURITY_STEP_MS = 60_000;

export interface RiskServiceOptions {
  /** The live engine; it must compute the risk features (`withRiskFeatures`). */
  readonly engine: FeatureEngine;
  readonly decisions: DecisionStore;
  readonly rules: RuleStore;
  readonly models: LiveModels;
  readonly clock: Clock;
  /** The model whose production version scores payments (default `risk`). */
  readonly modelName?: string;
  /** Labels later than this after their payment do not teach the online model; unlabelled payments are negatives then. */
  readonly maturityMs?: number;
  readonly shadow?: ShadowOptions;
}

/** A model that can read the risk features, or why it cannot. */
type Usable = { model: LiveModel } | { refused: string };

export class RiskService implements StreamProcessor<OnlineSnapshot> {
  /** Its state is checkpointed beside the stream engine's under this name. */
  readonly name = 'risk';
  readonly engine: FeatureEngine;
  /** The risk features, as the engine computes them, in the feature set's order. */
  readonly features: readonly CompiledFeature[];
  readonly online: OnlineRiskModel;
  readonly stats = new DecisionStats();
  readonly shadow: ShadowTracker | undefined;
  readonly modelName: string;
  private ruleSet!: CompiledRuleSet;
  private rulesVersion = 0;
  private lists: Lists = Lists.EMPTY;
  private seenRevision = -1;
  private readonly names: ReadonlySet<string>;
  /** Payments posted to the API and landed, waiting for the stream to decide them. */
  private readonly awaited = new Map<string, (decision: StoredDecision) => void>();
  private readonly inFlight = new Map<string, Promise<{ stored: StoredDecision; created: boolean }>>();
  private readonly usable = new Map<string, Usable>();
  private readonly reader: VectorReader;
  private readonly onlineScore: (numbers: ArrayLike<number>) => number | null;

  private constructor(private readonly options: RiskServiceOptions) {
    this.engine = options.engine;
    const byName = new Map(options.engine.features.map((f) => [f.name, f]));
    const missing = RISK_FEATURE_NAMES.filter((n) => !byName.has(n));
    if (missing.length > 0) {
      throw new Error(`the engine lacks the risk features ${missing.join(', ')}: build it withRiskFeatures`);
    }
    this.features = RISK_FEATURE_NAMES.map((n) => byName.get(n) as CompiledFeature);
    this.reader = options.engine.reader(RISK_FEATURE_NAMES);
    this.names = ruleNames(RISK_FEATURE_NAMES);
    this.modelName = options.modelName ?? RISK_MODEL;
    this.online = new OnlineRiskModel(modelColumns(this.features), options.maturityMs ?? RISK_MATURITY_MS);
    this.shadow = options.shadow && new ShadowTracker(options.shadow, this.names);
    this.onlineScore = this.online.scorer(RISK_FEATURE_NAMES);
  }

  /** Opens the service; a store without a rule set gets the default one as version 1. */
  static async open(options: RiskServiceOptions): Promise<RiskService> {
    const service = new RiskService(options);
    if (!(await options.rules.rules())) await options.rules.deployRules(DEFAULT_RULES, options.clock.now());
    await service.refresh();
    return service;
  }

  get versions(): { rulesVersion: number; listsVersion: number } {
    return { rulesVersion: this.rulesVersion, listsVersion: this.lists.version };
  }

  get currentLists(): Lists {
    return this.lists;
  }

  /** Picks up a deployed rule set or changed lists (also by another process); cheap when nothing changed. */
  async refresh(): Promise<void> {
    const revision = await this.options.rules.revision();
    if (revision === this.seenRevision) return;
    const stored = await this.options.rules.rules();
    if (stored && stored.version !== this.rulesVersion) {
      this.ruleSet = compileRuleSet(stored.document, this.names);
      this.rulesVersion = stored.version;
    }
    this.lists = Lists.asOf(await this.options.rules.listHistory());
    this.seenRevision = revision;
  }

  /** The production model and the columns it reads, or why it cannot score (none, or trained on other features). */
  model(): Usable | undefined {
    const live = this.options.models.list().find((m) => m.meta.name === this.modelName);
    return live && this.check(live);
  }

  private check(live: LiveModel): Usable {
    const key = `${live.meta.name}@${live.meta.version}`;
    let usable = this.usable.get(key);
    if (usable) return usable;
    const source = featureSourceOf(live.meta);
    const risk = new Set(RISK_FEATURE_NAMES);
    const unread = live.model.columns.find((c) => !risk.has(c));
    const train = 'train it with shopstream risk train';
    if (source === undefined)
      usable = { refused: `${key} was trained on a table, not the risk features; ${train}` };
    else if (unread !== undefined)
      usable = { refused: `${key} reads ${unread}, not a risk feature; ${train}` };
    else {
      try {
        sourceFeatures(this.engine, source);
        usable = { model: live };
      } catch (error) {
        if (!isShopstreamError(error)) throw error;
        usable = { refused: `${key}: ${error.message}` };
      }
    }
    this.usable.set(key, usable);
    return usable;
  }

  /**
   * Decides a payment from the engine as it is: every event before the payment must be applied, the payment
   * not yet. Synchronous: nothing can change the state between reading it and deciding.
   */
  decideNow(payment: EventOf<'payment'>, via: StoredDecision['via']): StoredDecision {
    const vector = featureVector(this.reader, payment);
    const values = vector.values;
    const fields = paymentFields(payment);
    const usable = this.model();
    const opinion = usable && 'model' in usable ? opinionOf(usable.model, values, vector) : undefined;
    const outcome = decide({
      payment: fields,
      features: values,
      model: opinion,
      rules: this.ruleSet,
      lists: this.lists,
    });
    if (usable && 'refused' in usable)
      outcome.reasons.push({ code: 'MODEL_REFUSED', message: usable.refused });
    const decision: StoredDecision = {
      paymentId: payment.paymentId,
      ...outcome,
      modelVersion: opinion?.ref ?? null,
      rulesVersion: this.rulesVersion,
      listsVersion: this.lists.version,
      featuresAsOf: payment.ts,
      features: values,
      payment: fields,
      onlineScore: this.onlineScore(vector.numbers),
      via,
      decidedAt: this.options.clock.now(),
    };
    this.stats.add(decision);
    this.shadow?.compare(decision, this.ruleSet, opinion, this.lists);
    return decision;
  }

  /**
   * The API's path: the payment lands in the log (`land`; a refusal throws and is the answer), then `catchUp`
   * applies the log — and the stream's own path (`process`) decides the payment just before the engine applies
   * it, as it decides every other payment, from every event before it in the log. So payments posted at once are
   * decided in their log order, each seeing the ones before (a backtest makes the same decisions), and their
   * decisions are stored together. One decision per payment id: requests at once share the first one's, and a
   * payment the store already decided (also by another process) is answered from the store.
   */
  decidePayment(
    payment: EventOf<'payment'>,
    catchUp: () => Promise<unknown>,
    land: (payment: EventOf<'payment'>) => Promise<void>,
  ): Promise<{ stored: StoredDecision; created: boolean }> {
    const pending = this.inFlight.get(payment.paymentId);
    if (pending) return pending.then((r) => ({ stored: r.stored, created: false }));
    const work = (async () => {
      const stored = async (): Promise<{ stored: StoredDecision; created: boolean }> => {
        const d = await this.options.decisions.get(payment.paymentId);
        if (!d) throw new Error(`payment ${payment.paymentId}: in the log but not decided`);
        return { stored: d, created: false };
      };
      if (await this.options.decisions.has(payment.paymentId)) return stored();
      const mine: { decision?: StoredDecision } = {};
      this.awaited.set(payment.paymentId, (d) => (mine.decision = d));
      try {
        await land(payment);
        await catchUp();
      } finally {
        this.awaited.delete(payment.paymentId);
      }
      // Decided and stored in this catch-up; else (the log held the payment already, or another process stored
      // its decision first) the store has the one that counts.
      return mine.decision ? { stored: mine.decision, created: true } : stored();
    })();
    this.inFlight.set(payment.paymentId, work);
    return work.finally(() => this.inFlight.delete(payment.paymentId));
  }

  /**
   * The stream's path (the runner's processor): applies a micro-batch, deciding each payment just before it is
   * applied; stores the decisions at once; then records labels on their decisions and teaches the online model.
   */
  async process(events: readonly ShopEvent[]): Promise<void> {
    await this.refresh();
    const made: StoredDecision[] = [];
    applyDecidingPayments(this.engine, events, (payment) => {
      made.push(this.decideNow(payment, this.awaited.has(payment.paymentId) ? 'api' : 'stream'));
    });
    // All new to the store: the API's ones were created here. Else (some were stored already, as after a restart
    // from an older checkpoint, or by another process) each waited one is compared with what the store kept.
    const added = await this.options.decisions.putMany(made);
    for (const d of made) {
      const resolve = this.awaited.get(d.paymentId);
      if (!resolve) continue;
      if (added === made.length) resolve(d);
      else {
        const kept = await this.options.decisions.get(d.paymentId);
        if (kept && kept.decidedAt === d.decidedAt && kept.via === d.via) resolve(d);
      }
    }
    for (const e of events) if (e.type === 'label') await this.onLabel(e);
    await this.mature();
  }

  /** A label joins its payment's decision (the first label counts) and teaches the online model within maturity. */
  private async onLabel(label: EventOf<'label'>): Promise<void> {
    const stored = await this.options.decisions.get(label.paymentId);
    if (!stored || stored.label) return;
    await this.options.decisions.label(label.paymentId, {
      isFraud: label.isFraud,
      source: label.source,
      ts: label.ts,
    });
    if (
      label.ts - stored.featuresAsOf <= this.online.maturityMs &&
      stored.featuresAsOf >= this.online.maturedUntil
    ) {
      this.online.learn(stored.features, label.isFraud);
    }
  }

  /** Payments whose maturity passed without a label are legitimate: the online model learns them as negatives. */
  private async mature(): Promise<void> {
    const horizon = this.engine.clock - this.online.maturityMs;
    // A minute of payments at a time at most: the store is asked once a minute of event time, not per batch.
    if (!Number.isFinite(horizon) || horizon < this.online.maturedUntil + MATURITY_STEP_MS) return;
    const from = Number.isFinite(this.online.maturedUntil) ? this.online.maturedUntil : undefined;
    for (const d of await this.options.decisions.list({
      ...(from === undefined ? {} : { from }),
      to: horizon,
    })) {
      if (d.label === null) this.online.learn(d.features, false);
    }
    this.online.maturedUntil = horizon;
  }

  snapshot(): OnlineSnapshot {
    return this.online.snapshot();
  }

  restore(snapshot: OnlineSnapshot): void {
    this.online.restore(snapshot);
  }
}
