// `shopstream demo`: simulates, imports and serves; /health answers with the imported events.
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
  } finally {
    await stop(child);
  }
  expect(child.exitCode).toBe(0);
});
