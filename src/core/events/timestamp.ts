// Timestamp normalization: ISO 8601, epoch seconds or epoch milliseconds in, epoch milliseconds out.

/** Numbers below this are epoch seconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const SECONDS_BELOW = 1e11;
/** 2100-01-01T00:00:00Z: later timestamps are typos, not events. */
export const MAX_TS_MS = 4_102_444_800_000;

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const NUMERIC = /^\d+(?:\.\d+)?$/;

/**
 * Epoch milliseconds of a timestamp, or undefined when it is not one.
 * Text without a zone is read as UTC.
 * @example parseTimestamp('2024-05-01T12:00:00Z') // 1714564800000
 */
export function parseTimestamp(value: unknown): number | undefined {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    ms = Math.abs(value) < SECONDS_BELOW ? value * 1000 : value;
  } else if (typeof value === 'string') {
    if (NUMERIC.test(value)) return parseTimestamp(Number(value));
    ms = parseIso(value);
  } else {
    return undefined;
  }
  ms = Math.round(ms);
  return ms >= 0 && ms < MAX_TS_MS ? ms : undefined;
}

function parseIso(text: string): number {
  const m = ISO.exec(text);
  if (!m) return NaN;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(Number(y), month)) return NaN;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return NaN;
  const millis = frac === '' ? '' : `.${frac.slice(0, 3).padEnd(3, '0')}`;
  const offset = zone === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  return Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${millis}${offset}`);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
