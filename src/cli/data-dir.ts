// Where a command keeps its data: --data DIR, else $SHOPSTREAM_DATA, else ./.shopstream.
import { resolve } from 'node:path';

export const DEFAULT_DATA_DIR = '.shopstream';

export function resolveDataDir(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(option ?? env.SHOPSTREAM_DATA ?? DEFAULT_DATA_DIR);
}
