// Runs the ModelStore conformance suite on every adapter; checks the SQLite store shared by two processes' worth
// of connections, and that a model store of an earlier version (models.duckdb) moves in with its versions.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { expect, it } from 'vitest';
import { MemoryModelStore } from '../src/adapters/memory/index.js';
import { openDatabase, SqliteModelStore } from '../src/adapters/sqlite/index.js';
import { openWorkspace } from '../src/workspace/index.js';
import { modelStoreConformance } from './conformance/model-store-suite.js';
import { freshDir } from './helpers/tmp.js';

modelStoreConformance('memory', async () => ({ store: new MemoryModelStore(), close: async () => {} }));

modelStoreConformance('sqlite (embedded default)', async () => {
  const tmp = freshDir();
  const db = openDatabase(join(tmp.dir, 'events.db'));
  return {
    store: new SqliteModelStore(db),
    close: async () => {
      db.close();
      tmp.remove();
    },
  };
});

const entry = {
  kind: 'svm',
  metrics: { auc: 0.9 },
  features: ['a'],
  fingerprint: 'f',
  params: {},
  artifact: {},
  validation: null,
};

it('sqlite: a second connection to the file (as another process has) sees versions and stage changes', async () => {
  const tmp = freshDir();
  const file = join(tmp.dir, 'events.db');
  const [a, b] = [openDatabase(file), openDatabase(file)];
  const writer = new SqliteModelStore(a);
  const reader = new SqliteModelStore(b);
  const before = await reader.revision();
  expect(await reader.revision()).toBe(before);
  await writer.add('m', entry, 1);
  const added = await reader.revision();
  expect(added).not.toBe(before);
  await writer.setStage('m', 1, 'production', 2);
  expect(await reader.revision()).not.toBe(added);
  expect((await reader.get('m', 1))?.stage).toBe('production');
  // Both connections adding at once get distinct numbers.
  await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? writer : reader).add('m', entry, 10 + i)));
  expect((await reader.list('m')).map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  a.close();
  b.close();
  tmp.remove();
});

it('a models.duckdb of an earlier version moves into the data directory: numbers, stages and artifacts kept', async () => {
  const tmp = freshDir();
  const legacy = join(tmp.dir, 'models.duckdb');
  // The earlier layout, as its store wrote it (JSON text columns).
  const instance = await DuckDBInstance.create(legacy);
  const c = await instance.connect();
  await c.run(`CREATE TABLE model_versions (name VARCHAR NOT NULL, version INTEGER NOT NULL, stage VARCHAR NOT NULL,
    created_at BIGINT NOT NULL, promoted_at BIGINT, kind VARCHAR NOT NULL, metrics VARCHAR NOT NULL,
    features VARCHAR NOT NULL, fingerprint VARCHAR NOT NULL, params VARCHAR NOT NULL, artifact VARCHAR NOT NULL,
    validation VARCHAR NOT NULL, PRIMARY KEY (name, version))`);
  await c.run(`INSERT INTO model_versions VALUES
    ('fraud', 1, 'archived', 100, 150, 'logistic', '{"auc":0.8}', '["a"]', 'x', '{}', '{"w":[1]}', 'null'),
    ('fraud', 2, 'production', 200, 250, 'logistic', '{"auc":0.9}', '["a","b"]', 'y', '{"seed":4}', '{"w":[2]}', '{"rows":[]}')`);
  c.closeSync();
  instance.closeSync();
  // A command that only reads finds the directory (it holds a model store, if no log yet).
  const ws = await openWorkspace(tmp.dir, { create: false });
  const versions = await ws.models.list();
  expect(versions.map((v) => [v.version, v.stage, v.createdAt, v.promotedAt])).toEqual([
    [1, 'archived', 100, 150],
    [2, 'production', 200, 250],
  ]);
  expect(versions[1]).toMatchObject({ metrics: { auc: 0.9 }, features: ['a', 'b'], params: { seed: 4 } });
  expect(await ws.models.artifact('fraud', 2)).toEqual({ artifact: { w: [2] }, validation: { rows: [] } });
  await ws.close();
  expect([existsSync(legacy), existsSync(`${legacy}.moved`)]).toEqual([false, true]);
  // The next open finds nothing to move, and new versions number on.
  const again = await openWorkspace(tmp.dir, { create: false });
  expect((await again.models.add('fraud', entry, 300)).version).toBe(3);
  await again.close();
  tmp.remove();
});
