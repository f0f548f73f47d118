// `shopstream demo`: simulates a history that ends now, imports it, trains a fraud model on point-in-time rows
// and serves; every curl line it prints does what it says, and the README's simulate-then-import flow loses
// nothing.
import { afterAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastJson, runCli, startCli, stop } from './helpers/cli.js';
import { freshDir } from './helpers/tmp.js';
import { json } from './helpers/http.js';

const tmp = freshDir();
afterAll(() => tmp.remove());

it('starts a server whose /health counts the imported events', async () => {
  const { child, match, output } = await startCli(
    ['demo', '--data', tmp.dir, '--port', '0', '--users', '200', '--days', '3'],
    /serving at (http:\/\/\S+)/,
  );
  try {
    expect(output()).toMatch(/1\. simulated 200 shoppers × 3 days up to now: (\d+) events/);
    const imported = Number(/2\. imported into .*: (\d+) new/.exec(output())?.[1]);
    expect(imported).toBeGreaterThan(1000);
    const health = await json(fetch(`${match[1]}/health`));
    // The imported events, the one payment the demo decides live and the impression of the list it asks for.
    expect(health).toMatchObject({ status: 'ok', events: imported + 2 });
    expect(health.deadLetters).toBeGreaterThanOrEqual(0);
    // 200 shoppers over 3 days label too few payments to train on: the demo says so and serves on.
    expect(output()).toMatch(
      /3\. fraud model: skipped \(\d+ labelled payments, \d+ fraudulent: too few to train on\)/,
    );
  } finally {
    await stop(child);
  }
  expect(child.exitCode).toBe(0);
});

