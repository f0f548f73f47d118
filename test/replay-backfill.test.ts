// replay, backfill and features get: the engine as a batch over the log, and its hand-over to serve.
import { afterAll, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startServer } from '../src/server/index.js';
import { EXAMPLE_FEATURES, compileFeatures, formatDuration } from '../src/core/index.js';
import { lastJson, runCli } from './helpers/cli.js';
import { json } from './helpers/http.js';
import { freshDir } from './helpers/tmp.js';

const tmp = freshDir();
afterAll(() => tmp.remove());
const data = join(tmp.dir, 'data');

it('replays, backfills into the serving checkpoint, and answers past --at queries from the log', async () => {
  const file = join(tmp.dir, 'store.jsonl');
  runCli(['simulate', '--users', '400', '--days', '4', '--seed', '9', '--out', file]);
  runCli(['import', '--data', data, file]);

  const replay = lastJson<{ events: number; applied: number; late: number; keys: Record<string, number> }>(
    runCli(['replay', '--data', data, '--json']).stdout,
  );
  expect(replay.events).toBeGreaterThan(3000);
  expect(replay.applied + replay.late).toBe(replay.events);
  expect(replay.keys.user_views_1h).toBeGreaterThan(100);

  const sliced = lastJson<{ events: number }>(
    runCli(['replay', '--data', data, '--json', '--to', '2026-01-07']).stdout,
  );
  expect(sliced.events).toBeLessThan(replay.events);

  const backfill = lastJson<{ nextOffset: number }>(runCli(['backfill', '--data', data, '--json']).stdout);
  const server = await startServer({ dataDir: data, port: 0, features: compileFeatures(EXAMPLE_FEATURES) });
  try {
    const health = await json(fetch(`${server.url}/health`));
    // Started from the backfilled checkpoint: nothing left to read, nothing applied twice.
    expect(health.features.nextOffset).toBe(backfill.nextOffset);
    expect(health.features.processed).toBe(replay.applied);
    const live = await json(fetch(`${server.url}/v1/features/user/u7`));
    const fromLog = lastJson(runCli(['features', 'get', 'user', 'u7', '--data', data, '--json']).stdout);
    expect(live).toEqual(fromLog);
  } finally {
    await server.close();
  }

  const at = Date.UTC(2026, 0, 6, 12);
  const past = lastJson<{ asOf: number; values: Record<string, unknown> }>(
    runCli([
      'features',
      'get',
      'user',
      'u7',
      '--data',
      data,
      '--at',
      '2026-01-06T12:00:00Z',
      '--names',
      'user_last_seen',
      '--json',
    ]).stdout,
  );
  expect(past.asOf).toBe(at);
  expect(past.values.user_last_seen === null || (past.values.user_last_seen as number) < at).toBe(true);

  // The table prints instants as ISO dates and durations as durations; --json keeps the milliseconds.
  const exact = lastJson<{ values: Record<string, number | null> }>(
    runCli(['features', 'get', 'user', 'u7', '--data', data, '--json']).stdout,
  ).values;
  const table = runCli(['features', 'get', 'user', 'u7', '--data', data]).stdout;
  expect(exact.user_last_seen).toEqual(expect.any(Number));
  expect(table).toContain(`user_last_seen: ${new Date(exact.user_last_seen as number).toISOString()}`);
  expect(table).toContain(`user_since_last_seen: ${formatDuration(exact.user_since_last_seen as number)}`);
  expect(table).toMatch(/user_since_last_seen: \d+(d|h|m|s|ms)( \d\d(h|m|s))?\n/);
});

it('names an unknown entity or feature in features get', () => {
  const entity = runCli(['features', 'get', 'shop', 'x', '--data', data]);
  expect(entity.code).toBe(2);
  expect(entity.stderr).toContain('entity: no feature is keyed by "shop"');
  const names = runCli([
    'features',
    'get',
    'user',
    'u1',
    '--data',
    data,
    '--names',
    'user_views_1h,card_amount_7d',
  ]);
  expect(names.code).toBe(2);
  expect(names.stderr).toContain('names: card_amount_7d is not a feature of user');
});

it('refuses a features file that does not make sense, naming the field', () => {
  const bad = join(tmp.dir, 'bad-features.json');
  writeFileSync(
    bad,
    JSON.stringify({ features: [{ name: 'x', on: ['view'], by: 'user', agg: 'count', window: 'forever' }] }),
  );
  const result = runCli(['replay', '--data', data, '--features', bad]);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('features[0].window: "forever" is not a window');
});
