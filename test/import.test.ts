// `shopstream import` as a user runs it: presets on fixtures and on the shared public data, mappings, Parquet, --to.
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { openEmbeddedStore } from '../src/adapters/sqlite/index.js';
import type { ShopEvent } from '../src/core/index.js';
import { FIXTURES, HAS_SHARED_DATA, SHARED_DATA, lastJson, runCli, startCli, stop } from './helpers/cli.js';
import { freshDir } from './helpers/tmp.js';
import { json } from './helpers/http.js';

const dirs: (() => void)[] = [];
afterAll(() => dirs.forEach((remove) => remove()));

function dataDir(): string {
  const tmp = freshDir();
  dirs.push(tmp.remove);
  return tmp.dir;
}

async function storedEvents(dir: string): Promise<ShopEvent[]> {
  const store = openEmbeddedStore(dir);
  try {
    return (await store.log.read(0, 1_000_000)).map((r) => r.event);
  } finally {
    await store.close();
  }
}

async function deadLetters(dir: string) {
  const store = openEmbeddedStore(dir);
  try {
    return await store.deadLetters.list(1000);
  } finally {
    await store.close();
  }
}

function importJson(args: string[]) {
  const result = runCli(['import', '--json', ...args]);
  expect(result.stderr).not.toMatch(/Error|error/);
  return { ...result, summary: lastJson(result.stdout) };
}

describe('presets on fixtures of their formats', () => {
  const cases: [
    preset: string,
    file: string,
    expected: { accepted: number; rejected: number },
    check: (events: ShopEvent[]) => void,
  ][] = [
    [
      'movielens',
      'movielens-u.data',
      { accepted: 4, rejected: 0 },
      (e) =>
        expect(e[0]).toMatchObject({
          type: 'rating',
          userId: '196',
          productId: '242',
          rating: 3,
          ts: 881_250_949_000,
        }),
    ],
    [
      'movielens',
      'movielens-ratings.csv',
      { accepted: 3, rejected: 0 },
      (e) => expect(e[2]).toMatchObject({ type: 'rating', userId: '2', productId: '318', rating: 3 }),
    ],
    [
      'movielens',
      'movielens-ratings.dat',
      { accepted: 2, rejected: 0 },
      (e) =>
        expect(e[0]).toMatchObject({
          type: 'rating',
          userId: '1',
          productId: '1193',
          rating: 5,
          ts: 978_300_760_000,
        }),
    ],
    [
      'taobao',
      'taobao-UserBehavior.csv',
      { accepted: 5, rejected: 1 },
      (e) => expect(e.map((x) => x.type)).toEqual(['view', 'view', 'add_to_cart', 'favorite', 'purchase']),
    ],
    [
      'rees46',
      'rees46-2019-Oct.csv',
      { accepted: 8, rejected: 1 },
      (e) => {
        expect(e.filter((x) => x.type === 'product')).toHaveLength(3);
        expect(e.find((x) => x.type === 'purchase')).toMatchObject({
          total: 543.1,
          items: [{ productId: '17200506', price: 543.1 }],
        });
        expect(e.find((x) => x.type === 'product' && x.productId === '3900821')).toMatchObject({
          brand: 'aqua',
          category: 'appliances.environment.water_heater',
        });
      },
    ],
    [
      'retailrocket',
      'retailrocket-events.csv',
      { accepted: 5, rejected: 0 },
      (e) =>
        expect(e.filter((x) => x.type === 'purchase').map((x) => (x as { orderId: string }).orderId)).toEqual(
          ['17549', '17549'],
        ),
    ],
    [
      'diginetica',
      'diginetica-train-item-views.csv',
      { accepted: 3, rejected: 1 },
      (e) => {
        expect(e[0]).toMatchObject({
          userId: 'session:1',
          sessionId: '1',
          ts: Date.UTC(2016, 4, 9) + 526_309,
        });
        expect(e[2]).toMatchObject({ userId: '4711' });
      },
    ],
    [
      'online-retail',
      'online-retail-uci.csv',
      { accepted: 7, rejected: 1 },
      (e) => {
        expect(e.find((x) => x.id === 'online-retail:536365')).toMatchObject({
          type: 'purchase',
          userId: '17850',
          total: 35.64,
          currency: 'GBP',
          ts: Date.UTC(2010, 11, 1, 8, 26),
        });
        expect(e.find((x) => x.id === 'online-retail:C536379')).toMatchObject({
          type: 'return',
          total: 27.5,
          items: [{ productId: 'D', quantity: 1 }],
        });
        expect(e.find((x) => x.id === 'online-retail:536381')).not.toHaveProperty('userId');
      },
    ],
    [
      'paysim',
      'paysim.csv',
      { accepted: 6, rejected: 0 },
      (e) => {
        expect(e.filter((x) => x.type === 'label').map((x) => (x as { isFraud: boolean }).isFraud)).toEqual([
          false,
          true,
          true,
        ]);
        expect(e[2]).toMatchObject({
          type: 'payment',
          cardId: 'C1305486145',
          amount: 181,
          method: 'transfer',
          ts: Date.UTC(2024, 0, 1),
        });
      },
    ],
  ];

  it.each(cases)('%s imports %s', async (preset, file, expected, check) => {
    const dir = dataDir();
    const { code, summary } = importJson(['--data', dir, '--preset', preset, join(FIXTURES, file)]);
    expect(code).toBe(0);
    expect(summary).toMatchObject({ ...expected, duplicates: 0 });
    const events = await storedEvents(dir);
    expect(events).toHaveLength(expected.accepted);
    check(events);
    const letters = await deadLetters(dir);
    expect(letters).toHaveLength(expected.rejected);
    for (const letter of letters) {
      expect(letter.position).toBeGreaterThan(1);
      expect(letter.message.length).toBeGreaterThan(5);
    }
  });

  it('keeps the line number and reason of a rejected row', async () => {
    const dir = dataDir();
    importJson(['--data', dir, '--preset', 'diginetica', join(FIXTURES, 'diginetica-train-item-views.csv')]);
    const [letter] = await deadLetters(dir);
    expect(letter).toMatchObject({ position: 5, field: 'timeframe', code: 'SS_INVALID_ROW' });
    expect(letter?.message).toContain('"not-a-number" is not a number');
  });
});

