// `shopstream train`: EVAL.md's tabular protocol on a CSV/Parquet file; stores the fitted pipeline + model as a
// new candidate version in the model store.
import type { Command } from 'commander';
import {
  ERROR_CODES,
  MODEL_KINDS,
  ShopstreamError,
  checkModelName,
  promote,
  trainRanking,
  trainTabular,
  versionEntry,
  type FitProgress,
  type ModelKind,
  type PipelineOptions,
} from '../../core/index.js';
import { fileFingerprint, readTable } from '../../adapters/files/index.js';
import { openWorkspace } from '../../workspace/index.js';
import { resolveDataDir } from '../data-dir.js';
import { intOption, numberOption } from '../options.js';
import { startProgress } from '../progress.js';
import { readFeatureSource } from '../feature-source-file.js';

interface TrainFlags {
  label: string;
  model: string;
  drop?: string;
  testSize: string;
  seed: string;
  epochs?: string;
  batchSize?: string;
  hidden?: string;
  task?: string;
  c?: string;
  group?: string;
  trees?: string;
  depth?: string;
  learningRate?: string;
  leaves?: string;
  earlyStopping?: string;
  scalePosWeight?: string;
  missing?: PipelineOptions['missing'];
  clip?: string;
  scale?: PipelineOptions['scale'];
  encoding?: PipelineOptions['encoding'];
  categorical?: string;
  name?: string;
  promote?: boolean;
  data?: string;
  json?: boolean;
}

function modelSettings(kind: ModelKind, flags: TrainFlags): Record<string, unknown> {
  const settings: Record<string, unknown> = { seed: intOption('seed', flags.seed, 0, 2 ** 31) };
  if (flags.c !== undefined) settings.c = numberOption('c', flags.c, 1e-9, 1e9);
  if (kind === 'mlp' || kind === 'ftrl') {
    if (flags.epochs !== undefined) settings.epochs = intOption('epochs', flags.epochs, 1, 100_000);
  }
  if (kind === 'mlp') {
    if (flags.batchSize !== undefined)
      settings.batchSize = intOption('batch-size', flags.batchSize, 1, 1_000_000);
    if (flags.hidden !== undefined)
      settings.hidden = flags.hidden.split(',').map((u) => intOption('hidden', u, 1, 4096));
  }
  if (kind === 'gbdt') {
    if (flags.trees !== undefined) settings.nEstimators = intOption('trees', flags.trees, 1, 100_000);
    if (flags.depth !== undefined) settings.maxDepth = intOption('depth', flags.depth, 0, 64);
    if (flags.learningRate !== undefined)
      settings.learningRate = numberOption('learning-rate', flags.learningRate, 1e-6, 1);
    if (flags.leaves !== undefined) {
      settings.numLeaves = intOption('leaves', flags.leaves, 2, 1 << 20);
      settings.growPolicy = 'lossguide';
    }
    if (flags.earlyStopping !== undefined)
      settings.earlyStoppingRounds = intOption('early-stopping', flags.earlyStopping, 1, 100_000);
    if (flags.scalePosWeight !== undefined)
      settings.scalePosWeight = numberOption('scale-pos-weight', flags.scalePosWeight, 1e-6, 1e6);
  }
  if (flags.task !== undefined) {
    const tasks = kind === 'gbdt' ? ['binary', 'regression', 'rank'] : ['binary', 'regression'];
    if (!tasks.includes(flags.task)) {
      throw new ShopstreamError(
        ERROR_CODES.INVALID_OPTION,
        `--task: ${JSON.stringify(flags.task)} is not ${tasks.join(', ')}`,
        { field: 'task' },
      );
    }
    if ((flags.task === 'rank') !== (flags.group !== undefined)) {
      throw new ShopstreamError(
        ERROR_CODES.INVALID_OPTION,
        flags.task === 'rank'
          ? "--group: --task rank needs the column of each row's query (or list) id"
          : `--group: only for --task rank (this is --task ${flags.task})`,
        { field: 'group' },
      );
    }
    settings.task = flags.task;
  } else if (flags.group !== undefined) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      '--group: only for --task rank (with --model gbdt)',
      {
        field: 'group',
      },
    );
  }
  const ignored = (
    [
      ['epochs', flags.epochs, ['mlp', 'ftrl']],
      ['batch-size', flags.batchSize, ['mlp']],
      ['hidden', flags.hidden, ['mlp']],
      ['task', flags.task, ['mlp', 'gbdt']],
      ['trees', flags.trees, ['gbdt']],
      ['depth', flags.depth, ['gbdt']],
      ['learning-rate', flags.learningRate, ['gbdt']],
      ['leaves', flags.leaves, ['gbdt']],
      ['early-stopping', flags.earlyStopping, ['gbdt']],
      ['scale-pos-weight', flags.scalePosWeight, ['gbdt']],
      ['c', flags.c, ['logistic', 'svm']],
    ] as const
  ).filter(([, value, kinds]) => value !== undefined && !(kinds as readonly string[]).includes(kind));
  if (ignored.length > 0) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      `--${ignored[0]![0]}: not a setting of --model ${kind} (it is for ${ignored[0]![2].join(', ')})`,
      { field: ignored[0]![0] },
    );
  }
  return settings;
}

