// Where a command keeps its data: --data DIR, else $SHOPSTREAM_DATA, else ./.shopstream.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ERROR_CODES, ShopstreamError } from '../core/index.js';

export const DEFAULT_DATA_DIR = '.shopstream';

export function resolveDataDir(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(option ?? env.SHOPSTREAM_DATA ?? DEFAULT_DATA_DIR);
}

/**
 * The data directory of a command that only reads it (replay, features get, dataset, predict, models): it must
 * hold `what` already (a typo in --data is an error, and never creates a directory).
 * @example existingDataDir(flags.data, 'events.db') // throws SS_FILE_NOT_FOUND naming --data
 */
export function existingDataDir(option: string | undefined, what: 'events.db' | 'models.duckdb'): string {
  const dir = resolveDataDir(option);
  if (!existsSync(join(dir, what))) {
    const has = existsSync(dir) ? `${dir} has no ${what}` : `${dir} does not exist`;
    const hint = what === 'events.db' ? 'import events or run the demo first' : 'train a model first';
    throw new ShopstreamError(
      ERROR_CODES.FILE_NOT_FOUND,
      `--data: ${has}; ${hint}, or name the data directory that has`,
      {
        field: 'data',
      },
    );
  }
  return dir;
}
