// The features a dataset was made of, written beside it, so that a model trained on it records them and the
// server can score events for it (`POST /v1/models/{name}/score`).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { FeatureSource } from '../core/index.js';

/** `fraud.csv` → `fraud.csv.features.json`. */
export function sourceFileOf(table: string): string {
  return `${table}.features.json`;
}

export function writeFeatureSource(table: string, source: FeatureSource): void {
  writeFileSync(sourceFileOf(table), JSON.stringify(source, null, 1) + '\n');
}

/** The source written beside a training table by `dataset`, or undefined for any other table. */
export function readFeatureSource(table: string): FeatureSource | undefined {
  const file = sourceFileOf(table);
  if (!existsSync(file)) return undefined;
  const source = JSON.parse(readFileSync(file, 'utf8')) as FeatureSource;
  return Array.isArray(source.features) ? source : undefined;
}
