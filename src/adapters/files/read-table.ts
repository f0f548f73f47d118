// Reads a whole table (CSV, TSV, Parquet or JSON lines) into rows through DuckDB, which infers column types the
// way pandas does for these files: numbers, TRUE/FALSE as booleans, empty cells as missing.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { extname } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ERROR_CODES, ShopstreamError, type DataRow } from '../../core/index.js';
import { plainRow } from './read-parquet.js';

export interface Table {
  readonly columns: string[];
  readonly rows: DataRow[];
}

const READERS: Record<string, string> = {
  '.csv': 'read_csv($1, header = true, auto_detect = true)',
  '.tsv': "read_csv($1, header = true, delim = '\t', auto_detect = true)",
  '.parquet': 'read_parquet($1)',
  '.jsonl': 'read_json_auto($1, format = newline_delimited)',
  '.ndjson': 'read_json_auto($1, format = newline_delimited)',
};

/** Every row of FILE as an object of plain values (BIGINT → number, DATE/TIMESTAMP → epoch ms, NULL → absent). */
export async function readTable(file: string): Promise<Table> {
  if (!existsSync(file))
    throw new ShopstreamError(ERROR_CODES.FILE_NOT_FOUND, `${file}: no such file`, { field: 'file' });
  const reader = READERS[extname(file).toLowerCase()];
  if (!reader) {
    throw new ShopstreamError(
      ERROR_CODES.UNSUPPORTED_FORMAT,
      `${file}: tables are read from ${Object.keys(READERS).join(', ')} files`,
      { field: 'file' },
    );
  }
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const result = await connection.runAndReadAll(`SELECT * FROM ${reader}`, [file]);
    const columns = result.columnNames();
    return { columns, rows: result.getRowObjectsJS().map(plainRow) };
  } catch (error) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_ROW,
      `${file}: cannot read it as a table (${String(error)})`,
      {
        field: 'file',
        cause: error,
      },
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** sha256 of a file's bytes: the data fingerprint a model version records. */
export async function fileFingerprint(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
