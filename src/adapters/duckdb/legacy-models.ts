// The model store of earlier versions, a DuckDB file (`models.duckdb`) beside the log: read once, so that its
// versions move into the data directory's SQLite database (the model store since).
import { DuckDBInstance } from '@duckdb/node-api';
import { join } from 'node:path';
import type { ModelStage, ModelVersion } from '../../core/index.js';

/** The file of the earlier model store in a data directory. */
export function legacyModelsFile(dataDir: string): string {
  return join(dataDir, 'models.duckdb');
}

/** A stored version with its artifact and validation data as the JSON text they were stored as. */
export interface LegacyModelRow extends ModelVersion {
  readonly artifact: string;
  readonly validation: string;
}

/**
 * Every version in an earlier model store file, read-only.
 * @example const rows = await readLegacyModels(legacyModelsFile('./.shopstream'))
 */
export async function readLegacyModels(file: string): Promise<LegacyModelRow[]> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll('SELECT * FROM model_versions ORDER BY name, version');
    return (reader.getRowObjectsJS() as Record<string, unknown>[]).map((row) => ({
      name: String(row.name),
      version: Number(row.version),
      stage: row.stage as ModelStage,
      createdAt: Number(row.created_at),
      promotedAt: row.promoted_at === null || row.promoted_at === undefined ? null : Number(row.promoted_at),
      kind: String(row.kind),
      metrics: JSON.parse(String(row.metrics)) as Record<string, number>,
      features: JSON.parse(String(row.features)) as string[],
      fingerprint: String(row.fingerprint),
      params: JSON.parse(String(row.params)) as Record<string, unknown>,
      artifact: String(row.artifact),
      validation: String(row.validation),
    }));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
