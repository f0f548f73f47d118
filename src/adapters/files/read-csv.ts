// Streams a CSV/TSV file as batches of rows with their line numbers; malformed records are reported, not fatal.
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import type { CsvDialect, Row } from './converter.js';

export interface RowBatch {
  readonly rows: Row[];
  readonly lines: number[];
  /** Records the parser could not read (wrong column count, broken quotes), with their line. */
  readonly malformed: { line: number; message: string; raw: string }[];
  readonly bytesRead: number;
}

/** Batches of rows of a CSV file in the given dialect. */
export async function* readCsvBatches(
  file: string,
  dialect: CsvDialect,
  batchSize = 1000,
): AsyncGenerator<RowBatch> {
  let malformed: RowBatch['malformed'] = [];
  const parser = parse({
    delimiter: dialect.delimiter,
    columns: dialect.columns ? [...dialect.columns] : true,
    bom: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    relax_quotes: true,
    info: true,
    on_skip: (error, raw) => {
      malformed.push({
        line: (error as { lines?: number } | undefined)?.lines ?? 0,
        message: error?.message ?? 'malformed record',
        raw: raw ?? '',
      });
      return undefined;
    },
  });
  const input = createReadStream(file);
  let bytesRead = 0;
  input.on('data', (chunk) => (bytesRead += chunk.length));
  input.pipe(parser);
  let rows: Row[] = [];
  let lines: number[] = [];
  for await (const item of parser as AsyncIterable<{ record: Row; info: { lines: number } }>) {
    rows.push(item.record);
    lines.push(item.info.lines);
    if (rows.length >= batchSize) {
      yield { rows, lines, malformed, bytesRead };
      rows = [];
      lines = [];
      malformed = [];
    }
  }
  if (rows.length > 0 || malformed.length > 0) yield { rows, lines, malformed, bytesRead };
}
