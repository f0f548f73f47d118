// The risk feature set against its plain definitions, computed by brute force over the raw events: every
// payment's values in a point-in-time training set, from events in shuffled order, equal the definition.
import { expect, it } from 'vitest';
import {
  FeatureEngine,
  LiveModels,
  Random,
  SYSTEM_CLOCK,
  buildTrainingSet,
  compileFeatures,
  parseLabelSpec,
  tileSizeFor,
  validateEvent,
  type EventOf,
  type FeatureValue,
  type ShopEvent,
} from '../src/core/index.js';
import { RISK_FEATURES, RiskService } from '../src/apps/risk/index.js';
import { MemoryDecisionStore, MemoryModelStore, MemoryRuleStore } from '../src/adapters/memory/index.js';
import { DEFAULT_SIMULATION, simulateStore } from '../src/sim/index.js';
import { openEmbeddedStore } from '../src/adapters/sqlite/index.js';
import { PAYSIM_EPOCH } from '../src/adapters/files/index.js';
import { readFileSync } from 'node:fs';
import { HAS_SHARED_DATA, SHARED_DATA, runCli } from './helpers/cli.js';
import { freshDir } from './helpers/tmp.js';

const PAYSIM_FILE = `${SHARED_DATA}paysim-sample/paysim_sample.csv`;

const features = compileFeatures(RISK_FEATURES, 'risk features');

function simulated(): ShopEvent[] {
  const events: ShopEvent[] = [];
  simulateStore(
    { ...DEFAULT_SIMULATION, users: 400, products: 200, days: 20, seed: 5, fraudIncidentsPerKiloUserDay: 6 },
    (line) => {
      const r = validateEvent(JSON.parse(line));
      if (r.ok) events.push(r.event);
    },
  );
  return events;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WINDOW: Record<string, number> = {
  '1m': 60_000,
  '1h': HOUR,
  '24h': DAY,
  '7d': 7 * DAY,
  '30d': 30 * DAY,
};

/** The first timestamp a window as of T reaches back to: its tile's start (the engine's documented bound). */
function windowStart(t: number, w: number): number {
  const tile = tileSizeFor(w);
  return Math.floor((t - w) / tile) * tile;
}

function close(a: FeatureValue | undefined, b: FeatureValue | undefined): boolean {
  if (typeof a === 'number' && typeof b === 'number')
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

interface History {
  readonly payments: EventOf<'payment'>[];
  readonly labels: EventOf<'label'>[];
  readonly users: EventOf<'user'>[];
  readonly paymentOf: Map<string, EventOf<'payment'>>;
}

function historyOf(events: readonly ShopEvent[]): History {
  const payments = events.filter((e): e is EventOf<'payment'> => e.type === 'payment');
  return {
    payments,
    labels: events.filter((e): e is EventOf<'label'> => e.type === 'label'),
    users: events.filter((e): e is EventOf<'user'> => e.type === 'user'),
    paymentOf: new Map(payments.map((p) => [p.paymentId, p])),
  };
}

/** The risk features of payment `p` by their plain definitions: brute-force counts over the raw events. */
function definition(p: EventOf<'payment'>, { payments, labels, users, paymentOf }: History) {
  const T = p.ts;
  const before = payments.filter((q) => q.ts < T);
  const inWindow = (w: string) => before.filter((q) => q.ts >= windowStart(T, WINDOW[w] as number));
  const expected: Record<string, FeatureValue> = {};
  for (const w of ['1m', '1h', '24h', '7d', '30d']) {
    const card = inWindow(w).filter((q) => q.cardId === p.cardId);
    expected[`card_payments_${w}`] = card.length;
    expected[`card_amount_${w}`] = card.reduce((s, q) => s + q.amount, 0);
    expected[`device_payments_${w}`] = p.deviceId
      ? inWindow(w).filter((q) => q.deviceId === p.deviceId).length
      : null;
    expected[`email_amount_${w}`] = p.email
      ? inWindow(w)
          .filter((q) => q.email === p.email)
          .reduce((s, q) => s + q.amount, 0)
      : null;
  }
  const distinct = (qs: EventOf<'payment'>[], pick: (q: EventOf<'payment'>) => string | undefined) =>
    new Set(qs.map(pick).filter((v) => v !== undefined)).size;
  expected.device_cards_24h = p.deviceId
    ? distinct(
        inWindow('24h').filter((q) => q.deviceId === p.deviceId),
        (q) => q.cardId,
      )
    : null;
  expected.card_countries_7d = distinct(
    inWindow('7d').filter((q) => q.cardId === p.cardId),
    (q) => q.ipCountry,
  );
  const userAmounts = inWindow('30d')
    .filter((q) => q.userId === p.userId)
    .map((q) => q.amount);
  const mean = userAmounts.reduce((s, x) => s + x, 0) / userAmounts.length;
  const std = Math.sqrt(userAmounts.reduce((s, x) => s + (x - mean) ** 2, 0) / (userAmounts.length - 1));
  expected.user_amount_z_30d = userAmounts.length >= 2 && std > 0 ? (p.amount - mean) / std : null;
  expected.user_amount_ratio_30d = userAmounts.length >= 1 && mean > 0 ? p.amount / mean : null;
  expected.amount = p.amount;
  const mine = before.filter((q) => q.userId === p.userId);
  expected.new_card_for_user = mine.some((q) => q.cardId === p.cardId) ? 0 : 1;
  expected.new_device_for_user = p.deviceId ? (mine.some((q) => q.deviceId === p.deviceId) ? 0 : 1) : null;
  expected.new_country_for_user = p.ipCountry
    ? mine.some((q) => q.ipCountry === p.ipCountry)
      ? 0
      : 1
    : null;
  const mismatch = (a?: string, b?: string) => (a && b ? (a === b ? 0 : 1) : null);
  expected.billing_ip_mismatch = mismatch(p.billingCountry, p.ipCountry);
  expected.billing_shipping_mismatch = mismatch(p.billingCountry, p.shippingCountry);
  const cardBefore = before.filter((q) => q.cardId === p.cardId);
  expected.card_since_last_payment = cardBefore.length ? T - Math.max(...cardBefore.map((q) => q.ts)) : null;
  const signups = users.filter((u) => u.userId === p.userId && u.ts < T);
  expected.account_age = signups.length ? T - Math.min(...signups.map((u) => u.ts)) : null;
  // A chargeback is known once both it and the payment it names are: both before T.
  const chargebacks = (match: (q: EventOf<'payment'>) => boolean) =>
    labels.filter((l) => {
      const q = paymentOf.get(l.paymentId);
      return l.isFraud && l.ts < T && q !== undefined && q.ts < T && match(q);
    }).length;
  expected.card_chargebacks = chargebacks((q) => q.cardId === p.cardId);
  expected.email_chargebacks = p.email ? chargebacks((q) => q.email === p.email) : null;
  expected.device_chargebacks = p.deviceId ? chargebacks((q) => q.deviceId === p.deviceId) : null;
  return expected;
}

/** Checks `values` against the definition; returns how many values it checked. */
function expectDefinition(
  id: string,
  values: Readonly<Record<string, FeatureValue>>,
  expected: Record<string, FeatureValue>,
): number {
  let checked = 0;
  for (const [name, value] of Object.entries(expected)) {
    if (!close(values[name], value)) {
      throw new Error(
        `${id} ${name}: engine ${JSON.stringify(values[name])}, definition ${JSON.stringify(value)}`,
      );
    }
    checked++;
  }
  return checked;
}

it('every payment of a shuffled history gets the risk features of their plain definitions', () => {
  const events = simulated();
  const shuffled = [...events, ...events.slice(0, 500)];
  const rng = new Random(3);
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j] as ShopEvent, shuffled[i] as ShopEvent];
  }
  const { rows } = buildTrainingSet(shuffled, features, parseLabelSpec('fraud:2d'));
  const history = historyOf(events);
  expect(history.labels.filter((l) => l.isFraud).length).toBeGreaterThan(20);
  // Rows are matured payments: every one of them is checked.
  expect(rows.length).toBeGreaterThan(500);
  let checked = 0;
  let chargebacksSeen = 0;
  for (const row of rows) {
    const expected = definition(history.paymentOf.get(row.id) as EventOf<'payment'>, history);
    chargebacksSeen += (expected.card_chargebacks as number) + ((expected.device_chargebacks as number) ?? 0);
    checked += expectDefinition(row.id, row.values, expected);
  }
  expect(checked).toBeGreaterThan(rows.length * 30);
  expect(chargebacksSeen).toBeGreaterThan(0);
});

