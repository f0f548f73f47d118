// `shopstream dataset`: a point-in-time training set from the log, as CSV or Parquet.
import type { Command } from 'commander';
import { ERROR_CODES, ShopstreamError, featureSource, parseLabelSpec } from '../../core/index.js';
import { writeFeatureSource, sourceFileOf } from '../feature-source-file.js';
import { writeTable } from '../../adapters/files/index.js';
import { resolveDataDir } from '../data-dir.js';
import { openWorkspace } from '../../workspace/index.js';
import { loadFeatures } from '../features-file.js';
import { trainingSetFromLog } from '../read-log.js';

interface DatasetFlags {
  label: string;
  features?: string;
  featuresFile?: string;
  out: string;
  data?: string;
  json?: boolean;
}

export function registerDataset(program: Command): void {
  program
    .command('dataset')
    .description('a point-in-time training set: one row per labelled event, features as known just before it')
    .requiredOption(
      '--label <spec>',
      'fraud[:MATURITY] — payments, labelled by label events within MATURITY (default 30d)',
    )
    .requiredOption('--out <file>', 'FILE.csv or FILE.parquet')
    .option('--features <a,b>', 'features to include (default: all in the definitions)')
    .option('--features-file <file>', 'feature definitions (default: the shipped examples)')
    .option('--data <dir>', 'data directory (default: $SHOPSTREAM_DATA or ./.shopstream)')
    .option('--json', 'print a JSON summary as the last line')
    .action(async (flags: DatasetFlags) => {
      const spec = parseLabelSpec(flags.label);
      const all = loadFeatures(flags.featuresFile);
      const names = flags.features?.split(',').filter(Boolean);
      const unknown = names?.filter((n) => !all.some((f) => f.name === n)) ?? [];
      if (unknown.length > 0) {
        throw new ShopstreamError(
          ERROR_CODES.INVALID_OPTION,
          `--features: ${unknown.join(', ')} not defined (known: ${all.map((f) => f.name).join(', ')})`,
          { field: 'features' },
        );
      }
      const features = names ? all.filter((f) => names.includes(f.name)) : all;
      const started = performance.now();
      const store = await openWorkspace(resolveDataDir(flags.data), { create: false });
      const { rows, summary } = await trainingSetFromLog(store, features, spec).finally(() => store.close());
      const columns = ['id', 'ts', ...features.map((f) => f.name), 'label'];
      await writeTable(
        flags.out,
        columns,
        rows.map((r) => [
          r.id,
          new Date(r.ts).toISOString(),
          ...features.map((f) => r.values[f.name] ?? null),
          r.label,
        ]),
      );
      // Beside the table: which features it holds and how each is read, for the models trained on it.
      writeFeatureSource(flags.out, featureSource(features, spec, flags.label));
      const seconds = Math.round((performance.now() - started) / 10) / 100;
      const out = { ...summary, features: features.length, out: flags.out, seconds };
      if (flags.json) console.log(JSON.stringify(out));
      else
        console.log(
          `${summary.rows} rows (${summary.positives} positive, ${summary.immature} too recent, left out) × ${features.length} features → ${flags.out} (features recorded in ${sourceFileOf(flags.out)}) in ${seconds}s`,
        );
    });
}
