// `shopstream demo`: simulates, imports, trains a fraud model and serves; /health answers with the imported
// events, /v1/models/fraud/predict with the model trained on them.
import { afterAll, expect, it } from 'vitest';
import { startCli, stop } from './helpers/cli.js';
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
    expect(output()).toMatch(/1\. simulated 200 shoppers × 3 days: (\d+) events/);
    const imported = Number(/2\. imported into .*: (\d+) new/.exec(output())?.[1]);
    expect(imported).toBeGreaterThan(1000);
    const health = await json(fetch(`${match[1]}/health`));
    expect(health).toMatchObject({ status: 'ok', events: imported });
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

it('with the default store size it trains fraud@1 and serves its predictions with explanations', async () => {
  const dir = freshDir();
  // The curl lines follow the "serving at" line: wait for the last of them.
  const { child, output } = await startCli(['demo', '--data', dir.dir, '--port', '0'], /Ctrl-C stops it/);
  const url = /serving at (http:\/\/\S+)/.exec(output())?.[1];
  try {
    expect(output()).toMatch(/3\. trained fraud@1 \(logistic\) on \d+ payments \(\d+ fraudulent/);
    const body = /-d '(\{"row".*\})'/.exec(output())?.[1];
    expect(body).toBeDefined();
    const answer = await json(fetch(`${url}/v1/models/fraud/predict?explain=true`, { method: 'POST', body }));
    expect(answer).toMatchObject({ model: 'fraud', version: 1 });
    expect(answer.score).toBeGreaterThanOrEqual(0);
    expect(answer.explanation.method).toBe('exact');
  } finally {
    await stop(child);
    dir.remove();
  }
});
