// `shopstream demo`: simulate a store, import it into the embedded log, train a fraud model on it, serve it —
// one command to see it all.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { Ingestor, SYSTEM_CLOCK, compileFeatures, historyPages } from '../../core/index.js';
import { RISK_FEATURES, trainRiskModel, type RiskTrainResult } from '../../apps/risk/index.js';
import { importFile } from '../../adapters/files/index.js';
import { openWorkspace } from '../../workspace/index.js';
import { startServer } from '../../server/index.js';
import { DEFAULT_SIMULATION } from '../../sim/index.js';
import { resolveDataDir } from '../data-dir.js';
import { intOption } from '../options.js';
import { startProgress } from '../progress.js';
import { closeOnSignals, DEFAULT_PORT } from './serve.js';
import { loadFeatures } from '../features-file.js';
import { runSimulation } from './simulate.js';
import { DEMO_MATURITY, trainDemoFraudModel } from '../demo-model.js';

const DAY = 86_400_000;

/**
 * The demo's live example: a card-testing burst (small payments on a new card from one device, seconds apart,
 * as the simulator plants them) to post now, and the next payment of it to score. No `ts`: the server stamps
 * the arrival time, so the events continue the history, which ends when the demo starts.
 */
function probeBurst(tag: string): { lines: string[]; next: Record<string, unknown> } {
  const payer = {
    userId: `probe-${tag}`,
    cardId: `card-probe-${tag}`,
    deviceId: `dev-probe-${tag}`,
    ip: '203.0.113.7',
    ipCountry: 'BR',
    billingCountry: 'DE',
    shippingCountry: 'BR',
    currency: 'EUR',
  };
  const amounts = [1.5, 3.2, 0.9, 4.1, 2.7, 1.1];
  const payment = (k: number, amount: number) => ({
    id: `pay-probe-${tag}-${k}`,
    type: 'payment',
    paymentId: `pay-probe-${tag}-${k}`,
    amount,
    ...payer,
  });
  return {
    lines: amounts.map((a, k) => JSON.stringify(payment(k + 1, a))),
    next: payment(amounts.length + 1, 2.4),
  };
}

