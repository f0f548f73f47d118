// One scoring path from events to models: a model trained on the engine's point-in-time rows scores a payment
// event from the live state; rows given directly must carry the model's columns; promotion refuses what it
// cannot compare.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_ENGINE_OPTIONS,
  ERROR_CODES,
  FeatureEngine,
  LiveModels,
  Random,
  StreamRunner,
  SYSTEM_CLOCK,
  buildTrainingSet,
  compileFeatures,
  featureSource,
  parseLabelSpec,
  promote,
  trainRanking,
  trainTabular,
  versionEntry,
  type DataRow,
  type ShopEvent,
} from '../src/core/index.js';
import {
  MemoryCheckpointStore,
  MemoryDeadLetterStore,
  MemoryEventLog,
  MemoryModelStore,
} from '../src/adapters/memory/index.js';
import { buildServer } from '../src/server/index.js';

const features = compileFeatures({
  features: [
    { name: 'card_payments_1h', on: ['payment'], by: 'card', agg: 'count', window: '1h' },
    { name: 'card_amount_mean_7d', on: ['payment'], by: 'card', agg: 'mean', value: 'amount', window: '7d' },
  ],
});
const spec = parseLabelSpec('fraud:30d');
const DAY = 86_400_000;

/** 60 days of ordinary payments (one now and then per card), and card-testing bursts that are chargebacked. */
function history(end: number): ShopEvent[] {
  const rng = new Random(4);
  const events: ShopEvent[] = [];
  let n = 0;
  const pay = (ts: number, card: string, amount: number): string => {
    const id = `pay${++n}`;
    events.push({ id, type: 'payment', ts, paymentId: id, amount, currency: 'EUR', cardId: card });
    return id;
  };
  for (let k = 0; k < 1500; k++)
    pay(end - rng.int(1, 60 * DAY), `card${rng.int(1, 300)}`, 20 + rng.int(0, 200));
  for (let b = 0; b < 60; b++) {
    let t = end - rng.int(35 * DAY, 60 * DAY);
    for (let k = 0; k < rng.int(3, 8); k++) {
      const id = pay((t += rng.int(5_000, 60_000)), `probe${b}`, 1 + rng.int(0, 4));
      events.push({
        id: `l-${id}`,
        type: 'label',
        ts: t + 5 * DAY,
        paymentId: id,
        isFraud: true,
        source: 'chargeback',
      });
    }
  }
  return events.sort((a, b) => a.ts - b.ts);
}

