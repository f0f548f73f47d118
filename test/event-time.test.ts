// Event time that holds whatever the arrival order: batch (replay, features as of T, training sets) equals a
// brute-force computation over the raw events, and the live engine over shuffled arrivals equals batch.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FeatureEngine,
  Random,
  StreamRunner,
  TrainingSetBuilder,
  compileFeatures,
  historyPages,
  parseLabelSpec,
  replayLog,
  tileSizeFor,
  validateEvent,
  type CompiledFeature,
  type FeatureValue,
  type ShopEvent,
  type TrainingRow,
} from '../src/core/index.js';
import { openEmbeddedStore } from '../src/adapters/sqlite/index.js';
import { DEFAULT_SIMULATION, simulateStore } from '../src/sim/index.js';
import { HAS_SHARED_DATA, lastJson, runCli, SHARED_DATA } from './helpers/cli.js';
import { freshDir } from './helpers/tmp.js';

const tmp = freshDir();
afterAll(() => tmp.remove());

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 2, 2);

const FEATURES = compileFeatures({
  features: [
    { name: 'user_views_1h', on: ['view'], by: 'user', agg: 'count', window: '1h' },
    { name: 'user_items_6h', on: ['view'], by: 'user', agg: 'distinct', value: 'productId', window: '6h' },
    { name: 'card_amount_6h', on: ['payment'], by: 'card', agg: 'sum', value: 'amount', window: '6h' },
    { name: 'card_max_1h', on: ['payment'], by: 'card', agg: 'max', value: 'amount', window: '1h' },
    {
      name: 'user_first_seen',
      on: ['view', 'payment'],
      by: 'user',
      agg: 'first_seen',
      window: 'lifetime',
    },
    { name: 'user_payments', on: ['payment'], by: 'user', agg: 'count', window: 'lifetime' },
    {
      name: 'card_big_payments_24h',
      on: ['payment'],
      by: 'card',
      agg: 'count',
      window: '24h',
      where: { field: 'amount', gt: 50 },
    },
  ],
});

const ENTITY_FIELD: Record<string, keyof ShopEvent & string> = { user: 'userId', card: 'cardId' } as never;

/**
 * The plain definition of a feature's value as of T over the raw events: the events of its types, entity and
 * `where`, with ts in the feature's span — [T − window, T) widened on the older side to its tile's start (the
 * documented span; exact when T is on a tile boundary) — aggregated directly.
 */
function bruteForce(
  feature: CompiledFeature,
  key: string,
  asOf: number,
  events: readonly ShopEvent[],
): FeatureValue {
  const tile = tileSizeFor(feature.windowMs);
  const from = Number.isFinite(feature.windowMs)
    ? Math.floor((asOf - feature.windowMs) / tile) * tile
    : -Infinity;
  const field = ENTITY_FIELD[feature.by] as string;
  const hits = events.filter((e) => {
    const r = e as unknown as Record<string, unknown>;
    if (!feature.on.includes(e.type) || r[field] !== key || e.ts < from || e.ts >= asOf) return false;
    const w = feature.where;
    return !w || (typeof r[w.field] === 'number' && (w.gt === undefined || (r[w.field] as number) > w.gt));
  });
  const values: unknown[] = hits.map((e) =>
    feature.value ? (e as unknown as Record<string, unknown>)[feature.value] : 0,
  );
  switch (feature.agg) {
    case 'count':
      return hits.length;
    case 'sum':
      return values.reduce((s: number, v) => s + (v as number), 0);
    case 'max':
      return values.length === 0 ? null : Math.max(...(values as number[]));
    case 'distinct':
      return new Set(values).size;
    case 'first_seen':
      return hits.length === 0 ? null : Math.min(...hits.map((e) => e.ts));
    default:
      throw new Error(`no brute force for ${feature.agg}`);
  }
}

const eventArb = fc.record({
  kind: fc.constantFrom('view', 'view', 'payment'),
  user: fc.integer({ min: 1, max: 4 }),
  card: fc.integer({ min: 1, max: 3 }),
  product: fc.integer({ min: 1, max: 6 }),
  amount: fc.integer({ min: 1, max: 120 }),
  // Minutes over four days, on a coarse grid so that equal timestamps (ties) happen.
  minute: fc.integer({ min: 0, max: 4 * 24 * 12 }).map((m) => m * 5),
  labelAfterDays: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
  fraud: fc.boolean(),
});

type EventSpec = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;

function toEvents(specs: readonly EventSpec[]): ShopEvent[] {
  const events: ShopEvent[] = [];
  specs.forEach((s, i) => {
    const ts = T0 + s.minute * MIN;
    if (s.kind === 'view') {
      events.push({ id: `v${i}`, type: 'view', ts, userId: `u${s.user}`, productId: `p${s.product}` });
      return;
    }
    events.push({
      id: `pay${i}`,
      type: 'payment',
      ts,
      userId: `u${s.user}`,
      paymentId: `pay${i}`,
      amount: s.amount,
      currency: 'EUR',
      cardId: `c${s.card}`,
    });
    if (s.labelAfterDays !== undefined) {
      events.push({
        id: `label${i}`,
        type: 'label',
        ts: ts + s.labelAfterDays * DAY + 7 * MIN,
        paymentId: `pay${i}`,
        isFraud: s.fraud,
        source: 'chargeback',
      });
    }
  });
  return events;
}

