// The risk app's HTTP API under /v1/risk: decide a payment, read decisions, the review queue and its verdicts,
// rules and lists (deploy and change without a restart), decision statistics and the shadow comparison.
import type { FastifyInstance } from 'fastify';
import {
  ERROR_CODES,
  LIST_KINDS,
  RISK_ACTIONS,
  ShopstreamError,
  parseTimestamp,
  validateEvent,
  type Clock,
  type DecisionStore,
  type EventOf,
  type Ingestor,
  type IngestSummary,
  type ListChange,
  type RuleStore,
  type StoredDecision,
} from '../../core/index.js';
import { compileRuleSet, ruleNames, RISK_FEATURE_NAMES, type RiskService } from '../../apps/risk/index.js';
import { jsonObject } from './json-body.js';
import { groupLander } from './group-lander.js';

export interface RiskRouteOptions {
  readonly service: RiskService;
  readonly decisions: DecisionStore;
  readonly rules: RuleStore;
  readonly ingestor: Ingestor;
  readonly clock: Clock;
  readonly maxFutureMs: number;
  /** Applies everything the log holds (the stream engine's drain). */
  readonly catchUp: () => Promise<unknown>;
}

const SOURCE = 'http:risk';
const MAX_LIST = 1000;

function bad(message: string, field: string, code: string = ERROR_CODES.INVALID_FIELD): ShopstreamError {
  return new ShopstreamError(code as typeof ERROR_CODES.INVALID_FIELD, message, { field });
}

/** A decision as the API answers it: times in ISO 8601. */
export function decisionView(d: StoredDecision, full = false): Record<string, unknown> {
  const view: Record<string, unknown> = {
    paymentId: d.paymentId,
    decision: d.decision,
    score: d.score,
    reasons: d.reasons,
    ruleHits: d.ruleHits,
    modelVersion: d.modelVersion,
    rulesVersion: d.rulesVersion,
    listsVersion: d.listsVersion,
    featuresAsOf: new Date(d.featuresAsOf).toISOString(),
    onlineScore: d.onlineScore,
  };
  if (!full) return view;
  return {
    ...view,
    via: d.via,
    decidedAt: new Date(d.decidedAt).toISOString(),
    payment: d.payment,
    features: d.features,
  };
}

function timeParam(name: string, value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined;
  const raw = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  const ts = parseTimestamp(raw);
  if (ts === undefined) throw bad(`${name}: "${String(value)}" is not a time (ISO 8601 or epoch ms)`, name);
  return ts;
}

function limitParam(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIST)
    throw bad(`limit: must be a whole number from 1 to ${MAX_LIST}`, 'limit');
  return n;
}

/** The first refusal of an ingest summary as an error (the item was not stored). */
function refusal(summary: IngestSummary): ShopstreamError | undefined {
  if (summary.accepted > 0 || summary.duplicates > 0) return undefined;
  const e = summary.errors[0];
  return new ShopstreamError(
    (e?.code ?? ERROR_CODES.INVALID_EVENT) as typeof ERROR_CODES.INVALID_EVENT,
    e?.message ?? 'refused',
    {
      field: e?.field ?? '',
    },
  );
}

