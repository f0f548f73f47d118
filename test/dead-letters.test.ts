// Dead letters you can work with: list and filter, show one, requeue once the cause is gone, purge; and the
// HTTP filter.
import { afterAll, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastJson, runCli } from './helpers/cli.js';
import { freshDir } from './helpers/tmp.js';
import { MemoryDeadLetterStore, MemoryEventLog } from '../src/adapters/memory/index.js';
import { buildServer } from '../src/server/index.js';
import { ERROR_CODES } from '../src/core/index.js';

const tmp = freshDir();
afterAll(() => tmp.remove());

it('lists by code, shows one, requeues what now lands and purges the rest', async () => {
  const data = join(tmp.dir, 'data');
  const file = join(tmp.dir, 'events.jsonl');
  const soon = Date.now() + 1500;
  writeFileSync(
    file,
    [
      '{"id":"ok","type":"view","ts":"2026-01-05T12:00:00Z","userId":"u1","productId":"p1"}',
      `{"id":"soon","type":"view","ts":${soon},"userId":"u1","productId":"p1"}`,
      '{"id":"bad","type":"pageview","ts":"2026-01-05T12:00:00Z"}',
    ].join('\n') + '\n',
  );
  // --max-future 0: the event stamped 1.5 s ahead is refused for now.
  expect(
    lastJson(runCli(['import', '--data', data, '--max-future', '0', file, '--json']).stdout),
  ).toMatchObject({
    accepted: 1,
    rejected: 2,
  });
  const all = lastJson<{ total: number; items: { seq: number; code: string }[] }>(
    runCli(['deadletters', 'list', '--data', data, '--json']).stdout,
  );
  expect(all.total).toBe(2);
  const future = lastJson<{ total: number; items: { seq: number; position: number }[] }>(
    runCli(['deadletters', 'list', '--data', data, '--code', 'SS_FUTURE_TIMESTAMP', '--json']).stdout,
  );
  expect(future).toMatchObject({ total: 1, items: [{ position: 2 }] });
  const shown = runCli(['deadletters', 'show', String(future.items[0]!.seq), '--data', data]);
  expect(JSON.parse(shown.stdout)).toMatchObject({
    code: 'SS_FUTURE_TIMESTAMP',
    raw: expect.stringContaining('"soon"'),
  });

  await new Promise((r) => setTimeout(r, Math.max(0, soon - Date.now() + 100)));
  const requeued = lastJson(
    runCli(['deadletters', 'requeue', '--data', data, '--code', 'SS_FUTURE_TIMESTAMP', '--json']).stdout,
  );
  expect(requeued).toMatchObject({ requeued: 1, accepted: 1, rejected: 0 });
  expect(lastJson(runCli(['deadletters', 'purge', '--data', data, '--json']).stdout)).toEqual({ removed: 1 });
  expect(lastJson(runCli(['deadletters', 'list', '--data', data, '--json']).stdout)).toMatchObject({
    total: 0,
  });
  const replay = lastJson(runCli(['replay', '--data', data, '--json']).stdout);
  expect(replay.events).toBe(2); // the requeued event is in the log
});

it('GET /v1/deadletters?code=&since= narrows the list', async () => {
  const deadLetters = new MemoryDeadLetterStore();
  const app = buildServer({ log: new MemoryEventLog(), deadLetters });
  await app.inject({
    method: 'POST',
    url: '/v1/events',
    payload: '{"id":"x","type":"nope"}\n{"id":"y","type":"view","ts":"2099-01-01","productId":"p1"}',
  });
  const future = (
    await app.inject({ method: 'GET', url: `/v1/deadletters?code=${ERROR_CODES.FUTURE_TIMESTAMP}` })
  ).json();
  expect(future.total).toBe(1);
  expect(future.items[0].code).toBe(ERROR_CODES.FUTURE_TIMESTAMP);
  const later = (
    await app.inject({ method: 'GET', url: `/v1/deadletters?since=${Date.now() + 60_000}` })
  ).json();
  expect(later).toEqual({ total: 0, items: [] });
  const bad = await app.inject({ method: 'GET', url: '/v1/deadletters?since=soon' });
  expect(bad.json()).toMatchObject({ error: ERROR_CODES.INVALID_FIELD, field: 'querystring.since' });
});