it('the live decisions read the risk features of their plain definitions (the stream, in time order)', async () => {
  const events = simulated().sort((a, b) => a.ts - b.ts);
  const decisions = new MemoryDecisionStore();
  const service = await RiskService.open({
    engine: new FeatureEngine(features, { outOfOrdernessMs: 60_000, allowedLatenessMs: 600_000 }),
    decisions,
    rules: new MemoryRuleStore(),
    models: new LiveModels(new MemoryModelStore()),
    clock: SYSTEM_CLOCK,
  });
  for (let i = 0; i < events.length; i += 997) await service.process(events.slice(i, i + 997));
  const history = historyOf(events);
  const stored = await decisions.list({});
  expect(stored.length).toBe(history.payments.length);
  let checked = 0;
  for (const d of stored) {
    const p = history.paymentOf.get(d.paymentId) as EventOf<'payment'>;
    checked += expectDefinition(d.paymentId, d.features, definition(p, history));
  }
  expect(checked).toBeGreaterThan(stored.length * 30);
});

it.skipIf(!HAS_SHARED_DATA)(
  'on PaySim: the recipient, transaction-type and balance features equal their definitions over the raw file',
  async () => {
    const tmp = freshDir();
    const imported = runCli(['import', PAYSIM_FILE, '--preset', 'paysim', '--data', tmp.dir]);
    expect(imported.code, imported.stderr).toBe(0);
    const store = openEmbeddedStore(tmp.dir);
    const events = (await store.log.read(0, 1_000_000)).map((r) => r.event);
    await store.close();
    tmp.remove();
    const { rows } = buildTrainingSet(events, features, parseLabelSpec('fraud:1d'));
    const payments = events.filter((e): e is EventOf<'payment'> => e.type === 'payment');
    const paymentOf = new Map(payments.map((p) => [p.paymentId, p]));
    const frauds = events.filter((e): e is EventOf<'label'> => e.type === 'label' && e.isFraud);
    expect(rows.length).toBe(payments.length);
    // The file's own columns, by payer, hour and amount (unique in the sample), for the balance features.
    const [head, ...lines] = readFileSync(PAYSIM_FILE, 'utf8').trim().split('\n');
    const columns = (head as string).split(',');
    const raw = new Map(
      lines.map((line) => {
        const cells = Object.fromEntries(line.split(',').map((c, i) => [columns[i], c]));
        return [`${cells.nameOrig}|${cells.step}|${Number(cells.amount)}`, cells];
      }),
    );
    let rates = 0;
    // Every 97th row: each check scans the whole file.
    for (let r = 0; r < rows.length; r += 97) {
      const row = rows[r]!;
      const p = paymentOf.get(row.id)!;
      const T = p.ts;
      const before = payments.filter((q) => q.ts < T);
      const toMerchant = before.filter((q) => q.merchantId === p.merchantId);
      const day = toMerchant.filter((q) => q.ts >= windowStart(T, DAY));
      const known = (match: (q: EventOf<'payment'>) => boolean) =>
        frauds.filter((l) => {
          const q = paymentOf.get(l.paymentId);
          return l.ts < T && q !== undefined && q.ts < T && match(q);
        }).length;
      const ofMethod = before.filter((q) => q.method === p.method).length;
      const methodFrauds = known((q) => q.method === p.method);
      const merchantFrauds = known((q) => q.merchantId === p.merchantId);
      const expected: Record<string, FeatureValue> = {
        merchant_payments_24h: day.length,
        merchant_amount_24h: day.reduce((s, q) => s + q.amount, 0),
        merchant_cards_24h: new Set(day.map((q) => q.cardId)).size,
        merchant_payments: toMerchant.length,
        merchant_chargebacks: merchantFrauds,
        merchant_fraud_rate: toMerchant.length > 0 ? merchantFrauds / toMerchant.length : null,
        method_payments: ofMethod,
        method_chargebacks: methodFrauds,
        method_fraud_rate: ofMethod > 0 ? methodFrauds / ofMethod : null,
      };
      const cells = raw.get(`${p.cardId}|${(T - PAYSIM_EPOCH) / HOUR + 1}|${p.amount}`) as Record<
        string,
        string
      >;
      const [before0, after0, dest0, dest1] = [
        'oldbalanceOrg',
        'newbalanceOrig',
        'oldbalanceDest',
        'newbalanceDest',
      ].map((c) => Number(cells[c]));
      Object.assign(expected, {
        balance_before: before0,
        balance_after: after0,
        recipient_balance_before: dest0,
        recipient_balance_after: dest1,
        amount_of_balance: (before0 as number) > 0 ? p.amount / (before0 as number) : null,
        balance_drop: (before0 as number) - (after0 as number),
        recipient_balance_rise: (dest1 as number) - (dest0 as number),
      });
      if (typeof expected.method_fraud_rate === 'number' && expected.method_fraud_rate > 0) rates++;
      for (const [name, value] of Object.entries(expected)) {
        if (!close(row.values[name], value)) {
          throw new Error(
            `${row.id} ${name}: engine ${JSON.stringify(row.values[name])}, definition ${JSON.stringify(value)}`,
          );
        }
      }
    }
    // Fraud in PaySim is transfers and cash-outs: their kinds' rates are above zero once frauds are known.
    expect(rates).toBeGreaterThan(50);
  },
  60_000,
);

