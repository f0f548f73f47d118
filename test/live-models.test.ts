// LiveModels over a real (memory) model store: production swaps on refresh, unknown names never reach the store.
import { expect, it } from 'vitest';
import { MemoryModelStore } from '../src/adapters/memory/index.js';
import { LiveModels, promote, trainTabular, type DataRow, type ModelStore } from '../src/core/index.js';

async function addVersion(store: ModelStore, slope: number): Promise<number> {
  const rows: DataRow[] = Array.from({ length: 200 }, (_, i) => ({
    x: i / 20,
    y: (slope * i) / 20 + (i % 7) / 10,
  }));
  const { trained, report, test } = await trainTabular(rows, { label: 'y', model: 'linear' });
  const v = await store.add(
    'm',
    {
      kind: 'linear',
      metrics: report.metrics,
      features: ['x'],
      fingerprint: '',
      params: {},
      artifact: trained.toJSON(),
      validation: { rows: test.rows, labels: Array.from(test.labels) },
    },
    0,
  );
  return v.version;
}

it('serves production, swaps only on refresh, and answers unknown models without reading the store', async () => {
  const store = new MemoryModelStore();
  let lists = 0;
  const list = store.list.bind(store);
  store.list = (name?: string) => {
    lists++;
    return list(name);
  };
  await promote(store, 'm', await addVersion(store, 1), { now: 1 });
  const live = new LiveModels(store);
  const first = await live.get({ name: 'm' });
  expect(first.meta.version).toBe(1);
  expect(first.model.predict({ x: 10 }).score).toBeCloseTo(10.3, 0);

  await promote(store, 'm', await addVersion(store, 2), { now: 2, force: true });
  expect((await live.get({ name: 'm' })).meta.version).toBe(1); // until the next refresh
  await live.refresh();
  const second = await live.get({ name: 'm' });
  expect(second.meta.version).toBe(2);
  expect(first.model.predict({ x: 10 }).score).toBeCloseTo(10.3, 0); // a request holding v1 still has it
  expect((await live.get({ name: 'm', version: 1 })).meta.version).toBe(1);

  const before = lists;
  for (let i = 0; i < 50; i++) {
    await expect(live.get({ name: 'nobody' })).rejects.toThrow(/nobody: no such model/);
    await expect(live.get({ name: 'm', version: 9 })).rejects.toThrow(/m@9: no such version/);
  }
  expect(lists).toBe(before); // nothing changed in the store, so it was not listed again
});
