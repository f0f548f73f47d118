// Risk figures: the risk model's quality on the simulator's default fraud mix (30 days, time-ordered 70/30)
// against XGBoost and logistic regression on the same rows; recall at a 1% review budget per planted fraud type
// (from the simulator's truth); one payment's decision in process (features, model, rules: p50/p99); and the
// stream path's payments per second on one core, beside the bare engine applying the same events.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FeatureEngine,
  Ingestor,
  LiveModels,
  SYSTEM_CLOCK,
  compileFeatures,
  historyPages,
  validateEvent,
  type EventOf,
  type ShopEvent,
} from '../src/core/index.js';
import { MemoryDecisionStore, MemoryModelStore, MemoryRuleStore } from '../src/adapters/memory/index.js';
import { PRESETS, importFile, writeTable, type Cell } from '../src/adapters/files/index.js';
import {
  DEFAULT_RULES,
  RISK_FEATURES,
  RiskService,
  backtest,
  compileRuleSet,
  ruleNames,
  RISK_FEATURE_NAMES,
  riskTable,
  riskTrainingRows,
  modelColumns,
  trainRiskModel,
} from '../src/apps/risk/index.js';
import { DEFAULT_SIMULATION, simulateStore } from '../src/sim/index.js';
import { fmt, median, type Measure } from './lib.js';
import { caughtUp, startChild, startServer, warmLoad } from './children.js';
import { openWorkspace } from '../src/workspace/index.js';
import { PAYSIM, PYTHON, hasPython } from './reference.js';

