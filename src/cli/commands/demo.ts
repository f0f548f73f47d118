// `shopstream demo`: simulate a store, import it into the embedded log, train a fraud model on it, serve it —
// one command to see it all.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { Ingestor, SYSTEM_CLOCK } from '../../core/index.js';
import { importFile } from '../../adapters/files/index.js';
import { openEmbeddedStore } from '../../adapters/sqlite/index.js';
import { startServer } from '../../server/index.js';
import { DEFAULT_SIMULATION } from '../../sim/index.js';
import { resolveDataDir } from '../data-dir.js';
import { intOption } from '../options.js';
import { startProgress } from '../progress.js';
import { closeOnSignals, DEFAULT_PORT } from './serve.js';
import { loadFeatures } from '../features-file.js';
import { runSimulation } from './simulate.js';
import { DEMO_MATURITY, trainDemoFraudModel } from '../demo-model.js';

interface DemoFlags {
  data?: string;
  port: string;
  users: string;
  days: string;
  seed: string;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('simulate a store, import it, train a fraud model on it and serve the API')
    .option('--data <dir>', 'data directory (default: $SHOPSTREAM_DATA or ./.shopstream)')
    .option('--port <n>', 'port (0 picks a free one)', String(DEFAULT_PORT))
    .option('--users <n>', 'shoppers to simulate', '2000')
    .option('--days <n>', 'days of traffic', '14')
    .option('--seed <n>', 'random seed', String(DEFAULT_SIMULATION.seed))
    .action(async (flags: DemoFlags) => {
      const dataDir = resolveDataDir(flags.data);
      const demoDir = join(dataDir, 'demo');
      mkdirSync(demoDir, { recursive: true });
      const eventsFile = join(demoDir, 'store.jsonl');
      const config = {
        ...DEFAULT_SIMULATION,
        users: intOption('users', flags.users, 1, 1_000_000),
        products: 1000,
        days: intOption('days', flags.days, 1, 365),
        seed: intOption('seed', flags.seed, 0, 2 ** 32 - 1),
        disorderSeconds: 30,
        dirtyRate: 0.002,
      };
      let started = performance.now();
      const { truth, lines } = runSimulation(config, eventsFile);
      const secs = () => ((performance.now() - started) / 1000).toFixed(2);
      console.log(
        `1. simulated ${config.users} shoppers × ${config.days} days: ${lines} events, ${truth.counts.payments} payments (${truth.counts.fraudPayments} fraudulent), ${truth.counts.dirty} malformed on purpose → ${eventsFile} (${secs()}s)`,
      );

      started = performance.now();
      const store = openEmbeddedStore(dataDir);
      const bar = startProgress('2. import', lines, 'lines');
      const summary = await importFile(
        eventsFile,
        {},
        new Ingestor(store.log, store.deadLetters, SYSTEM_CLOCK),
        (p) => bar.update(Math.round((p.bytesRead / p.totalBytes) * lines)),
      );
      bar.stop();
      await store.close();
      console.log(
        `2. imported into ${join(dataDir, 'events.db')}: ${summary.accepted} new, ${summary.duplicates} already there, ${summary.rejected} rejected into the dead-letter table (${secs()}s)`,
      );

      started = performance.now();
      const features = loadFeatures(undefined);
      const model = await trainDemoFraudModel(dataDir, features);
      console.log(
        'skipped' in model
          ? `3. fraud model: skipped (${model.skipped})`
          : `3. trained ${model.name}@${model.version} (logistic) on ${model.rows} payments (${model.positives} fraudulent; features as known before each payment, labels within ${DEMO_MATURITY}): ROC-AUC ${model.auc.toFixed(3)} on held-out payments, in production (${secs()}s)`,
      );

      started = performance.now();
      const server = await startServer({
        dataDir,
        port: intOption('port', flags.port, 0, 65_535),
        features,
      });
      const stats = server.features?.engine.stats;
      console.log(
        `4. stream engine caught up: ${stats?.processed ?? 0} events applied to ${server.features?.engine.features.length ?? 0} features, ${stats?.late ?? 0} late (${secs()}s)`,
      );
      console.log(`5. serving at ${server.url}`);
      console.log(`   curl ${server.url}/health`);
      console.log(`   curl '${server.url}/v1/deadletters?limit=5'`);
      console.log(`   curl ${server.url}/v1/features/user/u1`);
      console.log(
        `   curl -X POST ${server.url}/v1/events -H 'content-type: application/json' -d '{"id":"e1","type":"view","ts":"2026-01-05T12:00:00Z","userId":"u1","productId":"p1"}'`,
      );
      if (!('skipped' in model)) {
        console.log(
          `   curl -X POST '${server.url}/v1/models/fraud/predict?explain=true' -d '${JSON.stringify({ row: model.example })}'`,
        );
      }
      console.log('   Ctrl-C stops it.');
      closeOnSignals(server);
    });
}
