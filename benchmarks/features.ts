// Stream engine figures: Nexmark-q5-like hot items, a 12-aggregate fraud feature set, a bare Map baseline,
// memory per active card, and recovery of a 1M-key state from its checkpoint.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FeatureEngine, Random, compileFeatures, type ShopEvent } from '../src/core/index.js';
import { openEmbeddedStore } from '../src/adapters/sqlite/index.js';
import { fmt, medianOf, rate, type Measure } from './lib.js';

const T0 = Date.UTC(2026, 0, 5);
const FAR = { outOfOrdernessMs: 60_000, allowedLatenessMs: 3_600_000 };

/** Views of 5,000 products (Zipf-like), `count` events over three hours, up to 30 s out of order. */
export function views(count: number): ShopEvent[] {
  const rng = new Random(1);
  const span = 3 * 3_600_000;
  return Array.from({ length: count }, (_, i) => ({
    id: `v${i}`,
    type: 'view' as const,
    ts: T0 + Math.floor((i / count) * span) - rng.int(0, 30_000),
    userId: `u${rng.int(0, 50_000)}`,
    productId: `p${Math.floor(5000 * rng.next() ** 3)}`,
  }));
}

/** Payments of 100k cards, 50k users, 30k devices, 20k IPs over seven days. */
export function payments(count: number): ShopEvent[] {
  const rng = new Random(2);
  const span = 7 * 86_400_000;
  return Array.from({ length: count }, (_, i) => ({
    id: `pay${i}`,
    type: 'payment' as const,
    ts: T0 + Math.floor((i / count) * span) - rng.int(0, 30_000),
    userId: `u${rng.int(0, 50_000)}`,
    paymentId: `pay${i}`,
    amount: Math.round(rng.logNormal(3, 1) * 100) / 100,
    currency: 'EUR',
    cardId: `card${rng.int(0, 100_000)}`,
    deviceId: `dev${rng.int(0, 30_000)}`,
    ip: `10.${rng.int(0, 80)}.${rng.int(0, 250)}.1`,
    ipCountry: rng.pick(['DE', 'FR', 'NL', 'GB', 'BR']),
  }));
}

/** The fraud set's definitions, as a features file holds them. */
export const FRAUD_FEATURE_FILE = {
  features: [
    { name: 'card_payments_1m', on: ['payment'], by: 'card', agg: 'count', window: '1m' },
    { name: 'card_payments_1h', on: ['payment'], by: 'card', agg: 'count', window: '1h' },
    { name: 'card_amount_24h', on: ['payment'], by: 'card', agg: 'sum', value: 'amount', window: '24h' },
    { name: 'card_amount_mean_7d', on: ['payment'], by: 'card', agg: 'mean', value: 'amount', window: '7d' },
    { name: 'card_amount_max_7d', on: ['payment'], by: 'card', agg: 'max', value: 'amount', window: '7d' },
    {
      name: 'card_countries_24h',
      on: ['payment'],
      by: 'card',
      agg: 'distinct',
      value: 'ipCountry',
      window: '24h',
    },
    { name: 'user_payments_1h', on: ['payment'], by: 'user', agg: 'count', window: '1h' },
    { name: 'user_amount_7d', on: ['payment'], by: 'user', agg: 'sum', value: 'amount', window: '7d' },
    { name: 'user_cards_7d', on: ['payment'], by: 'user', agg: 'distinct', value: 'cardId', window: '7d' },
    {
      name: 'device_cards_24h',
      on: ['payment'],
      by: 'device',
      agg: 'distinct',
      value: 'cardId',
      window: '24h',
    },
    { name: 'ip_payments_1h', on: ['payment'], by: 'ip', agg: 'count', window: '1h' },
    { name: 'ip_cards_24h', on: ['payment'], by: 'ip', agg: 'distinct', value: 'cardId', window: '24h' },
  ],
};

export const FRAUD_FEATURES = compileFeatures(FRAUD_FEATURE_FILE);

const HOT_ITEMS = compileFeatures({
  features: [{ name: 'product_views_1h', on: ['view'], by: 'product', agg: 'count', window: '1h' }],
});

/** (c) The floor: one Map increment per event and key, over the same pre-parsed events. */
function baseline(events: readonly ShopEvent[], keysOf: (e: ShopEvent) => string[]): number {
  const counts = new Map<string, number>();
  const t = performance.now();
  for (const e of events) for (const k of keysOf(e)) counts.set(k, (counts.get(k) ?? 0) + 1);
  return rate(events.length, performance.now() - t);
}

export function hotItems(events: readonly ShopEvent[]): { rate: number; top: string } {
  const engine = new FeatureEngine(HOT_ITEMS, FAR);
  const table = engine.table('product_views_1h')!;
  let nextMinute = Math.ceil(events[0]!.ts / 60_000) * 60_000;
  let top: [string, number][] = [];
  const t = performance.now();
  const batch = 1000;
  for (let i = 0; i < events.length; i += batch) {
    engine.process(events.slice(i, i + batch));
    // Every minute of event time (by the watermark): the 10 products with most views in the last hour.
    while (engine.watermark >= nextMinute) {
      top = [];
      for (const key of table.entityKeys()) {
        const n = table.valueAt(key, nextMinute) as number;
        if (top.length < 10 || n > top[9]![1]) {
          top.push([key, n]);
          top.sort((a, b) => b[1] - a[1]);
          if (top.length > 10) top.pop();
        }
      }
      nextMinute += 60_000;
      engine.evict();
    }
  }
  return {
    rate: rate(events.length, performance.now() - t),
    top: top
      .slice(0, 3)
      .map(([k, n]) => `${k}:${n}`)
      .join(' '),
  };
}

