// `shopstream import FILE...`: files into the embedded log (or a running server with --to), with progress.
import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import {
  ERROR_CODES,
  Ingestor,
  ShopstreamError,
  SYSTEM_CLOCK,
  addSummary,
  emptySummary,
  type EventSink,
  type IngestSummary,
} from '../../core/index.js';
import {
  DEFAULT_IMPORT_BATCH,
  FILE_FORMATS,
  PRESETS,
  firstLineOf,
  importFile,
  parseMapping,
  type FileFormat,
  type Mapping,
} from '../../adapters/files/index.js';
import { openWorkspace } from '../../workspace/index.js';
import { resolveDataDir } from '../data-dir.js';
import { durationOption, MAX_FUTURE_FLAG } from '../options.js';
import { startProgress } from '../progress.js';
import { readJsonFile } from '../json-file.js';
import { RemoteSink } from '../../adapters/http/index.js';

interface ImportFlags {
  format?: string;
  preset?: string;
  map?: string;
  data?: string;
  json?: boolean;
  strict?: boolean;
  to?: string;
  batchSize: string;
  maxFuture: string;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import events from JSONL, CSV or Parquet files into the event log')
    .argument('<files...>', 'files to import')
    .option('--format <format>', `file format: ${FILE_FORMATS.join(', ')} (default: from the file name)`)
    .option('--preset <name>', `a public data set's layout: ${[...PRESETS.keys()].join(', ')}`)
    .option('--map <file>', 'a JSON mapping file: which columns become which event fields')
    .option('--data <dir>', 'data directory (default: $SHOPSTREAM_DATA or ./.shopstream)')
    .option('--to <url>', "send events to a running server's /v1/events instead of writing the log")
    .option(
      '--batch-size <n>',
      'events per transaction (or per request with --to)',
      String(DEFAULT_IMPORT_BATCH),
    )
    .option(...MAX_FUTURE_FLAG)
    .option('--strict', 'exit with code 3 when any row is rejected or conflicts')
    .option('--json', 'print a JSON summary as the last line')
    .action(async (files: string[], flags: ImportFlags) => {
      const code = await runImport(files, flags);
      process.exitCode = code;
    });
}

async function runImport(files: string[], flags: ImportFlags): Promise<number> {
  const format = parseFormat(flags.format);
  const preset = flags.preset === undefined ? undefined : PRESETS.get(flags.preset);
  if (flags.preset !== undefined && !preset) {
    throw new ShopstreamError(
      ERROR_CODES.UNKNOWN_PRESET,
      `--preset: "${flags.preset}" is not a preset (one of ${[...PRESETS.keys()].join(', ')})`,
      { field: 'preset' },
    );
  }
  const mapping = flags.map === undefined ? undefined : loadMapping(flags.map);
  const batchSize = Number(flags.batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      `--batch-size: ${flags.batchSize} is not a whole number from 1 to 100000`,
      { field: 'batch-size' },
    );
  }
  const store = await openWorkspace(resolveDataDir(flags.data));
  const started = performance.now();
  const total = emptySummary();
  try {
    const local = new Ingestor(store.log, store.deadLetters, SYSTEM_CLOCK, {
      maxFutureMs: durationOption('max-future', flags.maxFuture),
    });
    const sink: EventSink = flags.to ? new RemoteSink(flags.to, local) : local;
    for (const file of files) {
      // The bar's total is the input's size, from the start (a file that is missing fails in importFile).
      let total_mb = existsSync(file) ? Math.max(0.1, Math.round(statSync(file).size / 1e5) / 10) : 1;
      const bar = startProgress(file.length > 30 ? `…${file.slice(-29)}` : file, total_mb, 'MB');
      const summary = await importFile(file, { format, preset, mapping, batchSize }, sink, (p) => {
        const size = Math.max(0.1, Math.round(p.totalBytes / 1e5) / 10);
        if (size !== total_mb) bar.setTotal((total_mb = size));
        bar.update(Math.min(total_mb, Math.round(p.bytesRead / 1e5) / 10), {
          rate: `${p.summary.accepted} new`,
        });
      });
      bar.update(total_mb);
      bar.stop();
      addSummary(total, summary);
      if (summary.accepted + summary.duplicates + summary.conflicts === 0 && summary.rejected > 0)
        throw everyRowRejected(file, summary, flags.preset);
      if (!flags.json) {
        console.log(
          `${file}: ${summary.accepted} accepted, ${summary.duplicates} duplicates, ${summary.conflicts} id conflicts, ${summary.rejected} rejected`,
        );
        for (const e of summary.errors.slice(0, 5))
          console.log(`  line ${e.index}: [${e.code}] ${e.message}`);
        const refused = summary.rejected + summary.conflicts;
        if (refused > 5)
          console.log(`  … ${refused - 5} more in the dead-letter table (GET /v1/deadletters)`);
      }
    }
  } finally {
    await store.close();
  }
  const seconds = Math.round((performance.now() - started) / 10) / 100;
  if (flags.json) {
    console.log(
      JSON.stringify({
        accepted: total.accepted,
        rejected: total.rejected,
        duplicates: total.duplicates,
        conflicts: total.conflicts,
        seconds,
      }),
    );
  } else {
    console.log(
      `done in ${seconds}s: ${total.accepted} accepted, ${total.duplicates} duplicates, ${total.conflicts} id conflicts, ${total.rejected} rejected`,
    );
  }
  return flags.strict && total.rejected + total.conflicts > 0 ? 3 : 0;
}

/**
 * A file of which nothing landed is a wrong preset or layout, not bad rows: an error that names the columns the
 * rows lacked and the header the file has.
 */
function everyRowRejected(file: string, summary: IngestSummary, preset: string | undefined): ShopstreamError {
  const missing = [
    ...new Set(summary.errors.filter((e) => e.message.endsWith(': is missing')).map((e) => e.field)),
  ];
  const first = summary.errors[0];
  const header = firstLine(file);
  const why =
    missing.length > 0
      ? `the rows lack ${missing.join(', ')}${preset ? `, which the ${preset} preset reads` : ''}`
      : `the first: [${first?.code}] ${first?.message}`;
  return new ShopstreamError(
    ERROR_CODES.INVALID_ROW,
    `${file}: all ${summary.rejected} rows rejected, nothing imported: ${why}${header ? `; the file's header is ${JSON.stringify(header)}` : ''} (the rows are in the dead-letter table)`,
    { field: preset ? 'preset' : 'file' },
  );
}

/** The header a file shows (its first line, up to 300 characters), or undefined for a binary one such as Parquet. */
function firstLine(file: string): string | undefined {
  return /\.parquet$/i.test(file) ? undefined : firstLineOf(file).replace(/\r$/, '').slice(0, 300);
}

function parseFormat(value: string | undefined): FileFormat | undefined {
  if (value === undefined) return undefined;
  if ((FILE_FORMATS as readonly string[]).includes(value)) return value as FileFormat;
  throw new ShopstreamError(
    ERROR_CODES.UNSUPPORTED_FORMAT,
    `--format: "${value}" is not one of ${FILE_FORMATS.join(', ')}`,
    {
      field: 'format',
    },
  );
}

function loadMapping(file: string): Mapping {
  return parseMapping(readJsonFile('map', file, ERROR_CODES.INVALID_MAPPING), file);
}
