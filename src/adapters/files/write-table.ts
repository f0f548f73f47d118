// Writes rows of plain values as CSV, or as Parquet through DuckDB (reading the CSV it wrote first).
import { writeFileSync, rmSync } from 'node:fs';
import { extname } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

export type Cell =
  string | number | boolean | null | undefined | readonly unknown[] | Record<string, unknown>;

function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes `rows` (arrays in `columns` order) to FILE.csv or FILE.parquet. */
export async function writeTable(
  file: string,
  columns: readonly string[],
  rows: readonly (readonly Cell[])[],
): Promise<void> {
  const csv =
    [columns.map(csvCell).join(','), ...rows.map((row) => row.map(csvCell).join(','))].join('\n') + '\n';
  if (extname(file).toLowerCase() !== '.parquet') {
    writeFileSync(file, csv);
    return;
  }
  const tmp = `${file}.tmp.csv`;
  writeFileSync(tmp, csv);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(
      `COPY (SELECT * FROM read_csv($1, header = true, auto_detect = true)) TO '${file.replace(/'/g, "''")}' (FORMAT parquet)`,
      [tmp],
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
    rmSync(tmp, { force: true });
  }
}