async function* pagesOf(events: readonly ShopEvent[]): AsyncGenerator<ShopEvent[]> {
  for (let i = 0; i < events.length; i += 10_000) yield events.slice(i, i + 10_000);
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Writes the rows' cells as a train and a test CSV (the later 30% tests) and runs ref_risk.py on them. */
async function referenceOn(
  work: string,
  name: string,
  header: readonly string[],
  rows: readonly Cell[][],
): Promise<Record<string, { auc: number; pr_auc: number }>> {
  const cut = rows.length - Math.max(1, Math.round(rows.length * 0.3));
  const train = join(work, `${name}-train.csv`);
  const test = join(work, `${name}-test.csv`);
  await writeTable(train, header, rows.slice(0, cut));
  await writeTable(test, header, rows.slice(cut));
  const script = fileURLToPath(new URL('./ref_risk.py', import.meta.url));
  const run = spawnSync(PYTHON, [script, train, test, header[header.length - 1] as string], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`ref_risk.py: ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, { auc: number; pr_auc: number }>;
}

/**
 * PaySim, imported with its preset and replayed: the risk model (velocity, recipient and balance features, point
 * in time) on the later 30% of payments by time, against XGBoost and logistic regression on the file's raw
 * columns (amount, type, the four balances) of the same payments under the same split.
 */
async function benchPaysim(work: string): Promise<Measure[]> {
  const dataDir = join(work, 'risk-paysim');
  const workspace = await openWorkspace(dataDir);
  const ingestor = new Ingestor(workspace.log, workspace.deadLetters, SYSTEM_CLOCK);
  await importFile(PAYSIM.file, { preset: PRESETS.get('paysim') }, ingestor);
  const features = compileFeatures(RISK_FEATURES, 'risk features');
  const trained = await trainRiskModel({
    models: workspace.models,
    features,
    pages: historyPages(workspace.log),
    label: 'fraud:1d',
    now: Date.now(),
    fingerprint: 'bench',
  });
  const m = trained.metrics;
  console.log(
    `risk paysim: ${trained.rows} payments (${trained.positives} fraud), later 30%: pr-auc ${m.prAuc?.toFixed(4)} roc-auc ${m.auc?.toFixed(4)}`,
  );
  const out: Measure[] = [
    {
      name: 'risk paysim: risk model PR-AUC, later 30%',
      value: m.prAuc ?? NaN,
      unit: 'pr-auc',
      target: 'above logistic on the raw columns',
    },
  ];
  if (hasPython(['sklearn', 'xgboost', 'pandas'])) {
    const payments = new Map<string, EventOf<'payment'>>();
    for await (const page of historyPages(workspace.log))
      for (const e of page) if (e.type === 'payment') payments.set(e.paymentId, e);
    const { rows } = await riskTrainingRows(features, historyPages(workspace.log), 'fraud:1d');
    const types = [...new Set([...payments.values()].map((p) => p.method ?? ''))].sort();
    const raw = [
      'amount',
      ...types.map((t) => `type_${t}`),
      'balanceBefore',
      'balanceAfter',
      'recipientBalanceBefore',
      'recipientBalanceAfter',
    ] as const;
    const cells = rows.map((r): Cell[] => {
      const p = payments.get(r.id) as EventOf<'payment'>;
      const record = p as unknown as Record<string, number | undefined>;
      return [
        p.amount,
        ...types.map((t) => (p.method === t ? 1 : 0)),
        record.balanceBefore ?? null,
        record.balanceAfter ?? null,
        record.recipientBalanceBefore ?? null,
        record.recipientBalanceAfter ?? null,
        r.label,
      ];
    });
    const ref = await referenceOn(work, 'risk-paysim-raw', [...raw, 'fraud'], cells);
    console.log(
      `risk paysim: raw columns, same split: logistic pr-auc ${ref.logistic?.pr_auc} roc-auc ${ref.logistic?.auc}; XGBoost pr-auc ${ref.xgboost?.pr_auc} roc-auc ${ref.xgboost?.auc}`,
    );
    out.push({
      name: 'risk paysim: logistic on the raw columns',
      value: ref.logistic?.pr_auc ?? NaN,
      unit: 'pr-auc',
    });
    out.push({
      name: 'risk paysim: XGBoost on the raw columns',
      value: ref.xgboost?.pr_auc ?? NaN,
      unit: 'pr-auc',
    });
  }
  await workspace.close();
  return out;
}

export async function benchRisk(quick: boolean, work: string): Promise<Measure[]> {
  const out: Measure[] = [];
  const events: ShopEvent[] = [];
  const truth = simulateStore(
    { ...DEFAULT_SIMULATION, users: quick ? 2_000 : 4_000, days: 30, seed: 3 },
    (line) => {
      const r = validateEvent(JSON.parse(line));
      if (r.ok) events.push(r.event);
    },
  );
  events.sort((a, b) => a.ts - b.ts);
  const features = compileFeatures(RISK_FEATURES, 'risk features');
  const models = new MemoryModelStore();
  const trained = await trainRiskModel({
    models,
    features,
    pages: pagesOf(events),
    now: Date.now(),
    fingerprint: 'bench',
  });
  const m = trained.metrics;
  console.log(
    `risk: ${events.length} events, ${truth.counts.payments} payments; risk@1 on ${trained.rows} matured payments (${trained.positives} fraud), later 30%: pr-auc ${m.prAuc?.toFixed(4)} roc-auc ${m.auc?.toFixed(4)}`,
  );
  out.push({
    name: 'risk model (gbdt): PR-AUC, later 30%',
    value: m.prAuc ?? NaN,
    unit: 'pr-auc',
    target: 'within 0.02 of XGBoost',
  });

  // The same rows, the same time-ordered split, for the reference learners.
  if (hasPython(['sklearn', 'xgboost', 'pandas'])) {
    const { rows } = await riskTrainingRows(features, pagesOf(events));
    const columns = modelColumns(features);
    const table = riskTable(rows, columns);
    const header = [...columns, 'fraud'];
    const ref = await referenceOn(
      work,
      'risk',
      header,
      table.map((r) => header.map((c) => (r[c] ?? null) as Cell)),
    );
    console.log(
      `risk: same split, XGBoost pr-auc ${ref.xgboost?.pr_auc} roc-auc ${ref.xgboost?.auc}; logistic pr-auc ${ref.logistic?.pr_auc} roc-auc ${ref.logistic?.auc}`,
    );
    out.push({ name: 'risk: XGBoost PR-AUC, same rows', value: ref.xgboost?.pr_auc ?? NaN, unit: 'pr-auc' });
    out.push({
      name: 'risk: logistic PR-AUC, same rows',
      value: ref.logistic?.pr_auc ?? NaN,
      unit: 'pr-auc',
    });
  } else
    console.log(
      'risk: Debian python3-sklearn/python3-xgboost/python3-pandas not installed: no reference figures',
    );

  // Recall at a 1% review budget, per planted type, on the later 30% of the period (the model did not see it).
  const sorted = events.filter((e) => e.type === 'payment').map((e) => e.ts);
  const from = sorted[Math.floor(sorted.length * 0.7)] as number;
  const served = new LiveModels(models);
  await served.refresh();
  const live = served.list()[0];
  const names = ruleNames(RISK_FEATURE_NAMES);
  const report = await backtest({
    features,
    pages: pagesOf(events),
    from,
    sides: [{ name: 'default rules', rules: compileRuleSet(DEFAULT_RULES, names), model: live }],
    listHistory: [],
    storedListsVersion: new Map(),
    truth: truth.fraud,
  });
  const metrics = report.sides[0]!.metrics;
  console.log(
    `risk: backtest of the later 30%: pr-auc ${metrics.prAuc?.toFixed(4)}, at 1% budget recall ${metrics.recallAtBudget?.toFixed(3)} precision ${metrics.precisionAtBudget?.toFixed(3)}; per type ${JSON.stringify(metrics.recallAtBudgetByType)}`,
  );
  for (const [type, t] of Object.entries(metrics.recallAtBudgetByType ?? {})) {
    out.push({
      name: `risk: recall at 1% budget, ${type}`,
      value: t.recall,
      unit: 'recall',
      note: `${t.caught}/${t.frauds}`,
    });
  }

  // Decisions in process: a live engine caught up on the history, then payments decided one at a time.
  const engine = new FeatureEngine(features, { outOfOrdernessMs: 60_000, allowedLatenessMs: 600_000 });
  const service = await RiskService.open({
    engine,
    decisions: new MemoryDecisionStore(),
    rules: new MemoryRuleStore(),
    models: served,
    clock: SYSTEM_CLOCK,
  });
  const payments = events.filter((e): e is EventOf<'payment'> => e.type === 'payment');
  const split = Math.floor(events.length * 0.9);
  engine.process(events.slice(0, split));
  const probes = payments.filter((p) => p.ts >= (events[split] as ShopEvent).ts);
  const times: number[] = [];
  const approved: number[] = [];
  // A round to warm the JIT up first, not counted: the figures are of a running server, not of its first calls.
  for (let round = 0; round < 6; round++) {
    for (const p of probes) {
      const t = performance.now();
      const d = service.decideNow(p, 'api');
      const us = (performance.now() - t) * 1000;
      if (round === 0) continue;
      times.push(us);
      if (d.decision === 'approve') approved.push(us);
    }
  }
  times.sort((a, b) => a - b);
  approved.sort((a, b) => a - b);
  console.log(
    `risk: approvals (no explanation) p50 ${quantile(approved, 0.5).toFixed(1)} µs p99 ${quantile(approved, 0.99).toFixed(1)} µs; ${times.length - approved.length} of ${times.length} decisions explained`,
  );
  console.log(
    `risk: ${fmt(times.length)} in-process decisions: p50 ${quantile(times, 0.5).toFixed(1)} µs, p99 ${quantile(times, 0.99).toFixed(1)} µs`,
  );
  out.push({
    name: 'risk: in-process decision p99',
    value: quantile(times, 0.99),
    unit: 'µs',
    target: '≤ 100 µs',
  });
  out.push({ name: 'risk: in-process decision p50', value: quantile(times, 0.5), unit: 'µs' });

  // The stream path: every payment decided and stored, labels joined, beside the engine alone.
  const rates: number[] = [];
  const bare: number[] = [];
  for (let round = 0; round < 4; round++) {
    const e2 = new FeatureEngine(features, { outOfOrdernessMs: 60_000, allowedLatenessMs: 600_000 });
    const s2 = await RiskService.open({
      engine: e2,
      decisions: new MemoryDecisionStore(),
      rules: new MemoryRuleStore(),
      models: served,
      clock: SYSTEM_CLOCK,
    });
    let t = performance.now();
    for (let i = 0; i < events.length; i += 5000) await s2.process(events.slice(i, i + 5000));
    // The first round warms up (not counted), as above.
    if (round > 0) rates.push(payments.length / ((performance.now() - t) / 1000));
    const e3 = new FeatureEngine(features, { outOfOrdernessMs: 60_000, allowedLatenessMs: 600_000 });
    t = performance.now();
    for (let i = 0; i < events.length; i += 5000) e3.process(events.slice(i, i + 5000));
    if (round > 0) bare.push(events.length / ((performance.now() - t) / 1000));
  }
  console.log(
    `risk: stream ${fmt(median(rates))} payments/s decided (${payments.length} of ${events.length} events); the bare engine ${fmt(median(bare))} events/s`,
  );
  out.push({
    name: 'risk: stream, payments decided/s (memory stores)',
    value: median(rates),
    unit: 'payments/s',
    target: '≥ 50k',
  });
  out.push({ name: 'risk: bare engine, same events', value: median(bare), unit: 'events/s' });

  if (existsSync(PAYSIM.file)) out.push(...(await benchPaysim(work)));

  // Over HTTP: the history imported, the model trained, `serve` in its own process, payments at 2k/s; the bare
  // Fastify server in turn is the machine's floor.
  const dataDir = join(work, 'risk-serve');
  const workspace = await openWorkspace(dataDir);
  await workspace.log.append(events.map((event) => ({ event })));
  await trainRiskModel({
    models: workspace.models,
    features,
    pages: historyPages(workspace.log),
    now: Date.now(),
    fingerprint: 'bench',
  });
  await workspace.close();
  const seconds = quick ? 5 : 10;
  const server = await startServer(dataDir, true);
  // Measured once the server has applied its history and answered 2 s of the same load (JIT, first imports).
  const ours = await caughtUp(server.url)
    .then(() => warmLoad(server.url, 2000, seconds, '/v1/risk/payments'))
    .finally(() => server.stop());
  const bareServer = await startChild([
    '--import',
    'tsx',
    fileURLToPath(new URL('./bare-server.ts', import.meta.url)),
  ]);
  const floor = await warmLoad(bareServer.url, 2000, seconds).finally(() => bareServer.stop());
  console.log(
    `risk: POST /v1/risk/payments at 2k/s: p50 ${ours.p50} ms p99 ${ours.p99} ms (server's own p99 ${ours.serverP99} ms), ${ours.failures} failed; bare Fastify p50 ${floor.p50} p99 ${floor.p99} ms`,
  );
  out.push({
    name: 'risk: POST /v1/risk/payments at 2k/s, p99',
    value: ours.p99,
    unit: 'ms',
    target: '≤ 2 ms, or within 1 ms of bare Fastify',
    note: `p50 ${ours.p50}; server's own p99 ${ours.serverP99}; ${ours.failures} failed; bare Fastify p99 ${floor.p99}`,
  });
  return out;
}
