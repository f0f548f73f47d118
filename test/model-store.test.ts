// Runs the ModelStore conformance suite on every adapter, and checks the DuckDB file shared by two processes.
import { expect, it } from 'vitest';
import { MemoryModelStore } from '../src/adapters/memory/index.js';
import { DuckDbModelStore, modelsFile } from '../src/adapters/duckdb/index.js';
import { modelStoreConformance } from './conformance/model-store-suite.js';
import { freshDir } from './helpers/tmp.js';

modelStoreConformance('memory', async () => ({ store: new MemoryModelStore(), close: async () => {} }));

modelStoreConformance('duckdb (embedded default)', async () => {
  const tmp = freshDir();
  const store = new DuckDbModelStore(modelsFile(tmp.dir));
  return {
    store,
    close: async () => {
      await store.close();
      tmp.remove();
    },
  };
});

it('duckdb: a second store on the same file (as another process would be) sees versions and stage changes', async () => {
  const tmp = freshDir();
  const writer = new DuckDbModelStore(modelsFile(tmp.dir));
  const reader = new DuckDbModelStore(modelsFile(tmp.dir));
  expect(await reader.list()).toEqual([]); // reading does not create the file
  const before = await reader.revision();
  const entry = {
    kind: 'svm',
    metrics: { auc: 0.9 },
    features: ['a'],
    fingerprint: 'f',
    params: {},
    artifact: {},
    validation: null,
  };
  await writer.add('m', entry, 1);
  await writer.setStage('m', 1, 'production', 2);
  expect(await reader.revision()).not.toBe(before);
  expect((await reader.get('m', 1))?.stage).toBe('production');
  // Interleaved calls of both stores on the one file all succeed.
  await Promise.all([
    ...Array.from({ length: 5 }, (_, i) => writer.add('m', entry, 10 + i)),
    ...Array.from({ length: 5 }, () => reader.list('m')),
  ]);
  expect((await reader.list('m')).map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6]);
  await writer.close();
  await reader.close();
  tmp.remove();
});