export function riskRoutes(app: FastifyInstance, options: RiskRouteOptions): void {
  const { service, decisions, rules, ingestor, clock } = options;
  const land = groupLander(ingestor, SOURCE);

  app.post('/v1/risk/payments', async (request, reply) => {
    const raw = jsonObject(request.body, '{"paymentId": …, "amount": …, "currency": …, "cardId": …}');
    const input: Record<string, unknown> = { type: 'payment', ...raw };
    if (input.id === undefined && typeof input.paymentId === 'string')
      input.id = `payment:${input.paymentId}`;
    if (input.type !== 'payment') {
      const message = `type: POST /v1/risk/payments decides payments, not ${JSON.stringify(input.type).slice(0, 40)} (send other events to /v1/events)`;
      await ingestor.reject(
        [
          {
            index: 0,
            code: ERROR_CODES.INVALID_FIELD,
            field: 'type',
            message,
            raw: JSON.stringify(raw).slice(0, 10_000),
          },
        ],
        SOURCE,
      );
      return reply.code(400).send({ error: ERROR_CODES.INVALID_FIELD, message, field: 'type' });
    }
    const checked = validateEvent(structuredClone(input), {
      now: clock.now(),
      maxFutureMs: options.maxFutureMs,
    });
    if (!checked.ok) {
      // Refused input is kept with its reason: the ingestor dead-letters it, and its summary names the field.
      const summary = await ingestor.ingestValues([input], SOURCE);
      const error = summary.errors[0] ?? checked.error;
      return reply.code(400).send({ error: error.code, message: error.message, field: error.field });
    }
    const payment = checked.event as EventOf<'payment'>;
    const { stored, created } = await service.decidePayment(payment, options.catchUp, land);
    return reply.code(created ? 201 : 200).send({ ...decisionView(stored), created });
  });

  app.get('/v1/risk/decisions', async (request) => {
    const q = request.query as Record<string, string | undefined>;
    for (const key of Object.keys(q)) {
      if (!['from', 'to', 'decision', 'cardId', 'limit'].includes(key)) {
        throw bad(`${key}: is not a parameter of this route (from, to, decision, cardId, limit)`, key);
      }
    }
    if (q.decision !== undefined && !RISK_ACTIONS.includes(q.decision as 'approve')) {
      throw bad(`decision: "${q.decision}" is not one of ${RISK_ACTIONS.join(', ')}`, 'decision');
    }
    const from = timeParam('from', q.from);
    const to = timeParam('to', q.to);
    const list = await decisions.list({
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(q.decision ? { decision: q.decision as 'approve' } : {}),
      ...(q.cardId ? { cardId: q.cardId } : {}),
      limit: limitParam(q.limit, 100),
    });
    return { decisions: list.map((d) => ({ ...decisionView(d), label: d.label })) };
  });

  app.get('/v1/risk/decisions/:paymentId', async (request) => {
    const { paymentId } = request.params as { paymentId: string };
    const d = await decisions.get(paymentId);
    if (!d) throw bad(`paymentId: no decision for payment ${paymentId}`, 'paymentId', ERROR_CODES.NOT_FOUND);
    return { ...decisionView(d, true), label: d.label, case: (await decisions.case(paymentId)) ?? null };
  });

  app.get('/v1/risk/review-queue', async (request) => {
    const q = request.query as Record<string, string | undefined>;
    const cases = await decisions.cases('open', limitParam(q.limit, 100));
    const items = [];
    for (const c of cases) {
      const d = await decisions.get(c.paymentId);
      items.push({
        ...c,
        openedAt: new Date(c.openedAt).toISOString(),
        decision: d && decisionView(d, true),
      });
    }
    return { returned: items.length, cases: items };
  });

  app.post('/v1/risk/review/:paymentId', async (request) => {
    const { paymentId } = request.params as { paymentId: string };
    const body = jsonObject(request.body, '{"verdict": "fraud" | "legit", "analyst": "…", "note": "…"}');
    if (body.verdict !== 'fraud' && body.verdict !== 'legit')
      throw bad('verdict: must be "fraud" or "legit"', 'verdict');
    if (typeof body.analyst !== 'string' || body.analyst.trim() === '' || body.analyst.length > 256) {
      throw bad('analyst: who decided, as non-empty text of at most 256 characters', 'analyst');
    }
    if (body.note !== undefined && (typeof body.note !== 'string' || body.note.length > 1000)) {
      throw bad('note: text of at most 1000 characters', 'note');
    }
    const open = await decisions.case(paymentId);
    if (!open || open.status !== 'open') {
      throw bad(
        `paymentId: payment ${paymentId} has no open review case`,
        'paymentId',
        ERROR_CODES.NOT_FOUND,
      );
    }
    const now = clock.now();
    // The verdict is a label event in the log, like a chargeback: features, decisions and the online model learn it.
    const label = {
      id: `label:analyst:${paymentId}`,
      type: 'label',
      ts: now,
      paymentId,
      isFraud: body.verdict === 'fraud',
      source: 'analyst',
    };
    const error = refusal(await ingestor.ingestValues([label], SOURCE));
    if (error) throw error;
    const verdict = {
      verdict: body.verdict as 'fraud' | 'legit',
      analyst: body.analyst,
      note: typeof body.note === 'string' ? body.note : null,
    };
    await decisions.closeCase(paymentId, verdict, now);
    await options.catchUp();
    return { paymentId, closed: true, label: { ...label, ts: new Date(now).toISOString() } };
  });

  app.get('/v1/risk/stats', async () => service.stats.summary());

  app.get('/v1/risk/shadow', async () => {
    if (!service.shadow) {
      throw bad(
        'no shadow is running: start serve with --shadow-rules FILE or --shadow-model NAME@V',
        'shadow',
        ERROR_CODES.NOT_FOUND,
      );
    }
    return service.shadow.summary();
  });

  app.get('/v1/risk/rules', async () => {
    await service.refresh();
    const live = await rules.rules();
    return {
      version: live?.version ?? 0,
      deployedAt: live && new Date(live.deployedAt).toISOString(),
      document: live?.document,
    };
  });

  app.post('/v1/risk/rules', async (request) => {
    const document = jsonObject(request.body, '{"rules": [...]}');
    compileRuleSet(document, ruleNames(RISK_FEATURE_NAMES));
    const stored = await rules.deployRules(document, clock.now());
    await service.refresh();
    return { version: stored.version, rules: (document.rules as unknown[]).length };
  });

  app.get('/v1/risk/lists', async () => {
    await service.refresh();
    const lists = service.currentLists;
    return { version: lists.version, ...lists.byKind() };
  });

  app.post('/v1/risk/lists', async (request) => {
    const body = jsonObject(
      request.body,
      '{"changes": [{"op": "add", "list": "block", "kind": "card", "value": "…"}]}',
    );
    const items = Array.isArray(body.changes) ? (body.changes as unknown[]) : [body];
    if (items.length === 0 || items.length > MAX_LIST)
      throw bad(`changes: 1 to ${MAX_LIST} changes`, 'changes');
    const changes = items.map((c, i) =>
      listChange(c, items.length === 1 && !Array.isArray(body.changes) ? '' : `changes[${i}].`),
    );
    const version = await rules.changeLists(changes, clock.now());
    await service.refresh();
    return { version, changes: changes.length };
  });
}

/** Checks one list change of a request; errors name the field. */
export function listChange(input: unknown, at: string): ListChange {
  const c = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  if (c.op !== 'add' && c.op !== 'remove') throw bad(`${at}op: must be "add" or "remove"`, `${at}op`);
  if (c.list !== 'allow' && c.list !== 'block')
    throw bad(`${at}list: must be "allow" or "block"`, `${at}list`);
  if (!LIST_KINDS.includes(c.kind as 'card'))
    throw bad(`${at}kind: must be one of ${LIST_KINDS.join(', ')}`, `${at}kind`);
  if (typeof c.value !== 'string' || c.value === '' || c.value.length > 320) {
    throw bad(`${at}value: non-empty text of at most 320 characters`, `${at}value`);
  }
  if (c.note !== undefined && (typeof c.note !== 'string' || c.note.length > 1000)) {
    throw bad(`${at}note: text of at most 1000 characters`, `${at}note`);
  }
  return {
    op: c.op,
    list: c.list,
    kind: c.kind as ListChange['kind'],
    value: c.value,
    ...(typeof c.note === 'string' ? { note: c.note } : {}),
  };
}
