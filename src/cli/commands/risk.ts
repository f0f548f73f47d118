// `shopstream risk`: the risk app's feature set, rules (validate, deploy, show), allow/block lists, training of
// the risk model and backtests over the log. docs/risk.md describes each.
import type { Command } from 'commander';
import {
  ERROR_CODES,
  LIST_KINDS,
  ShopstreamError,
  compileFeatures,
  historyPages,
  loadModel,
  parseModelRef,
  type LiveModel,
  type ListKind,
} from '../../core/index.js';
import {
  DEFAULT_RULES,
  Lists,
  RISK_FEATURES,
  RISK_FEATURE_NAMES,
  RISK_MODEL,
  backtest,
  compileRuleSet,
  ruleNames,
  trainRiskModel,
  type BacktestMetrics,
  type BacktestSide,
  type CompiledRuleSet,
} from '../../apps/risk/index.js';
import { openWorkspace, type Workspace } from '../../workspace/index.js';
import { resolveDataDir } from '../data-dir.js';
import { readJsonFile } from '../json-file.js';
import { numberOption, timeOption } from '../options.js';
import { startProgress } from '../progress.js';

interface DataFlags {
  data?: string;
  json?: boolean;
}

const dataOption = (c: Command) =>
  c.option('--data <dir>', 'data directory (default: $SHOPSTREAM_DATA or ./.shopstream)');

function riskFeatures() {
  return compileFeatures(RISK_FEATURES, 'risk features');
}

/** A rule file, compiled: a syntax error or unknown name is an error naming the rule and the character. */
export function readRules(file: string): { document: unknown; compiled: CompiledRuleSet } {
  const document = readJsonFile('rules', file, ERROR_CODES.INVALID_RULES);
  try {
    return { document, compiled: compileRuleSet(document, ruleNames(RISK_FEATURE_NAMES)) };
  } catch (error) {
    if (error instanceof ShopstreamError) {
      throw new ShopstreamError(error.code, `${file}: ${error.message}`, {
        field: error.field ?? 'rules',
        cause: error,
      });
    }
    throw error;
  }
}

async function withWorkspace<T>(
  flags: DataFlags,
  create: boolean,
  work: (ws: Workspace) => Promise<T>,
): Promise<T> {
  const ws = await openWorkspace(resolveDataDir(flags.data), { create });
  try {
    return await work(ws);
  } finally {
    await ws.close();
  }
}