function pipelineOptions(flags: TrainFlags): Partial<PipelineOptions> {
  const options: { -readonly [K in keyof PipelineOptions]?: PipelineOptions[K] } = {};
  if (flags.missing) options.missing = flags.missing;
  if (flags.scale) options.scale = flags.scale;
  if (flags.encoding) options.encoding = flags.encoding;
  if (flags.categorical) options.categoricalColumns = flags.categorical.split(',').filter(Boolean);
  if (flags.clip) {
    const [lo, hi] = flags.clip.split(',').map((q) => numberOption('clip', q, 0, 1));
    if (lo === undefined || hi === undefined) {
      throw new ShopstreamError(ERROR_CODES.INVALID_OPTION, '--clip: two quantiles, e.g. 0.01,0.99', {
        field: 'clip',
      });
    }
    options.clip = [lo, hi];
  }
  return options;
}

export function registerTrain(program: Command): void {
  program
    .command('train <file>')
    .description(
      'train a model on a CSV/Parquet table (stratified 80/20 split), report held-out metrics, store it',
    )
    .requiredOption('--label <column>', 'the column to predict (binary: 1/true/1.0 are positive)')
    .option('--model <kind>', `${MODEL_KINDS.join('|')}`, 'logistic')
    .option('--drop <a,b>', 'columns to leave out (ids, leaks)')
    .option('--test-size <share>', 'held-out share of rows', '0.2')
    .option('--seed <n>', 'seed of the split and the model', '42')
    .option('--epochs <n>', 'mlp: most epochs (early stopping ends sooner); ftrl: passes')
    .option('--batch-size <n>', 'mlp: rows per step')
    .option('--hidden <units>', 'mlp: hidden layer sizes, e.g. 128,64')
    .option(
      '--task <task>',
      'mlp, gbdt: binary (default) or regression (a numeric label; RMSE/MAE/R² on a random split); gbdt: rank (LambdaMART, with --group)',
    )
    .option('--group <column>', 'rank: the query (or list) id column; NDCG@10 on held-out groups')
    .option('--trees <n>', 'gbdt: boosting rounds (default 100)')
    .option('--depth <n>', 'gbdt: deepest split level (default 6)')
    .option('--learning-rate <x>', 'gbdt: shrinkage (default 0.3)')
    .option('--leaves <n>', 'gbdt: grow the leaf of largest gain first, up to n leaves (LightGBM style)')
    .option('--early-stopping <n>', 'gbdt: stop after n rounds without gain on held-out training rows')
    .option('--scale-pos-weight <x>', 'gbdt: weight of positive rows (negatives / positives balances)')
    .option('--c <value>', 'logistic/svm: inverse regularisation strength (default 1)')
    .option(
      '--missing <strategy>',
      'drop|mean|median|most_frequent|constant|keep (default drop; keep: missing numbers stay missing, gbdt only)',
    )
    .option('--clip <lo,hi>', 'clip numbers to these training quantiles, e.g. 0.01,0.99')
    .option('--scale <how>', 'zscore|minmax|none (default zscore)')
    .option('--encoding <how>', 'categories: onehot|hash (default onehot)')
    .option('--categorical <a,b>', 'numeric-looking columns to treat as categories')
    .option('--name <name>', 'model name in the store (default: the file name and the kind)')
    .option('--promote', 'promote the new version to production (refused if worse than production)')
    .option('--data <dir>', 'data directory (default: $SHOPSTREAM_DATA or ./.shopstream)')
    .option('--json', 'print a JSON summary as the last line')
    .action(async (file: string, flags: TrainFlags) => {
      if (!(MODEL_KINDS as readonly string[]).includes(flags.model)) {
        throw new ShopstreamError(
          ERROR_CODES.INVALID_OPTION,
          `--model: ${JSON.stringify(flags.model)} is not one of ${MODEL_KINDS.join(', ')}`,
          { field: 'model' },
        );
      }
      const kind = flags.model as ModelKind;
      const settings = modelSettings(kind, flags);
      const testSize = numberOption('test-size', flags.testSize, 0.01, 0.99);
      const seed = settings.seed as number;
      const base = file
        .replace(/^.*[\\/]/, '')
        .replace(/\.[^.]*$/, '')
        .replace(/[^A-Za-z0-9_.-]/g, '_');
      const name = checkModelName(flags.name ?? `${base}-${kind}`);
      const pipeline = pipelineOptions(flags);
      const started = performance.now();
      const [table, fingerprint] = await Promise.all([readTable(file), fileFingerprint(file)]);
      const source = readFeatureSource(file);
      if (!flags.json)
        console.error(`read ${table.rows.length} rows × ${table.columns.length} columns from ${file}`);
      let bar: ReturnType<typeof startProgress> | undefined;
      const common = {
        label: flags.label,
        settings,
        pipeline,
        drop: flags.drop?.split(',').filter(Boolean),
        testSize,
        seed,
        onProgress: (p: FitProgress) => {
          bar ??= startProgress(
            `fit ${kind}`,
            p.steps,
            kind === 'mlp' || kind === 'ftrl' ? 'epochs' : kind === 'gbdt' ? 'trees' : 'iterations',
          );
          bar.update(p.step);
        },
      };
      const result =
        flags.group !== undefined
          ? await trainRanking(table.rows, { ...common, group: flags.group })
          : await trainTabular(table.rows, { ...common, model: kind });
      bar?.stop();
      const { report, trained } = result;
      for (const warning of report.warnings) console.error(`warning: ${warning}`);
      const store = await openWorkspace(resolveDataDir(flags.data));
      const stored = await store.models.add(
        name,
        versionEntry(result, {
          fingerprint,
          params: {
            file,
            label: source?.label ?? flags.label,
            // Trained on a `dataset` table: the features it was made of, so that the server scores events for it.
            ...(source ? { source } : {}),
            settings: trained.model.settings,
            pipeline: trained.pipeline.options,
            testSize,
            seed,
            rows: report.rows,
            fitSeconds: report.fitSeconds,
            importance: report.importance,
          },
        }),
        Date.now(),
      );
      const promoted = flags.promote
        ? await promote(store.models, name, stored.version, { now: Date.now() }).finally(() => store.close())
        : undefined;
      if (!flags.promote) await store.close();
      const m = report.metrics;
      const summary = {
        model: name,
        version: stored.version,
        stage: promoted ? 'production' : 'candidate',
        kind,
        ...(report.task === 'binary'
          ? {
              auc: m.auc,
              prAuc: m.prAuc,
              accuracy: m.accuracy,
              logLoss: m.logLoss,
              brier: m.brier,
              threshold: m.threshold,
              precision: m.precision,
              recall: m.recall,
              f1: m.f1,
            }
          : report.task === 'rank'
            ? { ndcg10: m.ndcg10, ndcg5: m.ndcg5, groups: report.groups }
            : { rmse: m.rmse, mae: m.mae, r2: m.r2 }),
        fitSeconds: Math.round(report.fitSeconds * 1000) / 1000,
        rows: report.rows,
        features: report.columns.length,
        width: report.width,
        importance: report.importance.slice(0, 10),
        ...(report.gainImportance ? { gainImportance: report.gainImportance.slice(0, 10) } : {}),
        warnings: report.warnings,
        seconds: Math.round(performance.now() - started) / 1000,
      };
      if (flags.json) {
        console.log(JSON.stringify(summary));
        return;
      }
      const f = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(4));
      console.log(
        `${name}@${stored.version} (${kind}, ${summary.stage}): ${report.rows.train} train / ${report.rows.test} test rows, ${report.rows.dropped} dropped (missing), ${report.columns.length} columns → ${report.width} features`,
      );
      console.log(
        report.task === 'binary'
          ? `  ROC-AUC ${f(m.auc)}  PR-AUC ${f(m.prAuc)}  accuracy ${f(m.accuracy)}  log loss ${f(m.logLoss)}  Brier ${f(m.brier)}`
          : report.task === 'rank'
            ? `  NDCG@10 ${f(m.ndcg10)}  NDCG@5 ${f(m.ndcg5)} on ${report.groups?.test} held-out groups (${report.groups?.train} trained on)`
            : `  RMSE ${f(m.rmse)}  MAE ${f(m.mae)}  R² ${f(m.r2)}`,
      );
      if (report.task === 'binary')
        console.log(
          `  at its threshold ${f(m.threshold)} (best F1 on the held-out rows): precision ${f(m.precision)}  recall ${f(m.recall)}  F1 ${f(m.f1)}`,
        );
      console.log(
        `  fit ${summary.fitSeconds}s; permutation importance (drop of ${report.task === 'binary' ? 'ROC-AUC' : report.task === 'rank' ? 'NDCG@10' : 'R²'})${report.gainImportance ? ", and share of the trees' split gain" : ''}:`,
      );
      const gains = new Map(report.gainImportance?.map((g) => [g.column, g.share]));
      for (const { column, drop } of report.importance.slice(0, 10)) {
        const gain = gains.get(column);
        console.log(
          `    ${column.padEnd(28)} ${drop.toFixed(4)}${gain !== undefined ? `   gain ${(100 * gain).toFixed(1)}%` : ''}`,
        );
      }
      if (source)
        console.log(
          `  its features are recorded (from ${file}.features.json): POST /v1/models/${name}/score scores ${source.rowType} events`,
        );
      console.log(
        promoted
          ? `  promoted to production.`
          : `  next: shopstream models promote ${name}@${stored.version}   then: shopstream predict FILE --model ${name}`,
      );
    });
}
