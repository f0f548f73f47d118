// ModelStore in the data directory's SQLite database, beside the log: versions, stages and artifacts as rows.
import type { Statement } from 'better-sqlite3';
import type { ModelStage, ModelStore, ModelVersion, NewModelVersion } from '../../core/index.js';
import { RevisionWatch, type SqliteDatabase } from './database.js';

const META = 'name, version, stage, created_at, promoted_at, kind, metrics, features, fingerprint, params';

interface Row {
  name: string;
  version: number;
  stage: string;
  created_at: number;
  promoted_at: number | null;
  kind: string;
  metrics: string;
  features: string;
  fingerprint: string;
  params: string;
}

function toVersion(row: Row): ModelVersion {
  return {
    name: row.name,
    version: row.version,
    stage: row.stage as ModelStage,
    createdAt: row.created_at,
    promotedAt: row.promoted_at,
    kind: row.kind,
    metrics: JSON.parse(row.metrics) as Record<string, number>,
    features: JSON.parse(row.features) as string[],
    fingerprint: row.fingerprint,
    params: JSON.parse(row.params) as Record<string, unknown>,
  };
}

/** A stored version as `SqliteModelStore.insert` takes it: what `add` writes, with its number and stage given. */
export interface StoredModelRow extends ModelVersion {
  readonly artifact: string;
  readonly validation: string;
}

/**
 * Every process that opens the data directory shares the one database file (WAL: readers beside one writer,
 * writers wait their turn through the busy timeout), so a promotion by `shopstream models promote` is a write
 * any server sees. `revision` costs a `PRAGMA data_version` when nothing changed: SQLite bumps it on this
 * connection whenever another connection committed, and only then is the revision row read again.
 * @example const store = new SqliteModelStore(openDatabase('./.shopstream/events.db')); await store.list()
 */
export class SqliteModelStore implements ModelStore {
  private readonly selectAll: Statement;
  private readonly selectName: Statement;
  private readonly selectOne: Statement;
  private readonly selectArtifact: Statement;
  private readonly watch: RevisionWatch;
  private readonly addTx: (name: string, entry: NewModelVersion, now: number) => ModelVersion;
  private readonly stageTx: (name: string, version: number, stage: ModelStage, now: number) => void;
  private readonly insertTx: (rows: readonly StoredModelRow[]) => number;

  constructor(db: SqliteDatabase) {
    this.selectAll = db.prepare(`SELECT ${META} FROM model_versions ORDER BY name, version`);
    this.selectName = db.prepare(`SELECT ${META} FROM model_versions WHERE name = ? ORDER BY version`);
    this.selectOne = db.prepare(`SELECT ${META} FROM model_versions WHERE name = ? AND version = ?`);
    this.selectArtifact = db.prepare(
      'SELECT artifact, validation FROM model_versions WHERE name = ? AND version = ?',
    );
    this.watch = new RevisionWatch(db, 'model_revision');
    const nextVersion = db
      .prepare('SELECT coalesce(max(version), 0) + 1 FROM model_versions WHERE name = ?')
      .pluck();
    const insert = db.prepare(
      'INSERT OR IGNORE INTO model_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const bump = db.prepare('UPDATE model_revision SET revision = revision + 1 WHERE id = 1');
    const archive = db.prepare(
      "UPDATE model_versions SET stage = 'archived' WHERE name = ? AND stage = 'production' AND version <> ?",
    );
    const toProduction = db.prepare(
      "UPDATE model_versions SET stage = 'production', promoted_at = ? WHERE name = ? AND version = ?",
    );
    const toStage = db.prepare('UPDATE model_versions SET stage = ? WHERE name = ? AND version = ?');
    const add = db.transaction((name: string, entry: NewModelVersion, now: number): ModelVersion => {
      const version = nextVersion.get(name) as number;
      insert.run(
        name,
        version,
        'candidate',
        now,
        null,
        entry.kind,
        JSON.stringify(entry.metrics),
        JSON.stringify(entry.features),
        entry.fingerprint,
        JSON.stringify(entry.params),
        JSON.stringify(entry.artifact),
        JSON.stringify(entry.validation ?? null),
      );
      bump.run();
      return toVersion(this.selectOne.get(name, version) as Row);
    });
    const setStage = db.transaction((name: string, version: number, stage: ModelStage, now: number) => {
      if (stage === 'production') {
        archive.run(name, version);
        toProduction.run(now, name, version);
      } else toStage.run(stage, name, version);
      bump.run();
    });
    const insertRows = db.transaction((rows: readonly StoredModelRow[]): number => {
      let added = 0;
      for (const r of rows) {
        added += insert.run(
          r.name,
          r.version,
          r.stage,
          r.createdAt,
          r.promotedAt,
          r.kind,
          JSON.stringify(r.metrics),
          JSON.stringify(r.features),
          r.fingerprint,
          JSON.stringify(r.params),
          r.artifact,
          r.validation,
        ).changes;
      }
      if (added > 0) bump.run();
      return added;
    });
    // IMMEDIATE: a write transaction from the start, so that two processes adding versions at once queue on
    // the busy timeout instead of one failing when its read snapshot went stale.
    this.addTx = (name, entry, now) => add.immediate(name, entry, now);
    this.stageTx = (name, version, stage, now) => setStage.immediate(name, version, stage, now);
    this.insertTx = (rows) => insertRows.immediate(rows);
  }

  async add(name: string, entry: NewModelVersion, now: number): Promise<ModelVersion> {
    const version = this.addTx(name, entry, now);
    this.watch.invalidate();
    return version;
  }

  async list(name?: string): Promise<ModelVersion[]> {
    const rows = (name === undefined ? this.selectAll.all() : this.selectName.all(name)) as Row[];
    return rows.map(toVersion);
  }

  async get(name: string, version: number): Promise<ModelVersion | undefined> {
    const row = this.selectOne.get(name, version) as Row | undefined;
    return row && toVersion(row);
  }

  async artifact(
    name: string,
    version: number,
  ): Promise<{ artifact: unknown; validation: unknown } | undefined> {
    const row = this.selectArtifact.get(name, version) as
      { artifact: string; validation: string } | undefined;
    return row && { artifact: JSON.parse(row.artifact), validation: JSON.parse(row.validation) };
  }

  async setStage(name: string, version: number, stage: ModelStage, now: number): Promise<void> {
    this.stageTx(name, version, stage, now);
    this.watch.invalidate();
  }

  async revision(): Promise<number> {
    return this.watch.read();
  }

  /**
   * Stores versions as they are (numbers, stages, times), skipping any whose name and number are taken: how a
   * model store of an earlier layout moves in. Returns how many were added.
   */
  insert(rows: readonly StoredModelRow[]): number {
    const added = this.insertTx(rows);
    this.watch.invalidate();
    return added;
  }

  /** The database is the data directory's: whoever opened it closes it. */
  async close(): Promise<void> {}
}
