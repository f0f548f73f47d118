// Streams a Parquet file as batches of rows through DuckDB (which has Parquet built in).
import { DuckDBInstance } from '@duckdb/node-api';
import { statSync } from 'node:fs';
import type { RowBatch } from './read-csv.js';
import type { Row } from './converter.js';

/** Batches of rows of a Parquet file; `lines` are 1-based row numbers. */
export async function* readParquetBatches(file: string): AsyncGenerator<RowBatch> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const totalBytes = statSync(file).size;
  try {
    // Count first: a second query on the connection would cut a stream that is still open.
    const counted = await connection.runAndReadAll('SELECT count(*) AS n FROM read_parquet($1)', [file]);
    const total = Number(counted.getRowObjectsJS()[0]?.n ?? 0);
    const result = await connection.stream('SELECT * FROM read_parquet($1)', [file]);
    let seen = 0;
    for await (const chunk of result.yieldRowObjectJs()) {
      const rows = chunk.map(plainRow);
      const lines = rows.map((_, i) => seen + i + 1);
      seen += rows.length;
      yield {
        rows,
        lines,
        malformed: [],
        bytesRead: total === 0 ? totalBytes : Math.round((seen / total) * totalBytes),
      };
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** DuckDB's JS values → plain JSON-like values: BIGINT → number, TIMESTAMP → epoch ms, NULL → absent. */
export function plainRow(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) {
    if (value === null || value === undefined) continue;
    out[key] = typeof value === 'bigint' ? Number(value) : value instanceof Date ? value.getTime() : value;
  }
  return out;
}