it('with the default store size: a model that catches fraud, curl lines that do what they say, and an import that loses nothing', async () => {
  const dir = freshDir();
  // The curl lines follow the "serving at" line: wait for the last of them.
  const { child, output } = await startCli(
    ['demo', '--data', dir.dir, '--port', '0'],
    /Ctrl-C stops it/,
    120_000,
  );
  const url = /serving at (http:\/\/\S+)/.exec(output())?.[1] as string;
  try {
    const trained =
      /3\. trained fraud@1 \(logistic\) on \d+ payments \(\d+ fraudulent.*labels within 30 days\): on held-out payments ROC-AUC ([\d.]+), at its threshold ([\d.]+) precision ([\d.]+) recall ([\d.]+); in production/.exec(
        output(),
      );
    expect(trained, output()).not.toBeNull();
    const [auc, , precision, recall] = trained!.slice(1).map(Number);
    expect(auc).toBeGreaterThan(0.9);
    expect(precision).toBeGreaterThan(0.5);
    expect(recall).toBeGreaterThan(0.5);
    // The history ends now: nothing was late to the live engine.
    expect(output()).toMatch(/4\. stream engine caught up: \d+ events applied to \d+ features, 0 late/);
    // The risk model trained on the risk features, and one payment decided live with its reasons.
    const risk =
      /3\. trained risk@1 \(gradient-boosted trees on the risk features\) on \d+ payments .*PR-AUC ([\d.]+) ROC-AUC ([\d.]+); in production/.exec(
        output(),
      );
    expect(risk, output()).not.toBeNull();
    expect(Number(risk![1])).toBeGreaterThan(0.8);
    expect(output()).toMatch(
      /5\. decided a payment live \(.*\): (approve|challenge|review|block), score \d+; \S/,
    );
    const riskPost = /risk\/payments -d '(\{[^']+\})'/.exec(output())?.[1] as string;
    const decided = await json(fetch(`${url}/v1/risk/payments`, { method: 'POST', body: riskPost }));
    expect(decided).toMatchObject({ created: true, modelVersion: 'risk@1', rulesVersion: 1 });
    expect(decided.reasons.length).toBeGreaterThan(0);

    // The busiest shopper's list, with reasons; the printed curl lines answer lists.
    const shopper = /6\. recommended for (\S+): \S.*\((viewed|bought) together with /.exec(output())?.[1];
    expect(shopper, output()).toBeDefined();
    const lists = [...output().matchAll(/curl '(http:\/\/\S+\/v1\/recommendations\/[^']+)'/g)].map(
      (m) => m[1]!,
    );
    expect(lists).toHaveLength(3);
    for (const list of lists) {
      const answer = await json(fetch(list));
      expect(answer.listId, list).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.items.length, list).toBeGreaterThan(0);
      expect(answer.fallback, list).toBe(false);
    }

    // The printed POST of a view by u1 changes the features the printed GET shows.
    const features = async () => (await json(fetch(`${url}/v1/features/user/u1`))).values;
    const before = await features();
    const view = /-d '(\{"id":"view-[^']+)'/.exec(output())?.[1] as string;
    const posted = await json(
      fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: view,
      }),
    );
    expect(posted).toMatchObject({ accepted: 1 });
    await new Promise((r) => setTimeout(r, 300));
    const after = await features();
    expect(after.user_views_1h).toBe(before.user_views_1h + 1);
    expect(after.user_recent_products[0]).toBe('p1'); // newest first

    // The card-testing burst, then the next payment scored: a high score, label 1, and reasons.
    const burstLine = output()
      .split('\n')
      .find((l) => l.includes("printf '%s\\n'")) as string;
    const burst = [...burstLine.matchAll(/'(\{[^']+\})'/g)].map((m) => m[1]).join('\n');
    expect(burst.split('\n')).toHaveLength(6);
    const landed = await json(
      fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: burst,
      }),
    );
    expect(landed).toMatchObject({ accepted: 6, rejected: 0 });
    await new Promise((r) => setTimeout(r, 300));
    const scoreBody = /fraud\/score -d '(\{[^']+\})'/.exec(output())?.[1] as string;
    const scored = await json(fetch(`${url}/v1/models/fraud/score`, { method: 'POST', body: scoreBody }));
    expect(scored).toMatchObject({ model: 'fraud', version: 1, label: 1 });
    expect(scored.score).toBeGreaterThan(0.5);
    expect(scored.features.card_payments_1h).toBe(6);
    expect(scored.reasons.length).toBeGreaterThan(0);

    // The README's second flow: another simulated store, imported into the running server.
    const file = join(dir.dir, 'store2.jsonl');
    expect(
      runCli([
        'simulate',
        '--users',
        '500',
        '--days',
        '30',
        '--disorder',
        '60',
        '--dirty',
        '0.01',
        '--out',
        file,
      ]).code,
    ).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const valid = lines.filter((l) => !l.includes('"id":"dirty-') && l.includes('"id":"'));
    const eventsBefore = (await json(fetch(`${url}/health`))).events;
    const imported = lastJson(runCli(['import', file, '--to', url, '--json']).stdout);
    expect(imported).toMatchObject({ accepted: valid.length, duplicates: 0, conflicts: 0 });
    expect(imported.rejected).toBe(lines.length - valid.length);
    await new Promise((r) => setTimeout(r, 1000));
    const health = await json(fetch(`${url}/health`));
    expect(health.events).toBe(eventsBefore + valid.length);
    const letters = await json(fetch(`${url}/v1/deadletters?limit=1000`));
    expect(letters.items.filter((l: { code: string }) => /LATE|CONFLICT/.test(l.code))).toEqual([]);
    // Batch sees them: u7's spend over the 30 days before 2026-02-01, from the raw file.
    const T = Date.UTC(2026, 1, 1);
    const spend = valid
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === 'purchase' && e.userId === 'u7' && e.ts >= T - 30 * 86_400_000 && e.ts < T)
      .reduce((s, e) => s + e.total, 0);
    const got = lastJson<{ values: Record<string, number> }>(
      runCli(['features', 'get', 'user', 'u7', '--at', '2026-02-01', '--data', dir.dir, '--json']).stdout,
    );
    expect(got.values.user_spend_30d).toBeCloseTo(spend, 6);
  } finally {
    await stop(child);
    dir.remove();
  }
}, 240_000);