export function registerRisk(program: Command): void {
  const risk = program
    .command('risk')
    .description('risk control: features, rules, lists, training and backtests (docs/risk.md)');

  risk
    .command('features')
    .description('print the risk feature set (a features file: edit it and serve it with --features)')
    .action(() => console.log(JSON.stringify(RISK_FEATURES, null, 2)));

  const rules = risk.command('rules').description('rule sets: validate, deploy, show');
  rules
    .command('validate <file>')
    .description('compile a rule file: errors name the rule and the character; nothing is deployed')
    .action((file: string) => {
      const { compiled } = readRules(file);
      console.log(`${file}: ${compiled.rules.length} rules compile`);
    });
  dataOption(
    rules
      .command('deploy <file>')
      .description('validate and deploy a rule file as the next version; servers switch to it'),
  ).action(async (file: string, flags: DataFlags) => {
    const { document, compiled } = readRules(file);
    const stored = await withWorkspace(flags, true, (ws) => ws.rules.deployRules(document, Date.now()));
    console.log(`deployed rules version ${stored.version} (${compiled.rules.length} rules) from ${file}`);
  });
  dataOption(
    rules
      .command('show')
      .description('print the live rule set (or --version N; the default rules when none was deployed)')
      .option('--version <n>', 'a deployed version'),
  ).action(async (flags: DataFlags & { version?: string }) => {
    const version = flags.version === undefined ? undefined : numberOption('version', flags.version, 1, 1e9);
    const stored = await withWorkspace(flags, true, (ws) => ws.rules.rules(version));
    if (version !== undefined && !stored) {
      throw new ShopstreamError(ERROR_CODES.NOT_FOUND, `--version: no rules version ${version}`, {
        field: 'version',
      });
    }
    console.log(JSON.stringify(stored?.document ?? DEFAULT_RULES, null, 2));
  });

  const lists = risk
    .command('lists')
    .description('allow and block lists (card, email, device, ip, bin, country)');
  for (const op of ['add', 'remove'] as const) {
    dataOption(
      lists
        .command(`${op} <kind> <value>`)
        .description(
          `${op === 'add' ? 'add a value to' : 'remove a value from'} a list (a new lists version)`,
        )
        .option('--list <list>', 'block or allow', 'block')
        .option('--note <text>', 'why'),
    ).action(async (kind: string, value: string, flags: DataFlags & { list: string; note?: string }) => {
      if (!LIST_KINDS.includes(kind as ListKind)) {
        throw new ShopstreamError(
          ERROR_CODES.INVALID_OPTION,
          `kind: "${kind}" is not one of ${LIST_KINDS.join(', ')}`,
          {
            field: 'kind',
          },
        );
      }
      if (flags.list !== 'block' && flags.list !== 'allow') {
        throw new ShopstreamError(
          ERROR_CODES.INVALID_OPTION,
          `--list: "${flags.list}" is not block or allow`,
          { field: 'list' },
        );
      }
      const change = {
        op,
        list: flags.list as 'block' | 'allow',
        kind: kind as ListKind,
        value,
        ...(flags.note ? { note: flags.note } : {}),
      };
      const version = await withWorkspace(flags, true, (ws) => ws.rules.changeLists([change], Date.now()));
      console.log(
        `lists version ${version}: ${op === 'add' ? 'added' : 'removed'} ${kind} ${value} ${op === 'add' ? 'to' : 'from'} the ${flags.list} list`,
      );
    });
  }
  dataOption(
    lists.command('show').description('the lists now, with their version').option('--json', 'print JSON'),
  ).action(async (flags: DataFlags) => {
    const history = await withWorkspace(flags, true, (ws) => ws.rules.listHistory());
    const now = Lists.asOf(history);
    const out = now.byKind();
    if (flags.json) return console.log(JSON.stringify({ version: now.version, ...out }));
    console.log(`lists version ${now.version}`);
    for (const list of ['allow', 'block'] as const) {
      for (const kind of LIST_KINDS) {
        const values = out[list][kind];
        if (values.length > 0) console.log(`${list} ${kind}: ${values.join(', ')}`);
      }
    }
  });

  dataOption(
    risk
      .command('train')
      .description(
        'train the risk model on a point-in-time set of the log (earlier 70%, tested on the later 30%) and promote it through the gate',
      )
      .option('--from <time>', 'payments from this time on (their features still read the history before)')
      .option('--to <time>', 'the history up to this time: later payments and labels are not read')
      .option('--label <spec>', 'label spec (fraud:MATURITY)', 'fraud:30d')
      .option('--json', 'print JSON'),
  ).action(async (flags: DataFlags & { from?: string; to?: string; label: string }) => {
    const from = flags.from === undefined ? undefined : timeOption('from', flags.from);
    const to = flags.to === undefined ? undefined : timeOption('to', flags.to);
    const result = await withWorkspace(flags, false, async (ws) => {
      const end = await ws.log.endOffset();
      const bar = startProgress('read log', Math.max(1, end), 'events');
      try {
        return await trainRiskModel({
          models: ws.models,
          features: riskFeatures(),
          pages: historyPages(ws.log, { endOffset: end, ...(to === undefined ? {} : { to }) }),
          label: flags.label,
          ...(from === undefined ? {} : { from }),
          now: Date.now(),
          fingerprint: `log:${end}:${from ?? ''}:${to ?? ''}`,
          onPage: (n) => bar.update(n),
        });
      } finally {
        bar.stop();
      }
    });
    if (flags.json) return console.log(JSON.stringify(result));
    const m = result.metrics;
    console.log(
      `${result.name}@${result.version}: ${result.rows} payments (${result.positives} fraud), tested on the later 30%: ` +
        `pr-auc ${fmt(m.prAuc)} roc-auc ${fmt(m.auc)}; ${result.production ? 'now production' : `not promoted: ${result.refused}`}`,
    );
  });

  dataOption(
    risk
      .command('backtest')
      .description('replay the log through the rules and model, each list as it was at decision time')
      .option('--from <time>', 'payments from this time')
      .option('--to <time>', 'payments before this time')
      .option('--rules <file>', 'a rule file (default: the live rule set)')
      .option('--model <ref>', `a model version NAME@V (default: production ${RISK_MODEL}, if any)`)
      .option('--compare', 'with --rules or --model: compare them with the live rules and model')
      .option('--truth <file>', "the simulator's truth file: recall at the budget per fraud type")
      .option('--budget <share>', 'review budget: the share of payments a team can look at', '0.01')
      .option('--json', 'print the report; the last line is one JSON object of the main figures'),
  ).action(async (flags: DataFlags & Record<string, string | boolean | undefined>) => {
    const from = typeof flags.from === 'string' ? timeOption('from', flags.from) : undefined;
    const to = typeof flags.to === 'string' ? timeOption('to', flags.to) : undefined;
    const budget = numberOption('budget', String(flags.budget), 0.0001, 1);
    const truth =
      typeof flags.truth === 'string'
        ? ((
            readJsonFile('truth', flags.truth, ERROR_CODES.INVALID_OPTION) as {
              fraud?: Record<string, string>;
            }
          ).fraud ?? {})
        : undefined;
    const report = await withWorkspace(flags, false, async (ws) => {
      const names = ruleNames(RISK_FEATURE_NAMES);
      const live = await ws.rules.rules();
      const liveSide: BacktestSide = {
        name: `live rules v${live?.version ?? 0}`,
        rules: compileRuleSet(live?.document ?? DEFAULT_RULES, names),
        model: await modelOf(ws, undefined),
      };
      const file = typeof flags.rules === 'string' ? readRules(flags.rules) : undefined;
      const candidate: BacktestSide = {
        name: file ? String(flags.rules) : liveSide.name,
        rules: file?.compiled ?? liveSide.rules,
        model: typeof flags.model === 'string' ? await modelOf(ws, flags.model) : liveSide.model,
      };
      if (flags.compare && !file && typeof flags.model !== 'string') {
        throw new ShopstreamError(
          ERROR_CODES.INVALID_OPTION,
          '--compare: name what to compare, --rules FILE and/or --model NAME@V',
          {
            field: 'compare',
          },
        );
      }
      const stored = new Map<string, number>();
      for (const d of await ws.decisions.list({
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
      })) {
        stored.set(d.paymentId, d.listsVersion);
      }
      const end = await ws.log.endOffset();
      const bar = startProgress('backtest', Math.max(1, end), 'events');
      try {
        return await backtest({
          features: riskFeatures(),
          pages: historyPages(ws.log, { endOffset: end }),
          ...(from === undefined ? {} : { from }),
          ...(to === undefined ? {} : { to }),
          sides: flags.compare ? [liveSide, candidate] : [candidate],
          listHistory: await ws.rules.listHistory(),
          storedListsVersion: stored,
          budget,
          ...(truth ? { truth } : {}),
          onPage: (n) => bar.update(n),
        });
      } finally {
        bar.stop();
      }
    });
    for (const side of report.sides) printSide(side.name, side.model, side.metrics);
    if (report.changes) {
      console.log('decision changes (rows: live, columns: candidate): approve challenge review block');
      for (const [a, row] of Object.entries(report.changes))
        console.log(`  ${a.padEnd(9)} ${Object.values(row).join(' ')}`);
    }
    if (flags.json) console.log(JSON.stringify(summaryJson(report.sides.at(-1)!.metrics)));
  });
}

