// The fraud set (b) under two builds of the engine in one process, for changes smaller than this machine's swings
// between separate runs (±25%): each build runs on a worker thread of its own (its own heap and compiled code),
// the two take turns over the same million payments, and the figure is the median of the per-pair ratios.
// Usage, with both builds compiled (npm run build; an older commit built in a worktree):
//   npx tsx benchmarks/fraud-ab.ts OLD/dist/core/index.js dist/core/index.js [PAIRS]
import { Worker } from 'node:worker_threads';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FRAUD_FEATURE_FILE, payments, views } from './features.js';
import { fmt, median } from './lib.js';

/** A worker: loads one build, then runs the fraud set over the events each time it is asked. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.build).then(({ FeatureEngine, compileFeatures }) => {
  const features = compileFeatures(workerData.features);
  const options = { outOfOrdernessMs: 60000, allowedLatenessMs: 3600000 };
  const events = workerData.events;
  parentPort.on('message', () => {
    const engine = new FeatureEngine(features, options);
    const t = performance.now();
    for (let i = 0; i < events.length; i += 1000) {
      engine.process(events.slice(i, i + 1000));
      if (i % 100000 === 0) engine.evict();
    }
    parentPort.postMessage(events.length / ((performance.now() - t) / 1000));
  });
  parentPort.postMessage('ready');
});
`;

const [before, after, pairs = '10', set = 'fraud'] = process.argv.slice(2);
/** `views` as a fourth argument: the hot-items set (a), one count over a million product views, instead. */
const HOT_ITEMS_FILE = {
  features: [{ name: 'product_views_1h', on: ['view'], by: 'product', agg: 'count', window: '1h' }],
};
if (!before || !after) {
  console.error(
    'usage: npx tsx benchmarks/fraud-ab.ts OLD/dist/core/index.js NEW/dist/core/index.js [PAIRS] [fraud|views]',
  );
  process.exit(2);
}
const events = set === 'views' ? views(1_000_000) : payments(1_000_000);
const features = set === 'views' ? HOT_ITEMS_FILE : FRAUD_FEATURE_FILE;
const workers = [before, after].map(
  (build) =>
    new Worker(WORKER, {
      eval: true,
      workerData: { build: pathToFileURL(resolve(build)).href, features, events },
    }),
);
const next = (worker: Worker) => new Promise<unknown>((done) => worker.once('message', done));
await Promise.all(workers.map(next));
const rates: [number[], number[]] = [[], []];
const ratios: number[] = [];
for (let p = 0; p < Number(pairs); p++) {
  // Alternate which build goes first, so that neither always runs after the other's garbage.
  for (const w of p % 2 === 0 ? [0, 1] : [1, 0]) {
    const answer = next(workers[w] as Worker);
    (workers[w] as Worker).postMessage('run');
    rates[w]?.push((await answer) as number);
  }
  ratios.push((rates[1][p] as number) / (rates[0][p] as number));
  console.log(`pair ${p + 1}: ${fmt(rates[0][p] as number)} → ${fmt(rates[1][p] as number)} events/s`);
}
console.log(
  `median ${fmt(median(rates[0]))} → ${fmt(median(rates[1]))} events/s; median ratio ${median(ratios).toFixed(3)} (pairs ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
);
await Promise.all(workers.map((w) => w.terminate()));
