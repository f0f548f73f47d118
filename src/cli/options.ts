// Option parsing shared by commands: numbers with bounds, errors that name the flag.
import { ERROR_CODES, ShopstreamError, parseTimestamp } from '../core/index.js';

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
