// `npm run bench`: ingestion figures in one run, each beside a bare baseline measured in the same process.
//   baseline  JSON.parse + validation of the same lines, no storage
//   import    JSONL file → SQLite event log (in process, one core)
//   http      POST /v1/events, NDJSON batches of 500, 50 connections; server (--no-features) and client each in a process
//   http-features  the same with the live stream engine in the server
//   single    one event per POST at a fixed 2,000 req/s: p50/p99 latency
//   simulate  the store simulator's event rate
//   log-store SQLite vs DuckDB as the append-only log with idempotent ids (why the log is on SQLite)
//   models    fit time and quality against scikit-learn on the same split, FTRL updates/s
//   trees     gradient-boosted trees against XGBoost on the same rows: quality, fit, batch and one-row prediction
//   serving   POST /v1/models/{name}/predict at a fixed 1,000 req/s: p99, beside a bare Fastify server in turn
//   features  the stream engine: hot items (Nexmark q5 shape), a 12-aggregate fraud set, Map baseline, memory, recovery
//   risk      the risk model against XGBoost and logistic on the same rows, recall per fraud type, decision p99, stream rate
//   recommend MovieLens top-10 (served and baselines), a top 20 in process, memory, GET users/{id} at 1k/s
//   replay    batch over a shuffled log of 1M payments in event-time order, beside arrival order and the engine alone
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ingestor, SYSTEM_CLOCK, validateEvent } from '../src/core/index.js';
import { importFile } from '../src/adapters/files/index.js';
import { openEmbeddedStore } from '../src/adapters/sqlite/index.js';
import { DEFAULT_SIMULATION, simulateStore } from '../src/sim/index.js';
import { benchLogStores } from './log-store.js';
import { benchFeatures } from './features.js';
import { benchReplay } from './replay.js';
import { fmt, medianOf, printTable, rate, type Measure } from './lib.js';
import { childJson, pacedLoad, startChild, startServer } from './children.js';
import { benchModelServing, benchModels } from './models.js';
import { benchTrees } from './trees.js';
import { benchRisk } from './risk.js';
import { benchRecommend } from './recommend.js';

const quick = process.argv.includes('--quick');
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
/** `--only=import,http` runs just those parts (the baseline always runs). */
const wanted = (part: string) => !onlyArg || onlyArg.slice('--only='.length).split(',').includes(part);
const work = mkdtempSync(join(tmpdir(), 'shopstream-bench-'));
const results: Measure[] = [];

