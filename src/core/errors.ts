// The one error catalogue: every error shopstream raises has a stable code, names the field, and keeps its cause.

/** Stable error codes. The server maps them to HTTP statuses; docs/errors.md lists them. */
export const ERROR_CODES = {
  INVALID_JSON: 'SS_INVALID_JSON',
  INVALID_EVENT: 'SS_INVALID_EVENT',
  UNKNOWN_EVENT_TYPE: 'SS_UNKNOWN_EVENT_TYPE',
  MISSING_FIELD: 'SS_MISSING_FIELD',
  INVALID_FIELD: 'SS_INVALID_FIELD',
  UNKNOWN_FIELD: 'SS_UNKNOWN_FIELD',
  FORBIDDEN_KEY: 'SS_FORBIDDEN_KEY',
  INVALID_TIMESTAMP: 'SS_INVALID_TIMESTAMP',
  FUTURE_TIMESTAMP: 'SS_FUTURE_TIMESTAMP',
  ID_CONFLICT: 'SS_ID_CONFLICT',
  VALUE_TOO_LARGE: 'SS_VALUE_TOO_LARGE',
  INVALID_ROW: 'SS_INVALID_ROW',
  INVALID_MAPPING: 'SS_INVALID_MAPPING',
  INVALID_FEATURE: 'SS_INVALID_FEATURE',
  INVALID_OPTION: 'SS_INVALID_OPTION',
  INVALID_RULES: 'SS_INVALID_RULES',
  UNKNOWN_PRESET: 'SS_UNKNOWN_PRESET',
  FILE_NOT_FOUND: 'SS_FILE_NOT_FOUND',
  UNSUPPORTED_FORMAT: 'SS_UNSUPPORTED_FORMAT',
  PAYLOAD_TOO_LARGE: 'SS_PAYLOAD_TOO_LARGE',
  STORAGE: 'SS_STORAGE',
  DATA_LOCKED: 'SS_DATA_LOCKED',
  MODEL_NOT_FOUND: 'SS_MODEL_NOT_FOUND',
  NOT_FOUND: 'SS_NOT_FOUND',
  MODEL_REFUSED: 'SS_MODEL_REFUSED',
  REMOTE: 'SS_REMOTE',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/**
 * Base error of shopstream.
 * @example throw new ShopstreamError(ERROR_CODES.INVALID_FIELD, 'price: must be ≥ 0', { field: 'price' })
 */
export class ShopstreamError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ShopstreamError';
    this.code = code;
    this.field = options.field;
  }
}

/** A problem with one input item: what per-item error lists and the dead-letter store hold. */
export interface ItemError {
  readonly code: ErrorCode;
  /** JSON-pointer-like path of the offending field, '' when the whole item is at fault. */
  readonly field: string;
  readonly message: string;
}

export function isShopstreamError(error: unknown): error is ShopstreamError {
  return error instanceof ShopstreamError;
}
