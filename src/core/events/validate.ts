// Event validation and normalization: schemas compiled once, errors that name the field and the reason.
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import type { TObject } from '@sinclair/typebox';
import { ERROR_CODES, type ItemError } from '../errors.js';
import { EVENT_SCHEMAS, EVENT_TYPES, type EventType, type ShopEvent } from './schemas.js';
import { parseTimestamp } from './timestamp.js';

const CHECKS = new Map<string, TypeCheck<TObject>>(
  Object.entries(EVENT_SCHEMAS).map(([type, schema]) => [type, TypeCompiler.Compile(schema as TObject)]),
);
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type Validation =
  | {
      readonly ok: true;
      readonly event: ShopEvent;
      /** true when nothing had to be rewritten */ readonly unchanged: boolean;
    }
  | { readonly ok: false; readonly error: ItemError };

/** What ingestion knows when it validates: the arrival time, and how far ahead of it an event may be stamped. */
export interface ArrivalContext {
  /** The server's clock at arrival: an event without `ts` gets it. */
  readonly now: number;
  /** An event stamped more than this far ahead of `now` is refused (SS_FUTURE_TIMESTAMP). */
  readonly maxFutureMs: number;
}

/** The default bound on timestamps ahead of the server's clock (`--max-future`). */
export const DEFAULT_MAX_FUTURE_MS = 5 * 60_000;

/**
 * Checks one parsed event against its type's schema and normalizes its timestamps to epoch ms, in place. With
 * an arrival context, a missing `ts` becomes the arrival time and a `ts` too far ahead of it is refused; without
 * one, `ts` is required.
 * @example validateEvent({ id: 'e1', type: 'view', ts: '2024-05-01T12:00:00Z', productId: 'p1' })
 */
export function validateEvent(input: unknown, arrival?: ArrivalContext): Validation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return fail(ERROR_CODES.INVALID_EVENT, '', 'an event must be a JSON object');
  }
  const record = input as Record<string, unknown>;
  const type = record.type;
  const check = typeof type === 'string' ? CHECKS.get(type) : undefined;
  if (check === undefined) {
    if (type === undefined) return fail(ERROR_CODES.MISSING_FIELD, 'type', 'type: is required');
    return fail(
      ERROR_CODES.UNKNOWN_EVENT_TYPE,
      'type',
      `type: ${JSON.stringify(type)?.slice(0, 40)} is not an event type (one of ${EVENT_TYPES.join(', ')})`,
    );
  }
  if (!check.Check(input)) return { ok: false, error: describe(check.Errors(input).First()) };

  let unchanged = true;
  if (record.ts === undefined) {
    if (arrival === undefined) return fail(ERROR_CODES.MISSING_FIELD, 'ts', 'ts: is required');
    record.ts = arrival.now;
    unchanged = false;
  }
  const ts = parseTimestamp(record.ts);
  if (ts === undefined) return badTimestamp('ts', record.ts);
  if (ts !== record.ts) {
    record.ts = ts;
    unchanged = false;
  }
  if (arrival !== undefined && ts > arrival.now + arrival.maxFutureMs) {
    return fail(
      ERROR_CODES.FUTURE_TIMESTAMP,
      'ts',
      `ts: ${new Date(ts).toISOString()} is more than ${Math.round(arrival.maxFutureMs / 1000)} s ahead of the server's clock (${new Date(arrival.now).toISOString()}); omit ts to stamp the arrival time`,
    );
  }
  for (const field of TIME_FIELDS) {
    if (record[field] === undefined) continue;
    const t = parseTimestamp(record[field]);
    if (t === undefined) return badTimestamp(field, record[field]);
    if (t !== record[field]) {
      record[field] = t;
      unchanged = false;
    }
  }
  if (record.type === 'campaign') {
    if (record.productIds === undefined && record.category === undefined)
      return fail(
        ERROR_CODES.MISSING_FIELD,
        'productIds',
        'productIds: a campaign promotes products or a category (give one)',
      );
    if ((record.endsAt as number) <= (record.startsAt as number))
      return fail(ERROR_CODES.INVALID_FIELD, 'endsAt', 'endsAt: must come after startsAt');
  }
  return { ok: true, event: input as ShopEvent, unchanged };
}

/** Fields besides `ts` that hold a time: stored in epoch ms, given in any form `ts` takes. */
const TIME_FIELDS = ['signupTs', 'startsAt', 'endsAt'] as const;

/** True when `type` names an event type. */
export function isEventType(type: string): type is EventType {
  return CHECKS.has(type);
}

function badTimestamp(field: string, value: unknown): Validation {
  const shown = JSON.stringify(value)?.slice(0, 40);
  return fail(
    ERROR_CODES.INVALID_TIMESTAMP,
    field,
    `${field}: ${shown} is not a timestamp (ISO 8601, epoch seconds or epoch milliseconds, 1970–2099)`,
  );
}

function fail(code: ItemError['code'], field: string, message: string): Validation {
  return { ok: false, error: { code, field, message } };
}

function describe(error: ValueError | undefined): ItemError {
  if (error === undefined) return { code: ERROR_CODES.INVALID_EVENT, field: '', message: 'invalid event' };
  const field = toFieldPath(error.path);
  const key = field.slice(field.lastIndexOf('.') + 1);
  const name = field === '' ? 'event' : field;
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return { code: ERROR_CODES.MISSING_FIELD, field, message: `${name}: is required` };
    case ValueErrorType.ObjectAdditionalProperties:
      if (FORBIDDEN_KEYS.has(key)) {
        return {
          code: ERROR_CODES.FORBIDDEN_KEY,
          field,
          message: `${name}: the key "${key}" is not allowed`,
        };
      }
      return {
        code: ERROR_CODES.UNKNOWN_FIELD,
        field,
        message: `${name}: is not a field of this event type`,
      };
    case ValueErrorType.StringMaxLength:
    case ValueErrorType.ArrayMaxItems:
    case ValueErrorType.ObjectMaxProperties:
      return {
        code: ERROR_CODES.VALUE_TOO_LARGE,
        field,
        message: `${name}: too large (${lower(error.message)})`,
      };
    default:
      return { code: ERROR_CODES.INVALID_FIELD, field, message: `${name}: ${lower(error.message)}` };
  }
}

/** '/items/0/price' → 'items[0].price' */
function toFieldPath(pointer: string): string {
  let out = '';
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(key) ? `[${key}]` : out === '' ? key : `.${key}`;
  }
  return out;
}

function lower(message: string): string {
  return message.charAt(0).toLowerCase() + message.slice(1);
}
