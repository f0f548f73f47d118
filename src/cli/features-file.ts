// Loads a features file (--features FILE), or the shipped examples when none is given.
import { readFileSync } from 'node:fs';
import {
  ERROR_CODES,
  EXAMPLE_FEATURES,
  ShopstreamError,
  compileFeatures,
  parseWindow,
  type CompiledFeature,
  type EngineOptions,
} from '../core/index.js';

export function loadFeatures(file: string | undefined): CompiledFeature[] {
  if (file === undefined) return compileFeatures(EXAMPLE_FEATURES, 'example features');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ShopstreamError(
      ERROR_CODES.FILE_NOT_FOUND,
      `--features: cannot read ${file}: ${(error as Error).message}`,
      { field: 'features', cause: error },
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ShopstreamError(
      ERROR_CODES.INVALID_FEATURE,
      `--features: ${file} is not valid JSON: ${(error as Error).message}`,
      { field: 'features', cause: error },
    );
  }
  return compileFeatures(document, file);
}

/** --out-of-orderness and --allowed-lateness as windows ('1m', '10m'). */
export function engineOptions(flags: { outOfOrderness: string; allowedLateness: string }): EngineOptions {
  const read = (flag: string, value: string) => {
    const ms = value === '0' ? 0 : parseWindow(value);
    if (ms === undefined || !Number.isFinite(ms)) {
      throw new ShopstreamError(
        ERROR_CODES.INVALID_OPTION,
        `--${flag}: "${value}" is not a duration such as 30s, 1m or 10m`,
        { field: flag },
      );
    }
    return ms;
  };
  return {
    outOfOrdernessMs: read('out-of-orderness', flags.outOfOrderness),
    allowedLatenessMs: read('allowed-lateness', flags.allowedLateness),
  };
}

export const ENGINE_FLAG_DEFAULTS = { outOfOrderness: '1m', allowedLateness: '10m' } as const;
