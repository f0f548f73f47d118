// The stream runner's start: from its checkpoint, from nothing, or — for a checkpoint of an older state
// layout — from the start of the log, so that an upgrade never serves a state it cannot read.
import { expect, it } from 'vitest';
import { MemoryCheckpointStore, MemoryEventLog } from '../src/adapters/memory/index.js';
import {
  FeatureEngine,
  StreamRunner,
  SYSTEM_CLOCK,
  compileFeatures,
  type ShopEvent,
} from '../src/core/index.js';

const features = compileFeatures({
  features: [{ name: 'user_views_1h', on: ['view'], by: 'user', agg: 'count', window: '1h' }],
});
const T0 = Date.UTC(2026, 0, 5);
const views: ShopEvent[] = Array.from({ length: 50 }, (_, i) => ({
  id: `v${i}`,
  type: 'view',
  ts: T0 + i * 1000,
  userId: `u${i % 3}`,
  productId: 'p1',
}));

it('starts empty, resumes from its checkpoint, and rebuilds from the log over an old-layout checkpoint', async () => {
  const log = new MemoryEventLog();
  await log.append(views.map((event) => ({ event })));
  const checkpoints = new MemoryCheckpointStore();
  const runner = () => new StreamRunner(new FeatureEngine(features), log, checkpoints, SYSTEM_CLOCK);

  const first = runner();
  expect(await first.start()).toBe('empty');
  await first.drain();
  await first.checkpoint();

  const second = runner();
  expect(await second.start()).toBe('checkpoint');
  expect(second.nextOffset).toBe(50);
  expect(second.engine.value('user_views_1h', 'u0')).toBe(17);

  // A checkpoint written by the previous layout (version 2) at the end of the log.
  await checkpoints.save('features', { nextOffset: 50, state: { version: 2, groups: {} }, savedAt: 0 });
  const third = runner();
  expect(await third.start()).toBe('rebuild');
  expect(third.nextOffset).toBe(0);
  await third.drain();
  expect(third.engine.value('user_views_1h', 'u0')).toBe(17);
  expect(third.engine.stats.processed).toBe(50);
});