try {
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}${quick ? ' (quick)' : ''}\n`,
  );

  // The data: simulator output, the same lines for every measurement.
  const config = { ...DEFAULT_SIMULATION, users: quick ? 8_000 : 12_000, products: 5_000, days: 14, seed: 1 };
  // Simulator speed as the CLI sees it: lines handed to a writer, none kept (keeping 10⁶ strings is GC work).
  let simulated = 0;
  const simMs = await medianOf(quick ? 1 : 3, () => {
    simulated = 0;
    let bytes = 0;
    const t = performance.now();
    simulateStore(config, (line) => {
      simulated++;
      bytes += line.length;
    });
    const ms = performance.now() - t;
    if (bytes === 0) throw new Error('simulate: no output');
    return ms;
  });
  const lines: string[] = [];
  simulateStore(config, (line) => lines.push(line));
  const simRate = rate(simulated, simMs.median);
  const file = join(work, 'events.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  console.log(`data: ${fmt(lines.length)} simulated events (${fmt(readFileSync(file).length / 1e6)} MB)`);

  // Baseline: parse + validate, nothing stored.
  const baseline = await medianOf(3, () => {
    const t = performance.now();
    let ok = 0;
    for (const line of lines) if (validateEvent(JSON.parse(line)).ok) ok++;
    if (ok !== lines.length) throw new Error('baseline: invalid simulated events');
    return rate(lines.length, performance.now() - t);
  });
  results.push({ name: 'baseline: JSON.parse + validate', value: baseline.median, unit: 'events/s' });

  // File import into a fresh log each run.
  if (wanted('import')) {
    const imports = await medianOf(3, async () => {
      const dir = mkdtempSync(join(work, 'import-'));
      const store = openEmbeddedStore(dir);
      const t = performance.now();
      const summary = await importFile(file, {}, new Ingestor(store.log, store.deadLetters, SYSTEM_CLOCK));
      const ms = performance.now() - t;
      await store.close();
      rmSync(dir, { recursive: true });
      if (summary.accepted !== lines.length)
        throw new Error(`import: ${summary.accepted} of ${lines.length}`);
      return rate(lines.length, ms);
    });
    results.push({
      name: 'import: JSONL → SQLite log',
      value: imports.median,
      unit: 'events/s',
      target: '≥ 150,000',
      note: `${(imports.median / baseline.median).toFixed(2)}× baseline; runs ${imports.all.map(fmt).join(', ')}`,
    });
  }

  // HTTP: the server alone in a child process (one core), load generators in processes of their own.
  const server = wanted('http') || wanted('single') ? await startServer(join(work, 'http')) : undefined;
  if (server)
    try {
      if (wanted('http')) {
        // The client runs in its own process (the other core), so this process's heap does not slow it.
        const http = await batchLoad(server.url, file, quick ? 5 : 10);
        results.push({
          name: 'http: NDJSON batches of 500, 50 conns',
          value: http.eventsPerSecond,
          unit: 'events/s',
          target: '≥ 100,000',
          note: `${(http.eventsPerSecond / baseline.median).toFixed(2)}× baseline; ${http.failures} failed requests; batch p50 ${http.p50} ms, p99 ${http.p99} ms`,
        });
      }
      if (wanted('single')) {
        // Open-loop, fixed rate, from a separate process; the bare Fastify server in the same run is the floor.
        const seconds = quick ? 5 : 10;
        const ours = await pacedLoad(server.url, 2000, seconds);
        const bare = await startChild([
          '--import',
          'tsx',
          fileURLToPath(new URL('./bare-server.ts', import.meta.url)),
        ]);
        const floor = await pacedLoad(bare.url, 2000, seconds).finally(() => bare.stop());
        results.push({
          name: 'single-event POST at 2k req/s: p99',
          value: ours.p99,
          unit: 'ms',
          target: '≤ 5 ms',
          note: `p50 ${ours.p50} ms, p90 ${ours.p90} ms, ${ours.failures} failed; bare Fastify here: p50 ${floor.p50}, p99 ${floor.p99} ms`,
        });
      }
    } finally {
      await server.stop();
    }

  // The same batch load on a server that also runs the live engine with the example features.
  if (wanted('http-features')) {
    const withEngine = await startServer(join(work, 'http-features'), true);
    try {
      const http = await batchLoad(withEngine.url, file, quick ? 5 : 10);
      results.push({
        name: 'http + live engine (example features)',
        value: http.eventsPerSecond,
        unit: 'events/s',
        note: `${(http.eventsPerSecond / baseline.median).toFixed(2)}× baseline; ${http.failures} failed; batch p99 ${http.p99} ms`,
      });
    } finally {
      await withEngine.stop();
    }
  }

  if (wanted('simulate'))
    results.push({
      name: 'simulate',
      value: simRate,
      unit: 'events/s',
      target: '≥ 200,000',
      note: `in process, lines to a counting writer; runs ${simMs.all.map((ms) => fmt(rate(simulated, ms))).join(', ')}`,
    });

  if (wanted('features')) for (const m of await benchFeatures(quick, work)) results.push(m);
  if (wanted('replay')) for (const m of await benchReplay(quick, work)) results.push(m);
  if (wanted('models')) for (const m of await benchModels(quick, work)) results.push(m);
  if (wanted('trees')) for (const m of await benchTrees(quick, work)) results.push(m);
  if (wanted('risk')) for (const m of await benchRisk(quick, work)) results.push(m);
  if (wanted('recommend')) for (const m of await benchRecommend(quick, work)) results.push(m);
  if (wanted('serving')) for (const m of await benchModelServing(quick, work)) results.push(m);

  if (wanted('log-store'))
    for (const m of await benchLogStores(quick ? 100_000 : 200_000, work)) results.push(m);

  console.log('');
  printTable(results);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** NDJSON batches of 500 over 50 connections for `seconds`, from a process of its own. */
function batchLoad(url: string, file: string, seconds: number) {
  return childJson<{ eventsPerSecond: number; failures: number; p50: number; p99: number }>([
    fileURLToPath(new URL('./batch-client.ts', import.meta.url)),
    new URL(url).port,
    file,
    '500',
    '50',
    String(seconds),
  ]);
}
