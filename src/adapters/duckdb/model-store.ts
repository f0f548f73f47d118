// The model store in a DuckDB file (`models.duckdb` in the data directory). Each call opens the file, does its
// work in one transaction and closes it: DuckDB lets one process at a time write a file, and the CLI must be able
// to promote a version while `serve` runs; a call that finds the file held by another process retries. Reads
// open it read-only, and `revision` opens it only when the file changed on disk (a server polls it every second;
// opening DuckDB there each time stalled the event loop: BENCHMARKS.md, "Models").
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  ERROR_CODES,
  ShopstreamError,
  type ModelStage,
  type ModelStore,
  type ModelVersion,
  type NewModelVersion,
} from '../../core/index.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS model_versions (
  name VARCHAR NOT NULL,
  version INTEGER NOT NULL,
  stage VARCHAR NOT NULL,
  created_at BIGINT NOT NULL,
  promoted_at BIGINT,
  kind VARCHAR NOT NULL,
  metrics VARCHAR NOT NULL,
  features VARCHAR NOT NULL,
  fingerprint VARCHAR NOT NULL,
  params VARCHAR NOT NULL,
  artifact VARCHAR NOT NULL,
  validation VARCHAR NOT NULL,
  PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS model_revision (id INTEGER PRIMARY KEY, revision BIGINT NOT NULL);
