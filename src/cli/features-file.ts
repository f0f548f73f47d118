// Loads a features file (--features FILE), or the shipped examples when none is given.
import type { Command } from 'commander';
import { readJsonFile } from './json-file.js';
import { durationOption } from './options.js';
import {
  ERROR_CODES,
  EXAMPLE_FEATURES,
  compileFeatures,
  type CompiledFeature,
  type EngineOptions,
} from '../core/index.js';

export function loadFeatures(file: string | undefined): CompiledFeature[] {
  if (file === undefined) return compileFeatures(EXAMPLE_FEATURES, 'example features');
  return compileFeatures(readJsonFile('features', file, ERROR_CODES.INVALID_FEATURE), file);
}

/** --out-of-orderness and --allowed-lateness as windows ('1m', '10m'). */
export function engineOptions(flags: { outOfOrderness: string; allowedLateness: string }): EngineOptions {
  return {
    outOfOrdernessMs: durationOption('out-of-orderness', flags.outOfOrderness),
    allowedLatenessMs: durationOption('allowed-lateness', flags.allowedLateness),
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
