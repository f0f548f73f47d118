// Recommendation figures: EVAL.md's top-10 protocol on MovieLens latest-small (what the API serves, the
// baselines); a shopper's top 20 in process (p50/p99, with the candidates it ranked); memory per shopper and per
// product; GET /v1/recommendations/users/{id} over HTTP at 1k/s beside the bare server in the same run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ingestor, SYSTEM_CLOCK, historyPages, type ShopEvent } from '../src/core/index.js';
import { PRESETS, importFile } from '../src/adapters/files/index.js';
import {
  CoVisitation,
  DEFAULT_ALS,
  DEFAULT_COVISIT,
  ImplicitAls,
  PROFILE_READ,
  SERVED_NEIGHBOURS,
  Recommender,
  UserHistories,
  evaluateRecommendations,
  interactionsOf,
} from '../src/apps/recommend/index.js';
import { openWorkspace } from '../src/workspace/index.js';
import { PYTHON, SHARED, hasPython } from './reference.js';
import { type Measure } from './lib.js';
import { caughtUp, startChild, startServer, warmLoad } from './children.js';

const MOVIELENS = join(SHARED, 'data/movielens-latest-small/ratings.csv');

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Heap bytes held by what `build` returns (after a full collection on both sides). */
function heapOf(build: () => unknown): { bytes: number; kept: unknown } {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const kept = build();
  gc?.();
  return { bytes: process.memoryUsage().heapUsed - before, kept };
}

/**
 * Implicit ALS (k 64, 15 iterations) on about a million interactions: MovieLens latest-small with its shoppers
 * copied ten times (each copy a new shopper with the same ratings), one core; beside ref_recs.py's numpy ALS on
 * the same pairs where Debian's python3-numpy and pandas are there.
 */
async function benchAls(quick: boolean, work: string): Promise<Measure[]> {
  const lines = readFileSync(MOVIELENS, 'utf8').trim().split('\n').slice(1);
  const users = new Map<string, number>();
  const items = new Map<string, number>();
  const base: [number, number, string][] = [];
  for (const line of lines) {
    const [u, i, , t] = line.split(',') as [string, string, string, string];
    if (!users.has(u)) users.set(u, users.size);
    if (!items.has(i)) items.set(i, items.size);
    base.push([users.get(u) as number, items.get(i) as number, t]);
  }
  const copies = quick ? 2 : 10;
  const pairs: [number, number][] = [];
  for (let c = 0; c < copies; c++) for (const [u, i] of base) pairs.push([u + c * users.size, i]);
  const started = performance.now();
  new ImplicitAls(DEFAULT_ALS).fit(users.size * copies, items.size, pairs);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `recommend: implicit ALS (k ${DEFAULT_ALS.factors}, ${DEFAULT_ALS.iterations} iterations) on ${pairs.length} interactions (${users.size * copies} shoppers × ${items.size} products): ${seconds.toFixed(1)} s`,
  );
  const out: Measure[] = [
    {
      name: `recommend: ALS fit, ${(pairs.length / 1e6).toFixed(2)}M interactions`,
      value: seconds,
      unit: 's',
      target: '≤ 60 s for 1M on one core',
    },
  ];
  if (!quick && hasPython(['numpy', 'pandas'])) {
    const file = join(work, 'als-1m.csv');
    const rows: string[] = [];
    for (let c = 0; c < copies; c++)
      for (const [u, i, t] of base) rows.push(`${u + c * users.size},${i},${t}`);
    writeFileSync(file, rows.join('\n') + '\n');
    const script = join(SHARED, 'reference/ref_recs.py');
    const run = spawnSync(PYTHON, [script, file, ',', '0', '1', '2'], {
      encoding: 'utf8',
      timeout: 1_800_000,
    });
    if (run.status === 0) {
      const ref = JSON.parse(run.stdout) as { als_implicit_k64?: { fit_s: number } };
      const fit = ref.als_implicit_k64?.fit_s ?? NaN;
      console.log(
        `recommend: ref_recs.py's numpy ALS on the same pairs: ${fit} s (ours ${(seconds / fit).toFixed(2)}×)`,
      );
      out.push({ name: 'recommend: numpy ALS (ref_recs.py), same pairs', value: fit, unit: 's' });
    } else console.log(`recommend: ref_recs.py failed: ${run.stderr.slice(-500)}`);
  }
  return out;
}