it('a label that comes before its payment waits for it, and counts from its own time', () => {
  const engine = new FeatureEngine(features, { outOfOrdernessMs: 60_000, allowedLatenessMs: 3_600_000 });
  const t = Date.UTC(2026, 2, 1, 12);
  const payment = (id: string, ts: number, card: string): ShopEvent =>
    ({
      id,
      type: 'payment',
      ts,
      paymentId: id,
      amount: 10,
      currency: 'EUR',
      cardId: card,
      userId: 'u1',
    }) as ShopEvent;
  const label: ShopEvent = {
    id: 'l1',
    type: 'label',
    ts: t + 1000,
    paymentId: 'p1',
    isFraud: true,
    source: 'chargeback',
  };
  engine.process([label]);
  expect(engine.value('card_chargebacks', 'c1', t + 2000)).toBe(0);
  engine.process([payment('p1', t, 'c1')]);
  expect(engine.value('card_chargebacks', 'c1', t + 2000)).toBe(1);
  // The join survives a checkpoint: a second label for p1 after a restore still finds its card.
  const restored = new FeatureEngine(features, engine.options);
  restored.restore(structuredClone(engine.snapshot()));
  restored.process([{ ...label, id: 'l2', ts: t + 5000 } as ShopEvent]);
  expect(restored.value('card_chargebacks', 'c1', t + 6000)).toBe(2);
});
