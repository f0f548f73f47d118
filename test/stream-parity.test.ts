// Batch/stream parity: disordered simulator events streamed in random micro-batches, with a crash and restart,
// end with exactly the feature values a batch replay of the same log computes.
import { afterAll, expect, it } from 'vitest';
import {
  EXAMPLE_FEATURES,
  FeatureEngine,
  Random,
  StreamRunner,
  compileFeatures,
  replayLog,
  validateEvent,
  type FeatureValue,
  type ShopEvent,
} from '../src/core/index.js';
import { openEmbeddedStore } from '../src/adapters/sqlite/index.js';
import { DEFAULT_SIMULATION, simulateStore } from '../src/sim/index.js';
import { freshDir } from './helpers/tmp.js';

const tmp = freshDir();
afterAll(() => tmp.remove());

const features = compileFeatures(EXAMPLE_FEATURES);
const engineOptions = { outOfOrdernessMs: 60_000, allowedLatenessMs: 120_000 };

function simulatedEvents(): ShopEvent[] {
  const events: ShopEvent[] = [];
  simulateStore(
    { ...DEFAULT_SIMULATION, users: 1500, products: 300, days: 3, seed: 11, disorderSeconds: 240 },
    (line) => {
      const result = validateEvent(JSON.parse(line));
      if (result.ok) events.push(result.event);
    },
  );
  return events;
}

function same(a: FeatureValue | undefined, b: FeatureValue | undefined): boolean {
  if (typeof a === 'number' && typeof b === 'number')
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
  return JSON.stringify(a) === JSON.stringify(b);
}

it('streams disordered events with a crash in the middle and matches the batch replay exactly', async () => {
  const events = simulatedEvents();
  const rng = new Random(5);
  const store = openEmbeddedStore(tmp.dir);
  const newRunner = async () => {
    const runner = new StreamRunner(
      new FeatureEngine(features, engineOptions),
      store.log,
      store.checkpoints,
      { now: () => 0 },
      {
        consumer: 'parity',
        batchSize: rng.int(1, 700),
        checkpointEveryEvents: rng.int(100, 3000),
        checkpointEveryMs: Infinity,
      },
    );
    await runner.start();
    return runner;
  };

  let runner = await newRunner();
  const crashAt = Math.floor(events.length * 0.55);
  let crashed = false;
  for (let i = 0; i < events.length;) {
    const size = rng.int(1, 400);
    await store.log.append(events.slice(i, i + size).map((event) => ({ event })));
    i += size;
    if (rng.chance(0.7)) await runner.drain();
    if (!crashed && i >= crashAt) {
      // A crash: the engine's memory is gone; what survives is the last checkpoint.
      crashed = true;
      const before = runner.nextOffset;
      runner = await newRunner();
      expect(runner.nextOffset).toBeLessThanOrEqual(before);
    }
  }
  await runner.drain();
  const stream = runner.engine;

  const batch = new FeatureEngine(features, engineOptions);
  const summary = await replayLog(store.log, batch);
  // Nothing is dead-lettered: late events are applied, not refused.
  expect(await store.deadLetters.count()).toBe(0);
  await store.close();

  expect(summary.events).toBe(events.length);
  // Read in event-time order, nothing is late to the batch; the stream saw late events and applied them.
  expect(batch.stats).toEqual({ processed: events.length, late: 0 });
  expect(stream.stats.processed).toBeGreaterThanOrEqual(events.length); // re-reads after the crash
  expect(stream.clock).toBe(batch.clock);

  let compared = 0;
  let mismatches = 0;
  for (const f of features.filter((x) => !x.derived)) {
    const keys = new Set([...stream.table(f.name)!.entityKeys(), ...batch.table(f.name)!.entityKeys()]);
    for (const key of keys) {
      for (const asOf of [batch.clock + 1, batch.clock - 3_600_000]) {
        compared++;
        if (!same(stream.value(f.name, key, asOf), batch.value(f.name, key, asOf))) mismatches++;
      }
    }
  }
  expect(compared).toBeGreaterThan(1000);
  expect(mismatches).toBe(0);
});
