// Imports one file (JSONL, CSV, Parquet) into an event sink, through a preset or a mapping, with progress.
import { openSync, readSync, closeSync, statSync, existsSync } from 'node:fs';
import { extname } from 'node:path';
import {
  ERROR_CODES,
  ShopstreamError,
  addSummary,
  emptySummary,
  type EventSink,
  type IngestSummary,
  type Rejection,
} from '../../core/index.js';
import { isProblem, type Preset, type Row, type RowConverter } from './converter.js';
import type { Mapping } from './mapping.js';
import { mappingConverter } from './mapping.js';
import { readCsvBatches, type RowBatch } from './read-csv.js';
import { readLineBatches } from './read-lines.js';
import { readParquetBatches } from './read-parquet.js';

export type FileFormat = 'jsonl' | 'csv' | 'parquet';
export const FILE_FORMATS: readonly FileFormat[] = ['jsonl', 'csv', 'parquet'];

/**
 * Events per transaction on import: 5,000 measured 10–15% faster than 1,000 here (fewer commits), and a
 * kill -9 loses at most one uncommitted batch, which re-importing restores.
 */
export const DEFAULT_IMPORT_BATCH = 5000;

export interface ImportOptions {
  format?: FileFormat;
  preset?: Preset;
  mapping?: Mapping;
  batchSize?: number;
  /** Per-item errors kept in the summary (counts are always complete). */
  maxErrors?: number;
}

export interface ImportProgress {
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly summary: IngestSummary;
}

/** The format of a file from its name: .jsonl/.ndjson/.json, .parquet, anything else CSV-like. */
export function formatOf(file: string): FileFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  if (ext === '.parquet') return 'parquet';
  return 'csv';
}

/**
 * Reads `file` and sends its events to `sink` in batches; rows that do not convert are rejected with their line.
 * @example await importFile('ratings.csv', { preset: PRESETS.get('movielens') }, ingestor)
 */
export async function importFile(
  file: string,
  options: ImportOptions,
  sink: EventSink,
  onProgress?: (progress: ImportProgress) => void,
): Promise<IngestSummary> {
  if (!existsSync(file))
    throw new ShopstreamError(ERROR_CODES.FILE_NOT_FOUND, `${file}: no such file`, { field: 'file' });
  const totalBytes = statSync(file).size;
  const format = options.format ?? formatOf(file);
  const source = `import:${file}`;
  const maxErrors = options.maxErrors ?? 1000;
  const batchSize = options.batchSize ?? DEFAULT_IMPORT_BATCH;
  const total = emptySummary();
  const add = (part: IngestSummary, bytesRead: number) => {
    const errors = part.errors;
    addSummary(total, { ...part, errors: errors.slice(0, Math.max(0, maxErrors - total.errors.length)) });
    onProgress?.({ bytesRead, totalBytes, summary: total });
  };

  const converter = options.mapping ? mappingConverter(options.mapping) : options.preset?.create();
  if (format === 'jsonl' && !converter) {
    for await (const batch of readLineBatches(file, batchSize)) {
      add(await sink.ingestLines(batch.lines, source, (i) => batch.firstLine + i), batch.bytesRead);
    }
    return total;
  }
  if (format === 'csv' && !converter) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      `${file}: a CSV file needs --preset or --map to say how its columns become events`,
      { field: 'preset' },
    );
  }
  const rows =
    format === 'parquet'
      ? readParquetBatches(file)
      : format === 'csv'
        ? readCsvBatches(
            file,
            options.preset?.dialect(firstLineOf(file)) ?? { delimiter: sniffDelimiter(firstLineOf(file)) },
            batchSize,
          )
        : jsonRows(file, batchSize);
  let bytesRead = 0;
  for await (const batch of rows) {
    bytesRead = batch.bytesRead;
    add(await convertBatch(batch, converter, sink, source), bytesRead);
  }
  const held = converter?.finish?.() ?? [];
  for (let start = 0; start < held.length; start += batchSize) {
    const slice = held.slice(start, start + batchSize);
    add(
      await sink.ingestValues(
        slice.map((h) => h.event),
        source,
        (i) => slice[i]?.line ?? 0,
      ),
      bytesRead,
    );
  }
  return total;
}

async function convertBatch(
  batch: RowBatch,
  converter: RowConverter | undefined,
  sink: EventSink,
  source: string,
): Promise<IngestSummary> {
  const rejections: Rejection[] = batch.malformed.map((m) => ({
    index: m.line,
    code: ERROR_CODES.INVALID_ROW,
    field: '',
    message: `line ${m.line}: ${m.message}`,
    raw: m.raw,
  }));
  const values: unknown[] = [];
  const positions: number[] = [];
  for (let i = 0; i < batch.rows.length; i++) {
    const row = batch.rows[i] as Row;
    const line = batch.lines[i] as number;
    if (!converter) {
      values.push(row);
      positions.push(line);
      continue;
    }
    const out = converter.convert(row, line);
    if (isProblem(out)) {
      rejections.push({
        index: line,
        code: ERROR_CODES.INVALID_ROW,
        field: out.field,
        message: out.message,
        raw: JSON.stringify(row),
      });
      continue;
    }
    for (const event of out) {
      values.push(event);
      positions.push(line);
    }
  }
  return sink.ingestValues(values, source, (i) => positions[i] ?? 0, rejections);
}

/** JSONL rows for a mapping: each line parsed to an object; unparseable lines become malformed records. */
async function* jsonRows(file: string, batchSize: number): AsyncGenerator<RowBatch> {
  for await (const batch of readLineBatches(file, batchSize)) {
    const rows: Row[] = [];
    const lines: number[] = [];
    const malformed: RowBatch['malformed'] = [];
    batch.lines.forEach((text, i) => {
      if (text.trim() === '') return;
      try {
        rows.push(JSON.parse(text) as Row);
        lines.push(batch.firstLine + i);
      } catch (error) {
        malformed.push({
          line: batch.firstLine + i,
          message: `not valid JSON: ${(error as Error).message}`,
          raw: text,
        });
      }
    });
    yield { rows, lines, malformed, bytesRead: batch.bytesRead };
  }
}

/** The first line of a text file (its first 64 KiB read), without its line end's `\n`. */
export function firstLineOf(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(65_536);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.toString('utf8', 0, n).split('\n')[0] ?? '';
  } finally {
    closeSync(fd);
  }
}

function sniffDelimiter(line: string): string {
  const counts = [',', '\t', ';', '|'].map((d) => [d, line.split(d).length] as const);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0]?.[0] ?? ',';
}
