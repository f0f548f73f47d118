// Why the embedded log is on SQLite: the same idempotent append measured on SQLite and on DuckDB.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DuckDBInstance } from '@duckdb/node-api';
import { rate, type Measure } from './lib.js';

/** Appends `count` small events with a unique id (and again, all duplicates) into each store. */
export async function benchLogStores(count: number, work: string): Promise<Measure[]> {
  const rows = Array.from({ length: count }, (_, i) => ({
    id: `e${i}`,
    type: 'view',
    ts: 1_767_600_000_000 + i,
    body: `{"id":"e${i}","type":"view","ts":${1_767_600_000_000 + i},"userId":"u${i % 5000}","productId":"p${i % 800}"}`,
  }));

  const dir = mkdtempSync(join(work, 'logs-'));
  const sqlite = new Database(join(dir, 'log.db'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.exec(
    'CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT, ts INTEGER, body TEXT)',
  );
  const insert = sqlite.prepare('INSERT OR IGNORE INTO events (id, type, ts, body) VALUES (?, ?, ?, ?)');
  const batch = sqlite.transaction((slice: typeof rows) => {
    for (const r of slice) insert.run(r.id, r.type, r.ts, r.body);
  });
  let t = performance.now();
  for (let i = 0; i < rows.length; i += 1000) batch(rows.slice(i, i + 1000));
  const sqliteRate = rate(count, performance.now() - t);
  sqlite.close();

  const instance = await DuckDBInstance.create(join(dir, 'log.duckdb'));
  const duck = await instance.connect();
  await duck.run('CREATE TABLE events (id VARCHAR PRIMARY KEY, type VARCHAR, ts BIGINT, body VARCHAR)');
  await duck.run('CREATE TABLE staging (id VARCHAR, type VARCHAR, ts BIGINT, body VARCHAR)');
  t = performance.now();
  for (let i = 0; i < rows.length; i += 10_000) {
    const appender = await duck.createAppender('staging');
    for (const r of rows.slice(i, i + 10_000)) {
      appender.appendVarchar(r.id);
      appender.appendVarchar(r.type);
      appender.appendBigInt(BigInt(r.ts));
      appender.appendVarchar(r.body);
      appender.endRow();
    }
    appender.closeSync();
    await duck.run('INSERT OR IGNORE INTO events SELECT * FROM staging');
    await duck.run('DELETE FROM staging');
  }
  const duckRate = rate(count, performance.now() - t);
  duck.closeSync();
  instance.closeSync();

  return [
    {
      name: 'log-store: SQLite INSERT OR IGNORE',
      value: sqliteRate,
      unit: 'events/s',
      note: '1,000-row transactions',
    },
    {
      name: 'log-store: DuckDB appender + INSERT OR IGNORE',
      value: duckRate,
      unit: 'events/s',
      note: `10,000-row batches; ${(sqliteRate / duckRate).toFixed(1)}× slower than SQLite`,
    },
  ];
}
