// Loads a features file (--features FILE), or the shipped examples when none is given.
import type { Command } from 'commander';
import { readJsonFile } from './json-file.js';
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
  return compileFeatures(readJsonFile('features', file, ERROR_CODES.INVALID_FEATURE), file);
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

/** Adds --features, --out-of-orderness and --allowed-lateness: every command that runs the engine takes them. */
export function addEngineOptions(command: Command): Command {
  return command
    .option('--features <file>', 'feature definitions (default: the shipped examples)')
    .option(
      '--out-of-orderness <duration>',
      'how far the watermark trails the newest event',
      ENGINE_FLAG_DEFAULTS.outOfOrderness,
    )
    .option(
      '--allowed-lateness <duration>',
      'how long tiles behind the watermark are kept; older events are still applied, and counted as late',
      ENGINE_FLAG_DEFAULTS.allowedLateness,
    );
}