/**
 * The JS heap plus array buffers (typed arrays keep their numbers outside the heap), after collections given
 * time to free the buffers of dead arrays (V8 releases them after the collection that found them dead).
 */
async function heapMb(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return (heapUsed + arrayBuffers) / 1e6;
}

export async function benchFeatures(quick: boolean, work: string): Promise<Measure[]> {
  // Each part builds its own events, so that one part's million events are not in the heap the next one
  // collects (a full collection traces every live object).
  const results = await benchHotItems(quick);
  results.push(...(await benchFraud(quick, work)));
  return results;
}

async function benchHotItems(quick: boolean): Promise<Measure[]> {
  const viewEvents = views(quick ? 300_000 : 1_000_000);
  const viewBase = baseline(viewEvents, (e) => [(e as { productId: string }).productId]);
  let top = '';
  const hot = await medianOf(quick ? 1 : 3, () => {
    const run = hotItems(viewEvents);
    top = run.top;
    return run.rate;
  });
  return [
    { name: 'features (c): baseline Map increment, views', value: viewBase, unit: 'events/s' },
    {
      name: 'features (a): hot items, 1h sliding, top 10/min',
      value: hot.median,
      unit: 'events/s',
      target: '≥ 250,000',
      note: `${(hot.median / viewBase).toFixed(2)}× baseline; runs ${hot.all.map(fmt).join(', ')}; last top 3 ${top}`,
    },
  ];
}

async function benchFraud(quick: boolean, work: string): Promise<Measure[]> {
  const results: Measure[] = [];
  const paymentEvents = payments(quick ? 300_000 : 1_000_000);
  const keysOf = (e: ShopEvent) => {
    const p = e as { cardId: string; userId: string; deviceId: string; ip: string };
    return [p.cardId, p.userId, p.deviceId, p.ip];
  };
  const payBase = baseline(paymentEvents, keysOf);
  results.push({ name: 'features (c): baseline Map increment, 4 keys', value: payBase, unit: 'events/s' });
  let engine: FeatureEngine | undefined;
  const fraud = await medianOf(quick ? 1 : 3, () => {
    engine = new FeatureEngine(FRAUD_FEATURES, FAR);
    const t = performance.now();
    for (let i = 0; i < paymentEvents.length; i += 1000) {
      engine.process(paymentEvents.slice(i, i + 1000));
      if (i % 100_000 === 0) engine.evict(); // as the stream runner does at each checkpoint
    }
    return rate(paymentEvents.length, performance.now() - t);
  });
  results.push({
    name: 'features (b): fraud set, 12 aggregates',
    value: fraud.median,
    unit: 'events/s',
    target: '≥ 150,000',
    note: `${(fraud.median / payBase).toFixed(2)}× baseline; runs ${fraud.all.map(fmt).join(', ')}`,
  });

  // Memory per active card: the heap held by the six card features, per card with state.
  engine = undefined;
  const lastWeek = paymentEvents.filter(
    (e) => e.ts >= paymentEvents[paymentEvents.length - 1]!.ts - 7 * 86_400_000,
  );
  const before = await heapMb();
  const cardOnly = new FeatureEngine(
    FRAUD_FEATURES.filter((f) => f.by === 'card'),
    FAR,
  );
  cardOnly.process(lastWeek);
  cardOnly.evict();
  const after = await heapMb();
  const cards = cardOnly.table('card_payments_1h')!.size + 0;
  const activeCards = cardOnly.table('card_amount_mean_7d')!.size;
  results.push({
    name: 'features (b): memory per active card',
    value: ((after - before) * 1e6) / activeCards,
    unit: 'bytes',
    target: '≤ 2,048',
    note: `${fmt(activeCards)} cards with 7d state (${fmt(cards)} in the 1h window), 6 card features`,
  });

  // Recovery: a 1M-key state written as a checkpoint, then loaded into a fresh engine.
  const dir = mkdtempSync(join(work, 'recovery-'));
  const keyed = compileFeatures({
    features: [
      { name: 'card_amount_24h', on: ['payment'], by: 'card', agg: 'sum', value: 'amount', window: '24h' },
    ],
  });
  const big = new FeatureEngine(keyed, FAR);
  const n = quick ? 200_000 : 1_000_000;
  const many: ShopEvent[] = [];
  for (let i = 0; i < n; i++)
    many.push({
      id: `r${i}`,
      type: 'payment',
      ts: T0 + i,
      paymentId: `r${i}`,
      amount: 1,
      currency: 'EUR',
      cardId: `card${i}`,
    });
  big.process(many);
  const store = openEmbeddedStore(dir);
  let t = performance.now();
  await store.checkpoints.save('bench', { nextOffset: n, state: big.snapshot(), savedAt: 0 });
  const saveMs = performance.now() - t;
  t = performance.now();
  const checkpoint = await store.checkpoints.load<ReturnType<FeatureEngine['snapshot']>>('bench');
  const fresh = new FeatureEngine(keyed, FAR);
  fresh.restore(checkpoint!.state);
  const loadMs = performance.now() - t;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  if (fresh.table('card_amount_24h')!.size !== n) throw new Error('recovery lost keys');
  results.push({
    name: `features: recovery of ${fmt(n)} keys from checkpoint`,
    value: loadMs / 1000,
    unit: 's',
    target: '≤ 2 s',
    note: `checkpoint written in ${(saveMs / 1000).toFixed(2)} s`,
  });
  return results;
}
