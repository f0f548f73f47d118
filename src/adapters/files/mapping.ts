// Mapping files: how the columns of any CSV/Parquet/JSONL file become events, with type conversion.
import { ERROR_CODES, ShopstreamError, isEventType } from '../../core/index.js';
import { cell, type RowConverter, type Row, type Converted } from './converter.js';
import { rowId } from './row-id.js';

export type Conversion = 'string' | 'number' | 'integer' | 'boolean' | 'timestamp' | 'list' | 'json';
const CONVERSIONS: readonly Conversion[] = [
  'string',
  'number',
  'integer',
  'boolean',
  'timestamp',
  'list',
  'json',
];

/** One event field: a column name, or a column with a conversion, or a constant. */
export type FieldSpec = string | { column: string; as?: Conversion; separator?: string } | { value: unknown };

/**
 * A mapping file.
 * @example { "type": "view", "id": "event_id", "fields": { "ts": "time", "userId": "user", "productId": "item" } }
 */
export interface Mapping {
  /** A constant event type … */
  type?: string;
  /** … or the column that holds it, with an optional translation of its values. */
  typeColumn?: string;
  typeValues?: Record<string, string>;
  /** The column holding the event id; without it the id is derived from the whole row. */
  id?: string;
  fields: Record<string, FieldSpec>;
}

const TRUE = new Set(['1', 'true', 'yes', 't', 'y', '1.0']);
const FALSE = new Set(['0', 'false', 'no', 'f', 'n', '0.0']);

/** Checks a parsed mapping file, naming the field at fault. */
export function parseMapping(value: unknown, source = 'mapping'): Mapping {
  const bad = (field: string, reason: string) =>
    new ShopstreamError(ERROR_CODES.INVALID_MAPPING, `${source}: ${field}: ${reason}`, { field });
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw bad('(root)', 'must be a JSON object');
  const m = value as Record<string, unknown>;
  if (m.type === undefined && m.typeColumn === undefined)
    throw bad('type', 'give "type" (a constant) or "typeColumn"');
  if (m.type !== undefined && (typeof m.type !== 'string' || !isEventType(m.type)))
    throw bad('type', `${JSON.stringify(m.type)} is not an event type`);
  if (m.typeColumn !== undefined && typeof m.typeColumn !== 'string')
    throw bad('typeColumn', 'must be a column name');
  if (m.typeValues !== undefined) {
    if (typeof m.typeValues !== 'object' || m.typeValues === null)
      throw bad('typeValues', 'must map column values to event types');
    for (const [k, v] of Object.entries(m.typeValues)) {
      if (typeof v !== 'string' || !isEventType(v))
        throw bad(`typeValues.${k}`, `${JSON.stringify(v)} is not an event type`);
    }
  }
  if (m.id !== undefined && typeof m.id !== 'string') throw bad('id', 'must be a column name');
  if (typeof m.fields !== 'object' || m.fields === null || Array.isArray(m.fields))
    throw bad('fields', 'must map event fields to columns');
  for (const [name, spec] of Object.entries(m.fields as Record<string, unknown>)) {
    if (typeof spec === 'string') continue;
    if (typeof spec !== 'object' || spec === null)
      throw bad(`fields.${name}`, 'must be a column name, {column, as} or {value}');
    const s = spec as Record<string, unknown>;
    if ('value' in s) continue;
    if (typeof s.column !== 'string') throw bad(`fields.${name}.column`, 'must be a column name');
    if (s.as !== undefined && !CONVERSIONS.includes(s.as as Conversion)) {
      throw bad(`fields.${name}.as`, `${JSON.stringify(s.as)} is not one of ${CONVERSIONS.join(', ')}`);
    }
  }
  return m as unknown as Mapping;
}

/** A converter that applies a mapping to each row. */
export function mappingConverter(mapping: Mapping): RowConverter {
  const fields = Object.entries(mapping.fields);
  return {
    convert(row: Row): Converted {
      const event: Record<string, unknown> = {};
      let type = mapping.type;
      if (mapping.typeColumn !== undefined) {
        const raw = cell(row, mapping.typeColumn);
        if (raw === undefined)
          return { field: mapping.typeColumn, message: `${mapping.typeColumn}: is missing` };
        type = mapping.typeValues?.[raw] ?? raw;
      }
      event.type = type;
      for (const [name, spec] of fields) {
        if (typeof spec === 'object' && 'value' in spec) {
          event[name] = spec.value;
          continue;
        }
        const column = typeof spec === 'string' ? spec : spec.column;
        const as = typeof spec === 'string' ? 'string' : (spec.as ?? 'string');
        const raw = row[column];
        if (raw === undefined || raw === null || (typeof raw === 'string' && cell(row, column) === undefined))
          continue;
        const converted = convertValue(raw, as, typeof spec === 'string' ? undefined : spec.separator);
        if (converted === undefined) {
          return {
            field: column,
            message: `${column}: ${JSON.stringify(String(raw).slice(0, 40))} is not a valid ${as}`,
          };
        }
        event[name] = converted;
      }
      const id = mapping.id === undefined ? undefined : cell(row, mapping.id);
      event.id = id ?? rowId('row', Object.values(row));
      return [event];
    },
  };
}

function convertValue(raw: unknown, as: Conversion, separator = '|'): unknown {
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (as) {
    case 'string':
      return String(text);
    case 'number': {
      const n = typeof text === 'number' ? text : Number(text);
      return Number.isFinite(n) && text !== '' ? n : undefined;
    }
    case 'integer': {
      const n = typeof text === 'number' ? text : Number(text);
      return Number.isInteger(n) && text !== '' ? n : undefined;
    }
    case 'boolean': {
      if (typeof text === 'boolean') return text;
      const key = String(text).toLowerCase();
      return TRUE.has(key) ? true : FALSE.has(key) ? false : undefined;
    }
    case 'timestamp':
      return typeof text === 'bigint' ? Number(text) : text;
    case 'list':
      return Array.isArray(text)
        ? text.map(String)
        : String(text)
            .split(separator)
            .map((s) => s.trim())
            .filter(Boolean);
    case 'json':
      if (typeof text !== 'string') return text;
      try {
        return JSON.parse(text);
      } catch {
        return undefined;
      }
  }
}