/** The arrival orders a real feed delivers: shuffled, sorted by user (as Taobao's file is), newest first, re-delivered. */
function arrivals(events: readonly ShopEvent[], seed: number): Record<string, ShopEvent[]> {
  const rng = new Random(seed);
  const shuffled = [...events];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [shuffled[i], shuffled[j]] = [shuffled[j] as ShopEvent, shuffled[i] as ShopEvent];
  }
  const byUser = [...events].sort((a, b) => String(a.userId ?? '').localeCompare(String(b.userId ?? '')));
  const newestFirst = [...events].sort((a, b) => b.ts - a.ts);
  const redelivered = [...shuffled, ...shuffled.filter(() => rng.chance(0.3))];
  return { shuffled, byUser, newestFirst, redelivered };
}

async function logOf(order: readonly ShopEvent[], seed: number) {
  const store = openEmbeddedStore(':memory:');
  const rng = new Random(seed);
  for (let i = 0; i < order.length;) {
    const size = rng.int(1, 40);
    await store.log.append(order.slice(i, i + size).map((event) => ({ event: structuredClone(event) })));
    i += size;
  }
  return store;
}

function keysOf(feature: CompiledFeature): string[] {
  return feature.by === 'user' ? ['u1', 'u2', 'u3', 'u4'] : ['c1', 'c2', 'c3'];
}

function bruteRows(events: readonly ShopEvent[], maturityMs: number): TrainingRow[] {
  const end = Math.max(...events.map((e) => e.ts));
  const rows: TrainingRow[] = [];
  for (const p of events) {
    if (p.type !== 'payment') continue;
    const label = events.find((e) => e.type === 'label' && e.paymentId === p.paymentId);
    const labelled = label !== undefined && label.ts - p.ts <= maturityMs;
    if (!labelled && p.ts + maturityMs > end) continue;
    const values: Record<string, FeatureValue> = {};
    for (const f of FEATURES) {
      const key = String((p as unknown as Record<string, unknown>)[ENTITY_FIELD[f.by] as string]);
      values[f.name] = bruteForce(f, key, p.ts, events);
    }
    const isFraud = labelled && label.type === 'label' && label.isFraud;
    rows.push({ id: p.paymentId, ts: p.ts, values, label: isFraud ? 1 : 0 });
  }
  return rows.sort((a, b) => a.id.localeCompare(b.id));
}