/** A payment the demo decides as it starts: a card this account never used, from another country than billed. */
function riskProbe(tag: string): Record<string, unknown> {
  return {
    paymentId: `pay-risk-${tag}`,
    userId: 'u7',
    amount: 980,
    currency: 'EUR',
    cardId: `card-risk-${tag}`,
    deviceId: `dev-risk-${tag}`,
    ip: '198.51.100.23',
    email: 'u7@mail.example',
    billingCountry: 'DE',
    shippingCountry: 'BR',
    ipCountry: 'BR',
  };
}

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
    .option('--days <n>', 'days of traffic, ending now (more than 30: labels mature in 30 days)', '60')
    .option('--seed <n>', 'random seed', String(DEFAULT_SIMULATION.seed))
    .action(async (flags: DemoFlags) => {
      const dataDir = resolveDataDir(flags.data);
      const demoDir = join(dataDir, 'demo');
      mkdirSync(demoDir, { recursive: true });
      const eventsFile = join(demoDir, 'store.jsonl');
      const days = intOption('days', flags.days, 1, 365);
      // The history ends now: the last day is today, cut at this moment, so that live events continue it.
      const now = Date.now();
      const config = {
        ...DEFAULT_SIMULATION,
        users: intOption('users', flags.users, 1, 1_000_000),
        products: 1000,
        days,
        seed: intOption('seed', flags.seed, 0, 2 ** 32 - 1),
        start: now - (now % DAY) - (days - 1) * DAY,
        end: now,
        disorderSeconds: 30,
        dirtyRate: 0.002,
      };
      let started = performance.now();
      const { truth, lines } = runSimulation(config, eventsFile);
      const secs = () => ((performance.now() - started) / 1000).toFixed(2);
      console.log(
        `1. simulated ${config.users} shoppers × ${config.days} days up to now: ${lines} events, ${truth.counts.payments} payments (${truth.counts.fraudPayments} fraudulent), ${truth.counts.dirty} malformed on purpose → ${eventsFile} (${secs()}s)`,
      );

      started = performance.now();
      const store = await openWorkspace(dataDir);
      const bar = startProgress('2. import', lines, 'lines');
      const summary = await importFile(
        eventsFile,
        {},
        new Ingestor(store.log, store.deadLetters, SYSTEM_CLOCK),
        (p) => bar.update(Math.round((p.bytesRead / p.totalBytes) * lines)),
      );
      bar.stop();
      console.log(
        `2. imported into ${join(dataDir, 'events.db')}: ${summary.accepted} new, ${summary.duplicates} already there, ${summary.conflicts} id conflicts, ${summary.rejected} rejected into the dead-letter table (${secs()}s)`,
      );

      started = performance.now();
      const features = loadFeatures(undefined);
      let risk: RiskTrainResult | { skipped: string };
      let model: Awaited<ReturnType<typeof trainDemoFraudModel>>;
      try {
        model = await trainDemoFraudModel(store, features);
        risk = await trainRiskModel({
          models: store.models,
          features: compileFeatures(RISK_FEATURES, 'risk features'),
          pages: historyPages(store.log),
          now: Date.now(),
          fingerprint: `demo:${await store.log.endOffset()}`,
        }).catch((error: unknown) => ({ skipped: error instanceof Error ? error.message : String(error) }));
      } finally {
        await store.close();
      }
      const f3 = (v: number) => v.toFixed(3);
      console.log(
        'skipped' in model
          ? `3. fraud model: skipped (${model.skipped})`
          : `3. trained ${model.name}@${model.version} (logistic) on ${model.rows} payments (${model.positives} fraudulent; features as known before each payment, labels within ${DEMO_MATURITY}): on held-out payments ROC-AUC ${f3(model.auc)}, at its threshold ${f3(model.threshold)} precision ${f3(model.precision)} recall ${f3(model.recall)}; ${model.production ? 'in production' : `a candidate, not in production: ${model.refused}`} (${secs()}s)`,
      );

      console.log(
        'skipped' in risk
          ? `3. risk model: skipped (${risk.skipped})`
          : `3. trained ${risk.name}@${risk.version} (gradient-boosted trees on the risk features) on ${risk.rows} payments (${risk.positives} fraudulent), tested on the later 30%: PR-AUC ${f3(risk.metrics.prAuc ?? NaN)} ROC-AUC ${f3(risk.metrics.auc ?? NaN)}; ${risk.production ? 'in production' : `not in production: ${risk.refused}`}`,
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
      const url = server.url;
      const tag = now.toString(36);
      const probe = riskProbe(tag);
      const decided = (await (
        await fetch(`${url}/v1/risk/payments`, { method: 'POST', body: JSON.stringify(probe) })
      ).json()) as { decision: string; score: number | null; reasons: { message: string }[] };
      console.log(
        `5. decided a payment live (a new card, paid from BR, billed in DE): ${decided.decision}, score ${decided.score ?? 'none'}; ${decided.reasons.map((r) => r.message).join('; ')}`,
      );
      const shopper = server.recommend?.recommender.histories.mostActive() ?? 'u1';
      const list = (await (await fetch(`${url}/v1/recommendations/users/${shopper}?count=3`)).json()) as {
        items: { productId: string; title?: string; reason: string }[];
      };
      console.log(
        `6. recommended for ${shopper}: ${list.items.map((i) => `${i.title ?? i.productId} (${i.reason})`).join('; ')}`,
      );
      console.log(`7. serving at ${url}`);
      console.log(`   curl ${url}/health`);
      console.log(`   curl '${url}/v1/deadletters?limit=5'`);
      console.log(`   curl ${url}/v1/features/user/u1`);
      console.log(`   # a view by u1, stamped on arrival: user_views_1h of u1 goes up by one`);
      console.log(
        `   curl -X POST ${url}/v1/events -H 'content-type: application/json' -d '{"id":"view-${tag}","type":"view","userId":"u1","productId":"p1"}'`,
      );
      console.log(`   curl ${url}/v1/features/user/u1`);
      // A refused candidate leaves the production version it was compared with serving: the lines hold for it.
      if (!('skipped' in model)) {
        const burst = probeBurst(tag);
        console.log(`   # a card-testing burst: six small payments on a new card, then the next one scored`);
        console.log(
          `   printf '%s\\n' ${burst.lines.map((l) => `'${l}'`).join(' ')} | curl -X POST ${url}/v1/events -H 'content-type: application/x-ndjson' --data-binary @-`,
        );
        console.log(`   curl -X POST ${url}/v1/models/fraud/score -d '${JSON.stringify(burst.next)}'`);
      }
      console.log(`   # risk: decide a payment, see why, and work the review queue (docs/risk.md)`);
      console.log(
        `   curl -X POST ${url}/v1/risk/payments -d '${JSON.stringify({ ...probe, paymentId: `${probe.paymentId}-2`, amount: 1450 })}'`,
      );
      console.log(`   curl ${url}/v1/risk/decisions/${probe.paymentId}`);
      console.log(`   curl '${url}/v1/risk/review-queue?limit=3'`);
      console.log(`   curl ${url}/v1/risk/stats`);
      console.log(`   # recommendations: for a shopper, like a product, bought with it (docs/recommend.md)`);
      console.log(`   curl '${url}/v1/recommendations/users/${shopper}?count=5'`);
      console.log(
        `   curl '${url}/v1/recommendations/items/${list.items[0]?.productId ?? 'p1'}/similar?count=5'`,
      );
      console.log(
        `   curl '${url}/v1/recommendations/items/${list.items[0]?.productId ?? 'p1'}/bought-together?count=5'`,
      );
      console.log('   Ctrl-C stops it.');
      closeOnSignals(server);
    });
}
