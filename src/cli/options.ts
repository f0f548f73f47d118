// Option parsing shared by commands: numbers with bounds, errors that name the flag.
import { ERROR_CODES, ShopstreamError, parseTimestamp, parseWindow } from '../core/index.js';

/** A whole number within [min, max], or an error naming the flag. */
export function intOption(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      `--${flag}: ${JSON.stringify(value)} is not a whole number from ${min} to ${max}`,
      { field: flag },
    );
  }
  return n;
}

/** A number within [min, max], or an error naming the flag. */
export function numberOption(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      `--${flag}: ${JSON.stringify(value)} is not a number from ${min} to ${max}`,
      { field: flag },
    );
  }
  return n;
}

/** A timestamp (ISO 8601 or epoch), or an error naming the flag. */
export function timeOption(flag: string, value: string): number {
  const ts = parseTimestamp(value);
  if (ts === undefined) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      `--${flag}: ${JSON.stringify(value)} is not a timestamp (ISO 8601 or epoch)`,
      { field: flag },
    );
  }
  return ts;
}

/** A duration such as 30s, 5m or 1h ('0' is zero), or an error naming the flag. */
export function durationOption(flag: string, value: string): number {
  const ms = value === '0' ? 0 : parseWindow(value);
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_OPTION,
      `--${flag}: "${value}" is not a duration such as 30s, 5m or 1h`,
      { field: flag },
    );
  }
  return ms;
}

/** The --max-future flag: how far ahead of this machine's clock an event may be stamped. */
export const MAX_FUTURE_FLAG = [
  '--max-future <duration>',
  'refuse events stamped further ahead of the clock',
  '5m',
] as const;
