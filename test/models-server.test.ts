// POST /v1/models/{name}/predict on a running `serve`: one row or many, explanations, per-row errors, and a hot
// swap — a version promoted by another process while requests stream in: none fails, the answers switch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { openWorkspace } from '../src/workspace/index.js';
import { Random, promote, trainTabular, type DataRow } from '../src/core/index.js';
import { runCli, startCli, stop } from './helpers/cli.js';
import { json } from './helpers/http.js';
import { freshDir } from './helpers/tmp.js';

/** Buyers: more page value and fewer exits buy; `flip` reverses the rule, so the two versions disagree. */
function rows(flip: boolean): DataRow[] {
  const rng = new Random(flip ? 2 : 1);
  return Array.from({ length: 600 }, () => {
    const pageValue = rng.exponential(10);
    const exits = rng.next();
    const device = rng.pick(['mobile', 'desktop', 'tablet']);
    const z = (pageValue - 10) / 5 - 2 * (exits - 0.5) + (device === 'desktop' ? 0.5 : 0);
    return { pageValue, exits, device, bought: rng.next() < 1 / (1 + Math.exp(flip ? z : -z)) ? 1 : 0 };
  });
}

describe('serve: model predictions', () => {
  const tmp = freshDir();
  let child: ChildProcess;
  let url: string;

  beforeAll(async () => {
    const workspace = await openWorkspace(tmp.dir);
    const store = workspace.models;
    for (const flip of [false, true]) {
      const { trained, report, test } = await trainTabular(rows(flip), {
        label: 'bought',
        model: 'logistic',
      });
      await store.add(
        'buyers',
        {
          kind: 'logistic',
          metrics: report.metrics,
          features: report.columns,
          fingerprint: String(flip),
          params: {},
          artifact: trained.toJSON(),
          validation: { rows: test.rows, labels: Array.from(test.labels) },
        },
        Date.now(),
      );
    }
    await promote(store, 'buyers', 1, { now: Date.now() });
    await workspace.close();
    const started = await startCli(
      ['serve', '--data', tmp.dir, '--port', '0', '--no-features'],
      /at (http:\S+)/,
    );
    child = started.child;
    url = started.match[1] as string;
  }, 60_000);

  afterAll(async () => {
    await stop(child);
    tmp.remove();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('answers one row, many rows, and exact explanations that add up to the log-odds', async () => {
    const one = await json(
      post('/v1/models/buyers/predict', { row: { pageValue: 40, exits: 0.1, device: 'desktop' } }),
    );
    expect(one).toMatchObject({ model: 'buyers', version: 1, label: 1 });
    // The server's own time over the request, in ms.
    const timed = await post('/v1/models/buyers/predict?allowMissing=true', { row: { pageValue: 40 } });
    const timing = /^app;dur=(\d+\.\d{3})$/.exec(timed.headers.get('server-timing') ?? '');
    expect(timing, String(timed.headers.get('server-timing'))).not.toBeNull();
    expect(Number(timing![1])).toBeGreaterThan(0);
    expect(Number(timing![1])).toBeLessThan(1000);
    expect(one.score).toBeGreaterThan(0.9);
    const many = await json(
      // Rows without every column: allowMissing reads the missing ones as missing values.
      post('/v1/models/buyers/predict?explain=true&allowMissing=true', {
        rows: [
          { pageValue: 1, exits: 0.9 },
          { pageValue: 40, device: 'watch' },
        ],
      }),
    );
    expect(many.rejected).toBe(0);
    for (const p of many.predictions) {
      const e = p.explanation;
      expect(e.method).toBe('exact');
      const sum = Object.values(e.contributions as Record<string, number>).reduce((a, b) => a + b, e.base);
      expect(sum).toBeCloseTo(e.output, 10);
      expect(1 / (1 + Math.exp(-e.output))).toBeCloseTo(p.score, 10);
    }
    // Missing `device` and the unseen 'watch' contribute what the training mean and the unknown bucket give.
    expect(Object.keys(many.predictions[1].explanation.contributions).sort()).toEqual([
      'device',
      'exits',
      'pageValue',
    ]);
    const pinned = await json(
      post('/v1/models/buyers@2/predict?allowMissing=true', { row: { pageValue: 40, exits: 0.1 } }),
    );
    expect(pinned).toMatchObject({ version: 2, label: 0 });
  });

  it('rejects bad rows one by one and bad bodies as a whole, with the field and reason', async () => {
    const mixed = await post('/v1/models/buyers/predict?allowMissing=true', {
      rows: [{ pageValue: 3 }, { pageValue: 'x' }, 7],
    });
    expect(mixed.status).toBe(200);
    const body = await json(mixed);
    expect(body.rejected).toBe(2);
    expect(body.predictions[0].score).toBeGreaterThan(0);
    expect(body.errors.map((e: { field: string }) => e.field)).toEqual(['rows[1].pageValue', 'rows[2]']);
    const allBad = await post('/v1/models/buyers/predict?allowMissing=true', { rows: [{ exits: 'high' }] });
    expect(allBad.status).toBe(400);
    expect((await post('/v1/models/buyers/predict', 'not json')).status).toBe(400);
    expect((await post('/v1/models/buyers/predict', { rows: 'x' })).status).toBe(400);
    expect((await post('/v1/models/buyers/predict', {})).status).toBe(400);
    const missing = await post('/v1/models/nobody/predict', { row: {} });
    expect(missing.status).toBe(404);
    expect((await json(missing)).error).toBe('SS_MODEL_NOT_FOUND');
    expect((await post('/v1/models/buyers@9/predict', { row: {} })).status).toBe(404);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('hot swap: a version promoted by another process takes over while requests stream in, and none fails', async () => {
    const row = { row: { pageValue: 40, exits: 0.1, device: 'desktop' } };
    const seen: { version: number; at: number }[] = [];
    let failures = 0;
    let running = true;
    const client = async () => {
      while (running) {
        try {
          const response = await post('/v1/models/buyers/predict', row);
          if (response.status !== 200) failures++;
          else seen.push({ version: (await json(response)).version, at: performance.now() });
        } catch {
          failures++;
        }
      }
    };
    const clients = Array.from({ length: 8 }, client);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const promoted = performance.now();
    // --force: this test is about the swap, not the quality gate (the flipped rule may score either way).
    const run = runCli(['models', 'promote', 'buyers@2', '--force', '--data', tmp.dir]);
    expect(run.code, run.stderr).toBe(0);
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline && !seen.some((s) => s.version === 2 && s.at > promoted)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    running = false;
    await Promise.all(clients);
    expect(failures).toBe(0);
    expect(seen.filter((s) => s.at < promoted).every((s) => s.version === 1)).toBe(true);
    const firstNew = seen.findIndex((s) => s.version === 2);
    expect(firstNew).toBeGreaterThan(0);
    // Once the new version answers, requests sent after that answer never get the old one.
    const switchedAt = seen[firstNew]!.at;
    expect(seen.slice(-20).every((s) => s.version === 2)).toBe(true);
    expect(seen.length).toBeGreaterThan(50);
    expect(switchedAt - promoted).toBeLessThan(10_000);
    const listed = await json(fetch(`${url}/v1/models`));
    expect(listed.models).toMatchObject([{ name: 'buyers', version: 2, kind: 'logistic' }]);
  });
});