describe('POST /v1/models/{name}/score and the columns of /predict', () => {
  const log = new MemoryEventLog();
  const models = new MemoryModelStore();
  let app: ReturnType<typeof buildServer>;

  beforeAll(async () => {
    const now = Date.now();
    const events = history(now - 60_000);
    await log.append(events.map((event) => ({ event })));
    const { rows } = buildTrainingSet(events, features, spec);
    const table: DataRow[] = rows.map((r) => ({ ...r.values, fraud: r.label }));
    const result = await trainTabular(table, { label: 'fraud', model: 'logistic', importanceRows: 0 });
    const entry = versionEntry(result, {
      fingerprint: 'scoring-test',
      params: { label: 'fraud:30d', source: featureSource(features, spec, 'fraud:30d') },
    });
    await models.add('fraud', entry, now);
    await promote(models, 'fraud', 1, { now });
    const engine = new FeatureEngine(features, { ...DEFAULT_ENGINE_OPTIONS, wallClock: SYSTEM_CLOCK });
    const runner = new StreamRunner(engine, log, new MemoryCheckpointStore(), SYSTEM_CLOCK);
    await runner.start();
    await runner.drain();
    app = buildServer({
      log,
      deadLetters: new MemoryDeadLetterStore(),
      features: runner,
      models: new LiveModels(models),
    });
  });

  const post = async (url: string, body: unknown) => {
    const res = await app.inject({ method: 'POST', url, payload: JSON.stringify(body) });
    return { status: res.statusCode, body: res.json() };
  };
  const payment = (id: string, card: string, amount: number) => ({
    id,
    type: 'payment',
    paymentId: id,
    amount,
    currency: 'EUR',
    cardId: card,
  });

  it('scores a payment event from the live features as known just before it, with a label at the stored threshold and reasons', async () => {
    const burst = [1, 2, 3, 4, 5].map((k) => payment(`live-${k}`, 'card-new', 2));
    expect((await post('/v1/events', burst)).body).toMatchObject({ accepted: 5 });
    await app.inject({ method: 'GET', url: '/health' }); // the engine drains after each accepted batch
    await new Promise((r) => setTimeout(r, 50));
    const scored = await post('/v1/models/fraud/score', payment('live-6', 'card-new', 2));
    expect(scored.status).toBe(200);
    expect(scored.body).toMatchObject({ model: 'fraud', version: 1, event: 'live-6', label: 1 });
    expect(scored.body.features).toEqual({ card_payments_1h: 5, card_amount_mean_7d: 2 });
    expect(scored.body.score).toBeGreaterThanOrEqual(scored.body.threshold);
    expect(scored.body.reasons[0]).toMatchObject({ feature: 'card_payments_1h', value: 5 });
    // An ordinary card's payment: no burst, no alarm.
    const calm = await post('/v1/models/fraud/score', { event: payment('live-7', 'card-calm', 80) });
    expect(calm.body).toMatchObject({ label: 0, features: { card_payments_1h: 0 } });
    expect(calm.body.score).toBeLessThan(calm.body.threshold);
  });

  it('refuses an event of another type, or one older than the live state holds', async () => {
    const view = await post('/v1/models/fraud/score', { id: 'v1', type: 'view', productId: 'p1' });
    expect(view).toMatchObject({ status: 400, body: { error: ERROR_CODES.INVALID_EVENT, field: 'type' } });
    const old = await post('/v1/models/fraud/score', {
      ...payment('old', 'c', 1),
      ts: '2020-01-01T00:00:00Z',
    });
    expect(old).toMatchObject({ status: 400, body: { error: ERROR_CODES.INVALID_FIELD, field: 'ts' } });
  });

  it("predict: a row without the model's columns, or with unknown ones, is an error naming them", async () => {
    const empty = await post('/v1/models/fraud/predict', { row: {} });
    expect(empty).toMatchObject({
      status: 400,
      body: { error: ERROR_CODES.MISSING_FIELD, field: 'card_payments_1h' },
    });
    expect(empty.body.message).toContain('card_amount_mean_7d');
    const bogus = await post('/v1/models/fraud/predict', {
      row: { card_payments_1h: 0, card_amount_mean_7d: 50, bogus: 1 },
    });
    expect(bogus).toMatchObject({ status: 400, body: { error: ERROR_CODES.UNKNOWN_FIELD, field: 'bogus' } });
    const allowed = await post('/v1/models/fraud/predict?allowMissing=true', {
      row: { card_payments_1h: 6 },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.body.warnings).toEqual([expect.stringContaining('card_amount_mean_7d')]);
    // The label column is known: it may travel with the row.
    const labelled = await post('/v1/models/fraud/predict', {
      row: { card_payments_1h: 0, card_amount_mean_7d: 50, fraud: 0 },
    });
    expect(labelled).toMatchObject({ status: 200, body: { label: 0 } });
  });
});

describe('promotion gate', () => {
  const table = (n: number, seed: number): DataRow[] => {
    const rng = new Random(seed);
    return Array.from({ length: n }, () => {
      const x = rng.next();
      return { x, y: x + rng.next() * 0.1, buy: rng.next() < x ? 1 : 0 };
    });
  };

  it('refuses a candidate of another task, another label or without validation rows unless forced', async () => {
    const store = new MemoryModelStore();
    const add = async (options: Parameters<typeof trainTabular>[1], params: Record<string, unknown>) => {
      const result = await trainTabular(table(400, 1), { ...options, importanceRows: 0 });
      return (await store.add('m', versionEntry(result, { fingerprint: 'f', params }), 1)).version;
    };
    const binary = await add({ label: 'buy', model: 'logistic', drop: ['y'] }, { label: 'buy' });
    await promote(store, 'm', binary, { now: 1 });
    const regression = await add({ label: 'y', model: 'linear', drop: ['buy'] }, { label: 'y' });
    await expect(promote(store, 'm', regression, { now: 2 })).rejects.toMatchObject({
      code: ERROR_CODES.MODEL_REFUSED,
      message: expect.stringContaining('regression model and production is binary'),
    });
    const otherLabel = await add({ label: 'buy', model: 'svm', drop: ['y'] }, { label: 'fraud:7d' });
    await expect(promote(store, 'm', otherLabel, { now: 3 })).rejects.toMatchObject({
      message: expect.stringContaining('predicts "fraud:7d"'),
    });
    const forced = await promote(store, 'm', regression, { now: 4, force: true });
    expect(forced).toMatchObject({ forced: true, promoted: { version: regression, stage: 'production' } });
  });

  it('compares a candidate whose validation rows leave out missing cells, and a ranker only with a ranker', async () => {
    const store = new MemoryModelStore();
    const rows = table(600, 2);
    const first = await trainTabular(rows, {
      label: 'buy',
      model: 'logistic',
      drop: ['y'],
      importanceRows: 0,
    });
    await store.add('m', versionEntry(first, { fingerprint: 'f', params: { label: 'buy' } }), 1);
    await promote(store, 'm', 1, { now: 1 });
    // A tree model keeping missing values: the first validation rows have no `x` (a cell left out, as JSON does).
    const sparse = rows.map((r, i) => (i % 3 === 0 ? { y: r.y, buy: r.buy } : r));
    const trees = await trainTabular(sparse, {
      label: 'buy',
      model: 'gbdt',
      drop: ['y'],
      pipeline: { missing: 'keep' },
      settings: { nEstimators: 20, maxDepth: 3 },
      importanceRows: 0,
    });
    // Validation rows lacking `x` first: a check of the first row alone would call the column absent.
    const order = trees.test.rows
      .map((r, i) => i)
      .sort((a, b) => +('x' in trees.test.rows[a]!) - +('x' in trees.test.rows[b]!));
    expect('x' in trees.test.rows[order[0]!]!).toBe(false);
    const reordered = {
      ...trees,
      test: {
        rows: order.map((i) => trees.test.rows[i]!),
        labels: Float64Array.from(order, (i) => trees.test.labels[i]!),
      },
    };
    const version = (
      await store.add('m', versionEntry(reordered, { fingerprint: 'g', params: { label: 'buy' } }), 2)
    ).version;
    const compared = await promote(store, 'm', version, { now: 2, force: true });
    expect(compared.comparison).toMatchObject({ metric: 'auc', rows: trees.test.rows.length });
    // A column no validation row has: another table, unless both were trained on the same features' table.
    const withoutX = await trainTabular(
      rows.map(({ y, buy }) => ({ y, buy, z: (y as number) * 2 })),
      {
        label: 'buy',
        model: 'gbdt',
        drop: ['y'],
        settings: { nEstimators: 5, maxDepth: 2 },
        importanceRows: 0,
      },
    );
    const source = { label: 'buy', rowType: 'payment', features: [{ name: 'x' }, { name: 'z' }] };
    const other = (
      await store.add('m', versionEntry(withoutX, { fingerprint: 'h', params: { label: 'buy' } }), 3)
    ).version;
    await expect(promote(store, 'm', other, { now: 3 })).rejects.toMatchObject({
      message: expect.stringContaining("lack production's columns x"),
    });
    await store.add('m', versionEntry(first, { fingerprint: 'f', params: { label: 'buy', source } }), 4);
    await promote(store, 'm', 4, { now: 4, force: true });
    const same = (
      await store.add('m', versionEntry(withoutX, { fingerprint: 'h', params: { label: 'buy', source } }), 5)
    ).version;
    const sameResult = await promote(store, 'm', same, { now: 5, force: true });
    expect(sameResult.comparison).toMatchObject({ metric: 'auc' });
    const ranker = await trainRanking(
      rows.map((r, i) => ({ ...r, q: `q${i % 40}`, grade: r.buy })),
      {
        label: 'grade',
        group: 'q',
        drop: ['y', 'buy'],
        settings: { nEstimators: 10, maxDepth: 2 },
        importanceRows: 0,
      },
    );
    const rankVersion = (
      await store.add('m', versionEntry(ranker, { fingerprint: 'r', params: { label: 'buy' } }), 6)
    ).version;
    await expect(promote(store, 'm', rankVersion, { now: 3 })).rejects.toMatchObject({
      message: expect.stringContaining('it is a rank model and production is binary'),
    });
  });
});
