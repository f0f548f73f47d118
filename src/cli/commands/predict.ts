// `shopstream predict`: scores the rows of a table with a stored model (its production version, or NAME@V).
import type { Command } from 'commander';
import { isShopstreamError, loadModel, parseModelRef, type DataRow } from '../../core/index.js';
import { readTable, writeTable, type Cell } from '../../adapters/files/index.js';
import { openWorkspace } from '../../workspace/index.js';
import { resolveDataDir } from '../data-dir.js';

interface PredictFlags {
  model: string;
  out?: string;
  explain?: boolean;
  data?: string;
  json?: boolean;
  allowMissing?: boolean;
}

export function registerPredict(program: Command): void {
  program
    .command('predict <file>')
    .description('score the rows of a CSV/Parquet table with a stored model')
    .requiredOption('--model <name[@version]>', 'the model; without @version its production version')
    .option(
      '--out <file>',
      'write the rows with their scores (.csv or .parquet); default: JSON lines on stdout',
    )
    .option('--explain', "add each row's contributions by column")
    .option(
      '--allow-missing',
      "score a table that lacks some of the model's columns (read as missing values), with a warning",
    )
    .option('--data <dir>', 'data directory (default: $SHOPSTREAM_DATA or ./.shopstream)')
    .option('--json', 'print a JSON summary as the last line (with --out)')
    .action(async (file: string, flags: PredictFlags) => {
      const store = await openWorkspace(resolveDataDir(flags.data), { create: false });
      const { meta, model } = await loadModel(store.models, parseModelRef(flags.model)).finally(() =>
        store.close(),
      );
      const table = await readTable(file);
      // A table without the model's columns would be scored on nothing in particular: refused, naming them.
      const warnings = model.requireColumns(table.columns, flags.allowMissing === true);
      for (const warning of warnings) console.error(`warning: ${warning}`);
      const results = table.rows.map((row: DataRow, index) => {
        try {
          const p = model.predict(row);
          const explanation = flags.explain ? model.explain(row) : undefined;
          return {
            index,
            ...p,
            ...(explanation && { base: explanation.base, contributions: explanation.byColumn }),
          };
        } catch (error) {
          if (!isShopstreamError(error)) throw error;
          return { index, error: { code: error.code, field: error.field ?? '', message: error.message } };
        }
      });
      const rejected = results.filter((r) => 'error' in r).length;
      if (flags.out) {
        const extra = ['score', 'prediction', ...(flags.explain ? ['contributions'] : []), 'error'];
        const columns = [...table.columns, ...extra.filter((c) => !table.columns.includes(c))];
        const rows = table.rows.map((row, i) => {
          const r = results[i] as Record<string, unknown>;
          const cells: Record<string, Cell> = {
            ...(row as Record<string, Cell>),
            score: (r.score as number | undefined) ?? null,
            prediction:
              (r.label as number | undefined) ??
              (model.model.task === 'regression' ? ((r.score as number | undefined) ?? null) : null),
            contributions: (r.contributions as Record<string, number> | undefined) ?? null,
            error: r.error ? (r.error as { message: string }).message : null,
          };
          return columns.map((c) => cells[c] ?? null);
        });
        await writeTable(flags.out, columns, rows);
        const summary = {
          model: meta.name,
          version: meta.version,
          rows: table.rows.length,
          rejected,
          warnings,
          out: flags.out,
        };
        if (flags.json) console.log(JSON.stringify(summary));
        else
          console.log(
            `${table.rows.length} rows scored by ${meta.name}@${meta.version} → ${flags.out}${rejected ? ` (${rejected} rejected: see the error column)` : ''}`,
          );
      } else {
        for (const r of results) console.log(JSON.stringify(r));
        if (rejected > 0)
          console.error(`${rejected} of ${table.rows.length} rows rejected (their lines carry the error)`);
      }
    });
}
