// The cost of reading history in event-time order: `replayLog` (the slice's time order from SQLite's sorter, events read by rowid) over a
// shuffled log of a million payments, beside the same engine fed the log in arrival order (what replay did
// before, which dropped late events) and fed the events already sorted in memory (no reading at all).
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FeatureEngine, Random, replayLog, type ShopEvent } from '../src/core/index.js';
import { openEmbeddedStore } from '../src/adapters/sqlite/index.js';
import { FRAUD_FEATURES, payments } from './features.js';
import { fmt, medianOf, rate, type Measure } from './lib.js';

const OPTIONS = { outOfOrdernessMs: 60_000, allowedLatenessMs: 600_000 };

export async function benchReplay(quick: boolean, work: string): Promise<Measure[]> {
  const n = quick ? 300_000 : 1_000_000;
  const events = payments(n);
  const rng = new Random(7);
  const shuffled = [...events];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [shuffled[i], shuffled[j]] = [shuffled[j] as ShopEvent, shuffled[i] as ShopEvent];
  }
  const dir = mkdtempSync(join(work, 'replay-'));
  const store = openEmbeddedStore(dir);
  const t = performance.now();
  for (let i = 0; i < shuffled.length; i += 5000)
    await store.log.append(shuffled.slice(i, i + 5000).map((event) => ({ event })));
  const appendMs = performance.now() - t;

  const timeOrdered = await medianOf(quick ? 1 : 3, async () => {
    const engine = new FeatureEngine(FRAUD_FEATURES, OPTIONS);
    const start = performance.now();
    const summary = await replayLog(store.log, engine);
    if (summary.events !== n || summary.late !== 0) throw new Error('replay: lost or late events');
    return rate(n, performance.now() - start);
  });
  const arrivalOrder = await medianOf(quick ? 1 : 3, async () => {
    const engine = new FeatureEngine(FRAUD_FEATURES, OPTIONS);
    const start = performance.now();
    for (let offset = 0; offset < n; offset += 10_000)
      engine.process((await store.log.read(offset, 10_000)).map((r) => r.event));
    return rate(n, performance.now() - start);
  });
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  const sorted = [...events].sort((a, b) => a.ts - b.ts);
  const inMemory = await medianOf(quick ? 1 : 3, () => {
    const engine = new FeatureEngine(FRAUD_FEATURES, OPTIONS);
    const start = performance.now();
    for (let i = 0; i < n; i += 10_000) engine.process(sorted.slice(i, i + 10_000));
    return rate(n, performance.now() - start);
  });
  return [
    {
      name: `replay: ${fmt(n)} shuffled payments, event-time order (fraud set)`,
      value: timeOrdered.median,
      unit: 'events/s',
      note: `runs ${timeOrdered.all.map(fmt).join(', ')}; ${(timeOrdered.median / arrivalOrder.median).toFixed(2)}× arrival order; log written at ${fmt(rate(n, appendMs))} events/s`,
    },
    {
      name: 'replay: the same log read in arrival order',
      value: arrivalOrder.median,
      unit: 'events/s',
      note: `runs ${arrivalOrder.all.map(fmt).join(', ')}`,
    },
    {
      name: 'replay: the engine alone, events sorted in memory',
      value: inMemory.median,
      unit: 'events/s',
      note: `runs ${inMemory.all.map(fmt).join(', ')}`,
    },
  ];
}