describe.skipIf(!HAS_SHARED_DATA)('the shared public data sets', () => {
  it.each([
    ['movielens', 'movielens-latest-small/ratings.csv', 100_836],
    ['online-retail', 'online-retail-uci-sample20k/online_retail_sample.csv', undefined],
    ['paysim', 'paysim-sample/paysim_sample.csv', 2 * 51_392],
  ])('%s imports %s with 0 rejected rows, and a second time as all duplicates', (preset, file, events) => {
    const dir = dataDir();
    const first = importJson(['--data', dir, '--preset', preset, join(SHARED_DATA, file)]).summary;
    expect(first.rejected).toBe(0);
    if (events !== undefined) expect(first.accepted).toBe(events);
    expect(first.accepted).toBeGreaterThan(1000);
    const second = importJson(['--data', dir, '--preset', preset, join(SHARED_DATA, file)]).summary;
    expect(second).toMatchObject({ accepted: 0, rejected: 0, duplicates: first.accepted });
  });
});

describe('mapping files, formats and flags', () => {
  it('maps columns to event fields with type conversion and rejects rows that do not convert', async () => {
    const dir = dataDir();
    const { summary } = importJson([
      '--data',
      dir,
      '--map',
      join(FIXTURES, 'clicks-mapping.json'),
      join(FIXTURES, 'clicks.csv'),
    ]);
    expect(summary).toMatchObject({ accepted: 2, rejected: 1 });
    const events = await storedEvents(dir);
    expect(events).toEqual([
      { id: 'ev1', type: 'view', ts: Date.UTC(2024, 2, 1, 10), userId: 'alice', productId: 'sku-1' },
      {
        id: 'ev2',
        type: 'add_to_cart',
        ts: Date.UTC(2024, 2, 1, 10, 1),
        userId: 'alice',
        productId: 'sku-1',
        quantity: 2,
      },
    ]);
    const letters = await deadLetters(dir);
    expect(letters.map((d) => [d.position, d.field, d.message])).toEqual([
      [4, 'qty', 'qty: "lots" is not a valid integer'],
    ]);
  });

  it('writes to $SHOPSTREAM_DATA when --data is not given', async () => {
    const dir = dataDir();
    const result = runCli(['import', '--json', '--preset', 'paysim', join(FIXTURES, 'paysim.csv')], {
      SHOPSTREAM_DATA: dir,
    });
    expect(lastJson(result.stdout)).toMatchObject({ accepted: 6 });
    expect(await storedEvents(dir)).toHaveLength(6);
  });

  it('exits non-zero with --strict when a row is rejected', () => {
    const result = runCli([
      'import',
      '--data',
      dataDir(),
      '--strict',
      '--preset',
      'taobao',
      join(FIXTURES, 'taobao-UserBehavior.csv'),
    ]);
    expect(result.code).toBe(3);
  });

  it('explains a bad flag and exits 2', () => {
    const dir = dataDir();
    const preset = runCli(['import', '--data', dir, '--preset', 'amazon', join(FIXTURES, 'paysim.csv')]);
    expect(preset.code).toBe(2);
    expect(preset.stderr).toContain('--preset: "amazon" is not a preset');
    const missing = runCli(['import', '--data', dir, join(FIXTURES, 'nope.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    const csv = runCli(['import', '--data', dir, join(FIXTURES, 'paysim.csv')]);
    expect(csv.stderr).toContain('needs --preset or --map');
    const badMap = join(dir, 'bad-map.json');
    writeFileSync(badMap, JSON.stringify({ type: 'view', fields: { ts: { column: 't', as: 'date' } } }));
    const mapping = runCli(['import', '--data', dir, '--map', badMap, join(FIXTURES, 'clicks.csv')]);
    expect(mapping.code).toBe(2);
    expect(mapping.stderr).toContain('fields.ts.as: "date" is not one of');
  });

  it('reads Parquet through DuckDB, as events or through a mapping', async () => {
    const dir = dataDir();
    const file = join(dir, 'views.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(
      `COPY (SELECT 'pq-' || i AS id, 'view' AS type, 1767600000000 + i * 1000 AS ts, 'u' || (i % 3) AS userId, 'p' || i AS productId
             FROM range(50) t(i)) TO '${file}' (FORMAT parquet)`,
    );
    connection.closeSync();
    instance.closeSync();
    const { summary } = importJson(['--data', dir, file]);
    expect(summary).toMatchObject({ accepted: 50, rejected: 0 });
    const events = await storedEvents(dir);
    expect(events[49]).toEqual({
      id: 'pq-49',
      type: 'view',
      ts: 1_767_600_049_000,
      userId: 'u1',
      productId: 'p49',
    });

    const mapping = join(dir, 'favorites.json');
    writeFileSync(
      mapping,
      JSON.stringify({
        type: 'favorite',
        fields: { ts: { column: 'ts', as: 'timestamp' }, userId: 'userId', productId: 'productId' },
      }),
    );
    const mapped = importJson(['--data', dir, '--map', mapping, file]).summary;
    expect(mapped).toMatchObject({ accepted: 50, rejected: 0 });
    const favorites = (await storedEvents(dir)).filter((e) => e.type === 'favorite');
    expect(favorites[0]).toMatchObject({
      type: 'favorite',
      ts: 1_767_600_000_000,
      userId: 'u0',
      productId: 'p0',
    });
  });

  it('sends events to a running server with --to', async () => {
    const serverDir = dataDir();
    const { child, match } = await startCli(
      ['serve', '--data', serverDir, '--port', '0'],
      /at (http:\/\/\S+)/,
    );
    try {
      const local = dataDir();
      const result = runCli([
        'import',
        '--json',
        '--data',
        local,
        '--to',
        match[1]!,
        '--preset',
        'taobao',
        join(FIXTURES, 'taobao-UserBehavior.csv'),
      ]);
      expect(lastJson(result.stdout)).toMatchObject({ accepted: 5, rejected: 1 });
      const health = await json(fetch(`${match[1]}/health`));
      expect(health.events).toBe(5);
      expect(await storedEvents(local)).toHaveLength(0);
      expect(await deadLetters(local)).toHaveLength(1);
    } finally {
      await stop(child);
    }
  });
});