async function modelOf(ws: Workspace, ref: string | undefined): Promise<LiveModel | undefined> {
  if (ref === undefined) {
    const production = (await ws.models.list(RISK_MODEL)).find((v) => v.stage === 'production');
    if (!production) return undefined;
  }
  const { meta, model } = await loadModel(ws.models, parseModelRef(ref ?? RISK_MODEL));
  return { meta, model, loadedAt: Date.now() };
}

function fmt(x: number | null | undefined, digits = 4): string {
  return x === null || x === undefined ? 'n/a' : x.toFixed(digits);
}

function printSide(name: string, model: string | null, m: BacktestMetrics): void {
  console.log(
    `${name}, model ${model ?? 'none'}: ${m.payments} payments, ${m.frauds} labelled fraud (${m.fraudAmount})`,
  );
  console.log(`  pr-auc ${fmt(m.prAuc)} roc-auc ${fmt(m.rocAuc)}`);
  console.log(
    `  at a ${(m.budget * 100).toFixed(2)}% review budget: recall ${fmt(m.recallAtBudget, 3)} precision ${fmt(m.precisionAtBudget, 3)}`,
  );
  console.log(
    `  fraud amount caught (review or block) ${m.fraudAmountCaught}; good amount blocked ${m.goodAmountBlocked}`,
  );
  console.log('  decision    fraud   legit');
  for (const [d, c] of Object.entries(m.confusion))
    console.log(`  ${d.padEnd(10)} ${String(c.fraud).padStart(6)} ${String(c.legit).padStart(7)}`);
  for (const [code, r] of Object.entries(m.rules))
    console.log(`  rule ${code}: ${r.hits} hits, precision ${fmt(r.precision, 3)}`);
  if (m.recallAtBudgetByType) {
    for (const [type, t] of Object.entries(m.recallAtBudgetByType)) {
      console.log(`  ${type}: ${t.caught} of ${t.frauds} in the budget (recall ${t.recall.toFixed(3)})`);
    }
  }
}

function summaryJson(m: BacktestMetrics): Record<string, unknown> {
  return {
    prAuc: m.prAuc,
    rocAuc: m.rocAuc,
    recallAtBudget: m.recallAtBudget,
    precisionAtBudget: m.precisionAtBudget,
    fraudAmountCaught: m.fraudAmountCaught,
    goodAmountBlocked: m.goodAmountBlocked,
    decisions: m.decisions,
    rules: m.rules,
    ...(m.recallAtBudgetByType ? { recallAtBudgetByType: m.recallAtBudgetByType } : {}),
  };
}
