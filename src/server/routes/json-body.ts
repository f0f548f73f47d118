// A request body that must be one JSON object (the server reads bodies as text): an error names what it should be.
import { ERROR_CODES, ShopstreamError } from '../../core/index.js';

function bad(message: string): ShopstreamError {
  return new ShopstreamError(ERROR_CODES.INVALID_JSON, message, { field: '' });
}

/** The body parsed as a JSON object; `shape` shows what one looks like, for the error. */
export function jsonObject(body: unknown, shape: string): Record<string, unknown> {
  if (typeof body !== 'string' || body.trim() === '') throw bad(`the body must be JSON: ${shape}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw bad(`the body is not JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw bad(`the body must be a JSON object: ${shape}`);
  }
  return parsed as Record<string, unknown>;
}