export async function benchRecommend(quick: boolean, work: string): Promise<Measure[]> {
  const out: Measure[] = [];
  if (!existsSync(MOVIELENS)) {
    console.log(`recommend: ${MOVIELENS} is missing: no figures`);
    return out;
  }
  const dataDir = join(work, 'recommend-movielens');
  const workspace = await openWorkspace(dataDir);
  await importFile(
    MOVIELENS,
    { preset: PRESETS.get('movielens') },
    new Ingestor(workspace.log, workspace.deadLetters, SYSTEM_CLOCK),
  );
  const events: ShopEvent[] = [];
  for await (const page of historyPages(workspace.log)) events.push(...page);
  await workspace.close();

  const report = await evaluateRecommendations(
    (async function* () {
      yield events;
    })(),
  );
  const fmt = (m: { ndcg: number; recall: number; hr: number }) =>
    `ndcg@10 ${m.ndcg.toFixed(4)} recall@10 ${m.recall.toFixed(4)} hr@10 ${m.hr.toFixed(4)}`;
  for (const [name, m] of Object.entries(report.models)) {
    console.log(`recommend: MovieLens, ${name.padEnd(10)} ${fmt(m)} (fit ${m.fitSeconds} s)`);
    out.push({
      name: `recommend: MovieLens NDCG@10, ${name}`,
      value: m.ndcg,
      unit: 'ndcg',
      ...(name === 'served' ? { target: '≥ 0.12' } : {}),
    });
  }

  // In process: every shopper's top 20, a few rounds (the first warms up and is not counted).
  const r = new Recommender();
  for (const e of events) r.observe(e);
  const users = [...new Set(events.map((e) => e.userId as string))];
  const times: number[] = [];
  const candidates: number[] = [];
  for (let round = 0; round < (quick ? 3 : 6); round++) {
    for (const u of users) {
      const t = performance.now();
      r.forUser(u, { count: 20 });
      if (round > 0) times.push((performance.now() - t) * 1000);
      if (round === 1) {
        const union = new Set<string>();
        for (const item of r.histories.recent(u, PROFILE_READ))
          for (const [id] of r.covisit.neighbours(item, SERVED_NEIGHBOURS)) union.add(id);
        candidates.push(union.size);
      }
    }
  }
  times.sort((a, b) => a - b);
  candidates.sort((a, b) => a - b);
  console.log(
    `recommend: top 20 for a shopper in process: p50 ${quantile(times, 0.5).toFixed(0)} µs p99 ${quantile(times, 0.99).toFixed(0)} µs, from a median of ${quantile(candidates, 0.5)} candidates (p10 ${quantile(candidates, 0.1)})`,
  );
  out.push({
    name: 'recommend: top 20 in process, p99',
    value: quantile(times, 0.99) / 1000,
    unit: 'ms',
    target: '≤ 1 ms from ≥ 500 candidates',
    note: `p50 ${(quantile(times, 0.5) / 1000).toFixed(3)} ms; candidates median ${quantile(candidates, 0.5)}`,
  });

  // Memory: the shoppers' histories alone, the co-visitation alone.
  const interactions = events.flatMap(interactionsOf);
  const histories = heapOf(() => {
    const h = new UserHistories();
    for (const i of interactions) h.add(i.userId, i.productId, i.ts);
    return h;
  });
  const covisit = heapOf(() => {
    const h = new UserHistories();
    const c = new CoVisitation(DEFAULT_COVISIT);
    for (const i of interactions) {
      const before = h.recent(i.userId, DEFAULT_COVISIT.window);
      if (h.add(i.userId, i.productId, i.ts)) c.add(before, i.productId, i.ts);
    }
    return c;
  });
  const items = new Set(interactions.map((i) => i.productId)).size;
  console.log(
    `recommend: memory: ${(histories.bytes / users.length / 1024).toFixed(1)} KiB per shopper (history of ${(interactions.length / users.length).toFixed(0)} products on average), ${(covisit.bytes / items / 1024).toFixed(2)} KiB per product (co-visitation)`,
  );
  out.push({
    name: 'recommend: memory per shopper',
    value: histories.bytes / users.length / 1024,
    unit: 'KiB',
  });
  out.push({
    name: 'recommend: memory per product (co-visitation)',
    value: covisit.bytes / items / 1024,
    unit: 'KiB',
  });
  void histories.kept;
  void covisit.kept;

  out.push(...(await benchAls(quick, work)));

  // Over HTTP: serve in its own process, GETs at 1k/s after it caught up and 2 s of warm-up; the bare server after.
  const seconds = quick ? 5 : 10;
  const path = 'GET /v1/recommendations/users/{i}?count=20';
  const server = await startServer(dataDir, true);
  const ours = await caughtUp(server.url)
    .then(() => warmLoad(server.url, 1000, seconds, path))
    .finally(() => server.stop());
  const bare = await startChild([
    '--import',
    'tsx',
    fileURLToPath(new URL('./bare-server.ts', import.meta.url)),
  ]);
  const floor = await warmLoad(bare.url, 1000, seconds, path).finally(() => bare.stop());
  console.log(
    `recommend: GET /v1/recommendations/users/{id}?count=20 at 1k/s: p50 ${ours.p50} ms p99 ${ours.p99} ms (server's own p99 ${ours.serverP99} ms), ${ours.failures} failed; bare Fastify p50 ${floor.p50} p99 ${floor.p99} ms`,
  );
  out.push({
    name: 'recommend: GET users/{id} at 1k/s, p99',
    value: ours.p99,
    unit: 'ms',
    target: '≤ 5 ms, or within 1 ms of bare Fastify',
    note: `p50 ${ours.p50}; server's own p99 ${ours.serverP99}; ${ours.failures} failed; bare Fastify p99 ${floor.p99}`,
  });
  return out;
}
