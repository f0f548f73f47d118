// Reads the JSON file a flag names, with errors that name the flag, the file and the reason.
import { readFileSync } from 'node:fs';
import { ERROR_CODES, ShopstreamError, type ErrorCode } from '../core/index.js';

/**
 * The parsed contents of `file`; `invalid` is the code for a file that is not JSON.
 * @example readJsonFile('map', 'mapping.json', ERROR_CODES.INVALID_MAPPING)
 */
export function readJsonFile(flag: string, file: string, invalid: ErrorCode): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ShopstreamError(
      ERROR_CODES.FILE_NOT_FOUND,
      `--${flag}: cannot read ${file}: ${(error as Error).message}`,
      {
        field: flag,
        cause: error,
      },
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ShopstreamError(invalid, `--${flag}: ${file} is not valid JSON: ${(error as Error).message}`, {
      field: flag,
      cause: error,
    });
  }
}
