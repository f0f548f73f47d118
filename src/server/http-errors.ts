// Maps the error catalogue to HTTP statuses: the one place where a status is chosen for an error.
import { ERROR_CODES, type ErrorCode } from '../core/index.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  [ERROR_CODES.PAYLOAD_TOO_LARGE]: 413,
  [ERROR_CODES.STORAGE]: 503,
  [ERROR_CODES.DATA_LOCKED]: 409,
  [ERROR_CODES.REMOTE]: 502,
  [ERROR_CODES.FILE_NOT_FOUND]: 404,
  [ERROR_CODES.MODEL_NOT_FOUND]: 404,
  [ERROR_CODES.NOT_FOUND]: 404,
  [ERROR_CODES.MODEL_REFUSED]: 409,
};

export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 400;
}

/** The JSON body of an error answer. */
export interface ErrorBody {
  error: string;
  message: string;
  field?: string;
}
