// What presets and mapping files have in common: rows in, event objects (still to be validated) out.

/** A row of a tabular file: column name → value (text from CSV, typed from Parquet or JSONL). */
export type Row = Record<string, unknown>;

/** Why a row could not become an event. */
export interface RowProblem {
  readonly field: string;
  readonly message: string;
}

/** The events a row became (possibly none), or why it could not. */
export type Converted = readonly unknown[] | RowProblem;

export function isProblem(out: Converted): out is RowProblem {
  return !Array.isArray(out);
}

/** Events held back until the end of the file (grouped rows), each with the line it started on. */
export interface HeldEvent {
  readonly event: unknown;
  readonly line: number;
}

export interface RowConverter {
  convert(row: Row, line: number): Converted;
  finish?(): HeldEvent[];
}

/** How a CSV file is laid out. `columns` names the columns of a file without a header. */
export interface CsvDialect {
  readonly delimiter: string;
  readonly columns?: readonly string[];
}

/** A named, ready-made import of a public e-commerce format. */
export interface Preset {
  readonly name: string;
  readonly description: string;
  /** The dialect, chosen from the file's first line. */
  dialect(firstLine: string): CsvDialect;
  /** A fresh converter for one import (presets may keep state across rows). */
  create(): RowConverter;
}

/** A column's other spelling: `sessionId` ↔ `session_id` (public copies of one data set differ so). */
const ALIASES = new Map<string, string>();

function aliasOf(column: string): string {
  let alias = ALIASES.get(column);
  if (alias === undefined) {
    alias = column.includes('_')
      ? column.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())
      : column.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    ALIASES.set(column, alias);
  }
  return alias;
}

/** Reads a text cell (by its name, or its snake_case/camelCase twin); empty and NA-like cells are missing. */
export function cell(row: Row, column: string): string | undefined {
  const value = row[column] ?? row[aliasOf(column)];
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim();
  return text === '' || text === 'NA' || text === 'NULL' || text === 'null' ? undefined : text;
}

/** Reads a numeric cell, or a problem naming the column. */
export function numberCell(row: Row, column: string): number | RowProblem {
  const text = cell(row, column);
  if (text === undefined) return { field: column, message: `${column}: is missing` };
  const n = Number(text);
  return Number.isFinite(n)
    ? n
    : { field: column, message: `${column}: ${JSON.stringify(text.slice(0, 40))} is not a number` };
}

/** Reads a required text cell, or a problem naming the column. */
export function requiredCell(row: Row, column: string): string | RowProblem {
  return cell(row, column) ?? { field: column, message: `${column}: is missing` };
}

export function isRowProblem(value: unknown): value is RowProblem {
  return typeof value === 'object' && value !== null && 'message' in value && 'field' in value;
}
