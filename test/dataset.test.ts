// `shopstream dataset`: point-in-time rows from the log, labelled by delayed chargebacks, as CSV and Parquet.
import { afterAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { lastJson, runCli, startCli, stop } from './helpers/cli.js';
import { json } from './helpers/http.js';
import { freshDir } from './helpers/tmp.js';

const tmp = freshDir();
afterAll(() => tmp.remove());

it('writes one row per matured payment, positives exactly the planted fraud with a chargeback in time', async () => {
  const file = join(tmp.dir, 'store.jsonl');
  const truthFile = join(tmp.dir, 'truth.json');
  expect(
    runCli([
      'simulate',
      '--users',
      '1500',
      '--days',
      '10',
      '--seed',
      '4',
      '--out',
      file,
      '--truth',
      truthFile,
    ]).code,
  ).toBe(0);
  const data = join(tmp.dir, 'data');
  runCli(['import', '--data', data, file]);
  const csv = join(tmp.dir, 'fraud.csv');
  const result = runCli([
    'dataset',
    '--data',
    data,
    '--label',
    'fraud:30d',
    '--features',
    'card_amount_7d,card_payments_1h,device_cards_24h',
    '--out',
    csv,
    '--json',
  ]);
  expect(result.code).toBe(0);
  const summary = lastJson(result.stdout);
  const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as {
    fraud: Record<string, string>;
    counts: { payments: number };
  };

  const [header, ...lines] = readFileSync(csv, 'utf8').trim().split('\n');
  expect(header).toBe('id,ts,card_amount_7d,card_payments_1h,device_cards_24h,label');
  expect(lines).toHaveLength(summary.rows!);
  expect(summary.rows! + summary.immature!).toBe(truth.counts.payments);
  const positives = lines.filter((l) => l.endsWith(',1')).map((l) => l.split(',')[0]!);
  expect(positives.length).toBe(summary.positives);
  expect(positives.length).toBeGreaterThan(10);
  for (const id of positives) expect(truth.fraud[id]).toBeDefined();

  const parquet = join(tmp.dir, 'fraud.parquet');
  runCli(['dataset', '--data', data, '--label', 'fraud', '--out', parquet]);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll(
    `SELECT count(*) AS n, sum(label) AS pos FROM read_parquet('${parquet}')`,
  );
  const [row] = reader.getRowObjectsJS();
  connection.closeSync();
  instance.closeSync();
  expect(Number(row?.n)).toBe(summary.rows);
  expect(Number(row?.pos)).toBe(summary.positives);
});

it('a model trained on a dataset records its features: serve scores payment events for it', async () => {
  const data = join(tmp.dir, 'data');
  const csv = join(tmp.dir, 'fraud.csv'); // written by the first test, with fraud.csv.features.json beside it
  const trained = runCli([
    'train',
    csv,
    '--label',
    'label',
    '--drop',
    'id,ts',
    '--name',
    'fraud',
    '--promote',
    '--data',
    data,
  ]);
  expect(trained.code, trained.stderr).toBe(0);
  expect(trained.stdout).toContain('POST /v1/models/fraud/score scores payment events');
  const { child, match } = await startCli(['serve', '--data', data, '--port', '0'], /at (http:\S+)/);
  try {
    const payment = {
      id: 'p-new',
      type: 'payment',
      paymentId: 'p-new',
      amount: 12,
      currency: 'EUR',
      cardId: 'card-x',
      deviceId: 'dev-x',
    };
    const scored = await json(
      fetch(`${match[1]}/v1/models/fraud/score`, { method: 'POST', body: JSON.stringify(payment) }),
    );
    expect(scored).toMatchObject({
      model: 'fraud',
      event: 'p-new',
      features: { card_amount_7d: 0, card_payments_1h: 0, device_cards_24h: 0 },
    });
    expect(scored.label === 0 || scored.label === 1).toBe(true);
  } finally {
    await stop(child);
  }
});

it('names an unknown feature', () => {
  const result = runCli([
    'dataset',
    '--data',
    join(tmp.dir, 'data'),
    '--label',
    'fraud',
    '--features',
    'card_colour',
    '--out',
    join(tmp.dir, 'x.csv'),
  ]);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('--features: card_colour not defined');
});