describe('batch over history equals the plain definition over the raw events, whatever the arrival order', () => {
  it('replay and features as of T (property test)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { minLength: 1, maxLength: 150 }),
        fc.integer(),
        async (specs, seed) => {
          const events = toEvents(specs);
          for (const [order, arrived] of Object.entries(arrivals(events, seed))) {
            const store = await logOf(arrived, seed);
            // T on a 30-minute grid: a tile boundary of every window here (5 and 30 minutes, 2 hours, a day).
            for (const T of [T0 + 30 * MIN * new Random(seed).int(0, 200), T0 + 2 * DAY, T0 + 5 * DAY]) {
              const engine = new FeatureEngine(FEATURES, { outOfOrdernessMs: 0, allowedLatenessMs: 0 });
              const summary = await replayLog(store.log, engine, { to: T, batchSize: 17 });
              expect(summary.late, order).toBe(0);
              expect(summary.events).toBe(events.filter((e) => e.ts < T).length);
              for (const f of FEATURES) {
                for (const key of keysOf(f)) {
                  expect(engine.value(f.name, key, T), `${order}: ${f.name} ${key} as of ${T}`).toEqual(
                    bruteForce(f, key, T, events),
                  );
                }
              }
            }
            await store.close();
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('point-in-time training sets (property test)', async () => {
    const spec = parseLabelSpec('fraud:30d');
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { minLength: 1, maxLength: 120 }),
        fc.integer(),
        async (specs, seed) => {
          const events = toEvents(specs);
          const expected = bruteRows(events, spec.maturityMs);
          for (const [order, arrived] of Object.entries(arrivals(events, seed))) {
            const store = await logOf(arrived, seed);
            const builder = new TrainingSetBuilder(FEATURES, spec);
            for await (const page of historyPages(store.log, {}, 13)) builder.push(page);
            const { rows } = builder.finish();
            await store.close();
            expect(
              rows.map((r) => ({ ...r })).sort((a, b) => a.id.localeCompare(b.id)),
              order,
            ).toEqual(expected);
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});

function simulated(): ShopEvent[] {
  const events: ShopEvent[] = [];
  simulateStore({ ...DEFAULT_SIMULATION, users: 400, products: 120, days: 3, seed: 9 }, (line) => {
    const result = validateEvent(JSON.parse(line));
    if (result.ok) events.push(result.event);
  });
  return events;
}

it('the live engine over shuffled arrivals, with a crash, equals batch on every current value', async () => {
  const { EXAMPLE_FEATURES } = await import('../src/core/index.js');
  const features = compileFeatures(EXAMPLE_FEATURES);
  const options = { outOfOrdernessMs: 60_000, allowedLatenessMs: 600_000 };
  const events = simulated();
  const rng = new Random(3);
  const shuffled = [...events].sort(() => rng.next() - 0.5);
  const store = openEmbeddedStore(join(tmp.dir, 'shuffled'));
  const runner = async () => {
    const r = new StreamRunner(
      new FeatureEngine(features, options),
      store.log,
      store.checkpoints,
      { now: () => 0 },
      {
        consumer: 'live',
        batchSize: rng.int(50, 900),
        checkpointEveryEvents: rng.int(500, 4000),
        checkpointEveryMs: Infinity,
      },
    );
    await r.start();
    return r;
  };
  let live = await runner();
  for (let i = 0, crashed = false; i < shuffled.length;) {
    const size = rng.int(1, 500);
    await store.log.append(shuffled.slice(i, i + size).map((event) => ({ event })));
    i += size;
    await live.drain();
    if (!crashed && i > shuffled.length / 2) {
      crashed = true;
      live = await runner(); // memory gone: back to the last checkpoint
    }
  }
  await live.drain();
  const batch = new FeatureEngine(features, options);
  await replayLog(store.log, batch);
  expect(await store.deadLetters.count()).toBe(0);
  await store.close();
  expect(live.engine.stats.late).toBeGreaterThan(1000); // shuffled: most events arrive behind the watermark
  expect(live.engine.clock).toBe(batch.clock);
  let compared = 0;
  const mismatches: string[] = [];
  for (const f of features.filter((x) => !x.derived)) {
    const keys = new Set([...live.engine.table(f.name)!.entityKeys(), ...batch.table(f.name)!.entityKeys()]);
    for (const key of keys) {
      compared++;
      const a = live.engine.value(f.name, key);
      const b = batch.value(f.name, key);
      const same =
        typeof a === 'number' && typeof b === 'number'
          ? Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b))
          : JSON.stringify(a) === JSON.stringify(b);
      if (!same) mismatches.push(`${f.name} ${key}: live ${JSON.stringify(a)}, batch ${JSON.stringify(b)}`);
    }
  }
  expect(compared).toBeGreaterThan(1000);
  expect(mismatches.slice(0, 5)).toEqual([]);
});

describe.skipIf(!HAS_SHARED_DATA)('on a real file sorted by user (MovieLens ratings.csv)', () => {
  it('features as of T equal a brute-force count over the raw file', () => {
    const csv = join(SHARED_DATA, 'movielens-latest-small/ratings.csv');
    const data = join(tmp.dir, 'movielens');
    expect(runCli(['import', '--data', data, '--preset', 'movielens', csv, '--json']).code).toBe(0);
    const featuresFile = join(tmp.dir, 'ratings-features.json');
    writeFileSync(
      featuresFile,
      JSON.stringify({
        features: [
          { name: 'user_ratings_30d', on: ['rating'], by: 'user', agg: 'count', window: '30d' },
          { name: 'user_ratings', on: ['rating'], by: 'user', agg: 'count', window: 'lifetime' },
        ],
      }),
    );
    const rows = readFileSync(csv, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','))
      .map(([user, , , ts]) => ({ user: user as string, ts: Number(ts) * 1000 }));
    // Users and times picked where the file has data: a rating's day, at midnight (a tile boundary of 30d).
    const rng = new Random(13);
    for (let k = 0; k < 4; k++) {
      const pick = rows[rng.int(0, rows.length - 1)]!;
      const T = Math.floor(pick.ts / DAY) * DAY + DAY;
      const mine = rows.filter((r) => r.user === pick.user);
      const result = runCli([
        'features',
        'get',
        'user',
        pick.user,
        '--at',
        String(T),
        '--data',
        data,
        '--features',
        featuresFile,
        // The engine computes the risk app's features beside the file's, as serve does: read the file's.
        '--names',
        'user_ratings_30d,user_ratings',
        '--json',
      ]);
      expect(result.code, result.stderr).toBe(0);
      expect(lastJson<{ values: Record<string, number> }>(result.stdout).values).toEqual({
        user_ratings_30d: mine.filter((r) => r.ts >= T - 30 * DAY && r.ts < T).length,
        user_ratings: mine.filter((r) => r.ts < T).length,
      });
    }
    const replay = lastJson(runCli(['replay', '--data', data, '--features', featuresFile, '--json']).stdout);
    expect(replay).toMatchObject({ events: rows.length, applied: rows.length, late: 0 });
  });
});