INSERT OR IGNORE INTO model_revision VALUES (1, 0);
`;

const META = 'name, version, stage, created_at, promoted_at, kind, metrics, features, fingerprint, params';

/** The model store file of a data directory. */
export function modelsFile(dataDir: string): string {
  return join(dataDir, 'models.duckdb');
}

function isLockError(error: unknown): boolean {
  return /lock|Conflicting|already open/i.test(String(error));
}

function toVersion(row: Record<string, unknown>): ModelVersion {
  return {
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
  };
}

/**
 * @example const store = new DuckDbModelStore(modelsFile('./.shopstream')); await store.list()
 */
/**
 * Calls on one file run one at a time within a process: DuckDB's file lock keeps other processes out, but not a
 * second instance of this process (a server and a promotion in one test, say).
 */
const queues = new Map<string, Promise<unknown>>();

export class DuckDbModelStore implements ModelStore {
  /** The file's size and mtime (and its WAL's) when `revision` last read it, and what it read. */
  private stamp = '';
  private lastRevision = 0;
  private stampedAt = 0;

  constructor(
    readonly file: string,
    private readonly retryMs = 10_000,
  ) {}

  /**
   * Runs `work` in one transaction on a fresh connection; calls of this object run one at a time. Reads of a
   * file that does not exist yet get `empty` without creating it.
   */
  private use<T>(work: (c: DuckDBConnection) => Promise<T>, mode: 'read' | 'write', empty?: T): Promise<T> {
    const run = async (): Promise<T> => {
      if (mode === 'read' && !existsSync(this.file)) return empty as T;
      const deadline = Date.now() + this.retryMs;
      for (let wait = 5; ; wait = Math.min(200, wait * 2)) {
        let instance: DuckDBInstance;
        try {
          instance = await DuckDBInstance.create(
            this.file,
            mode === 'read' ? { access_mode: 'READ_ONLY' } : {},
          );
        } catch (error) {
          if (isLockError(error) && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, wait));
            continue;
          }
          throw new ShopstreamError(
            ERROR_CODES.STORAGE,
            `${this.file}: cannot open the model store (${String(error)})`,
            {
              cause: error,
            },
          );
        }
        const connection = await instance.connect();
        try {
          if (mode === 'write') await connection.run(SCHEMA);
          await connection.run('BEGIN TRANSACTION');
          try {
            const result = await work(connection);
            await connection.run('COMMIT');
            return result;
          } catch (error) {
            await connection.run('ROLLBACK');
            throw error;
          }
        } finally {
          connection.closeSync();
          instance.closeSync();
        }
      }
    };
    const key = resolve(this.file);
    const next = (queues.get(key) ?? Promise.resolve()).then(run, run);
    const settled = next.catch(() => undefined);
    queues.set(key, settled);
    void settled.then(() => {
      if (queues.get(key) === settled) queues.delete(key);
    });
    return next;
  }

  private static async rows(c: DuckDBConnection, sql: string, params: (string | number)[] = []) {
    return (await c.runAndReadAll(sql, params)).getRowObjectsJS() as Record<string, unknown>[];
  }

  private static async bump(c: DuckDBConnection): Promise<void> {
    await c.run('UPDATE model_revision SET revision = revision + 1 WHERE id = 1');
  }

  add(name: string, entry: NewModelVersion, now: number): Promise<ModelVersion> {
    return this.use(async (c) => {
      const [last] = await DuckDbModelStore.rows(
        c,
        'SELECT max(version) AS v FROM model_versions WHERE name = $1',
        [name],
      );
      const version = Number(last?.v ?? 0) + 1;
      await c.run('INSERT INTO model_versions VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, $9, $10, $11)', [
        name,
        version,
        'candidate',
        now,
        entry.kind,
        JSON.stringify(entry.metrics),
        JSON.stringify(entry.features),
        entry.fingerprint,
        JSON.stringify(entry.params),
        JSON.stringify(entry.artifact),
        JSON.stringify(entry.validation ?? null),
      ]);
      await DuckDbModelStore.bump(c);
      const [row] = await DuckDbModelStore.rows(
        c,
        `SELECT ${META} FROM model_versions WHERE name = $1 AND version = $2`,
        [name, version],
      );
      return toVersion(row as Record<string, unknown>);
    }, 'write');
  }

  list(name?: string): Promise<ModelVersion[]> {
    return this.use(
      async (c) => {
        const rows =
          name === undefined
            ? await DuckDbModelStore.rows(c, `SELECT ${META} FROM model_versions ORDER BY name, version`)
            : await DuckDbModelStore.rows(
                c,
                `SELECT ${META} FROM model_versions WHERE name = $1 ORDER BY version`,
                [name],
              );
        return rows.map(toVersion);
      },
      'read',
      [],
    );
  }

  get(name: string, version: number): Promise<ModelVersion | undefined> {
    return this.use(
      async (c) => {
        const [row] = await DuckDbModelStore.rows(
          c,
          `SELECT ${META} FROM model_versions WHERE name = $1 AND version = $2`,
          [name, version],
        );
        return row && toVersion(row);
      },
      'read',
      undefined,
    );
  }

  artifact(name: string, version: number): Promise<{ artifact: unknown; validation: unknown } | undefined> {
    return this.use(
      async (c) => {
        const [row] = await DuckDbModelStore.rows(
          c,
          'SELECT artifact, validation FROM model_versions WHERE name = $1 AND version = $2',
          [name, version],
        );
        return (
          row && {
            artifact: JSON.parse(String(row.artifact)),
            validation: JSON.parse(String(row.validation)),
          }
        );
      },
      'read',
      undefined,
    );
  }

  setStage(name: string, version: number, stage: ModelStage, now: number): Promise<void> {
    return this.use(async (c) => {
      if (stage === 'production') {
        await c.run(
          "UPDATE model_versions SET stage = 'archived' WHERE name = $1 AND stage = 'production' AND version <> $2",
          [name, version],
        );
        await c.run(
          "UPDATE model_versions SET stage = 'production', promoted_at = $3 WHERE name = $1 AND version = $2",
          [name, version, now],
        );
      } else {
        await c.run('UPDATE model_versions SET stage = $3 WHERE name = $1 AND version = $2', [
          name,
          version,
          stage,
        ]);
      }
      await DuckDbModelStore.bump(c);
    }, 'write');
  }

  async revision(): Promise<number> {
    const stamp = await this.fileStamp();
    // An unchanged stamp is trusted for 30 s; then the file is read anyway (two writes within one mtime tick).
    if (stamp === this.stamp && Date.now() - this.stampedAt < 30_000) return this.lastRevision;
    const revision = await this.use(
      async (c) => {
        const [row] = await DuckDbModelStore.rows(c, 'SELECT revision FROM model_revision WHERE id = 1');
        return Number(row?.revision ?? 0);
      },
      'read',
      0,
    );
    this.stamp = stamp;
    this.stampedAt = Date.now();
    this.lastRevision = revision;
    return revision;
  }

  /** Size and modification time of the file and its write-ahead log: they change when another process writes. */
  private async fileStamp(): Promise<string> {
    const parts = await Promise.all(
      [this.file, `${this.file}.wal`].map((f) =>
        stat(f).then(
          (s) => `${s.size}:${s.mtimeMs}`,
          () => '-',
        ),
      ),
    );
    return parts.join('|');
  }

  /** Waits for this process's calls on the file to finish (each call closes the file itself). */
  close(): Promise<void> {
    return (queues.get(resolve(this.file)) ?? Promise.resolve()).then(() => undefined);
  }
}
