// Opens the embedded SQLite database of a data directory (the log, offsets, checkpoints, dead letters and the
// model store), with the settings the log was measured with.
import Database, { type Statement } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type SqliteDatabase = Database.Database;

/** Stores a consumer's next offset: the log's commitOffset and every checkpoint write it. */
export const UPSERT_CONSUMER_OFFSET =
  'INSERT INTO consumer_offsets (consumer, next_offset) VALUES (?, ?) ' +
  'ON CONFLICT(consumer) DO UPDATE SET next_offset = excluded.next_offset';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  ts INTEGER NOT NULL,
  user_id TEXT,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS consumer_offsets (
  consumer TEXT PRIMARY KEY,
  next_offset INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
  consumer TEXT PRIMARY KEY,
  next_offset INTEGER NOT NULL,
  state BLOB NOT NULL,
  saved_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_letters (
  seq INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,
  source TEXT NOT NULL,
  position INTEGER,
  code TEXT NOT NULL,
  field TEXT NOT NULL,
  message TEXT NOT NULL,
  raw TEXT NOT NULL,
  truncated INTEGER NOT NULL DEFAULT 0,
  dedup_key TEXT UNIQUE
);
CREATE TABLE IF NOT EXISTS model_versions (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  stage TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  promoted_at INTEGER,
  kind TEXT NOT NULL,
  metrics TEXT NOT NULL,
  features TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  params TEXT NOT NULL,
  artifact TEXT NOT NULL,
  validation TEXT NOT NULL,
  PRIMARY KEY (name, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS model_revision (id INTEGER PRIMARY KEY, revision INTEGER NOT NULL);
INSERT OR IGNORE INTO model_revision VALUES (1, 0);
CREATE TABLE IF NOT EXISTS risk_decisions (
  payment_id TEXT NOT NULL UNIQUE,
  ts INTEGER NOT NULL,
  decision TEXT NOT NULL,
  card_id TEXT,
  body TEXT NOT NULL,
  features BLOB,
  feature_set INTEGER,
  label TEXT
);
CREATE TABLE IF NOT EXISTS risk_feature_sets (
  id INTEGER PRIMARY KEY,
  names TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS risk_cases (
  payment_id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  closed_at INTEGER,
  verdict TEXT,
  analyst TEXT,
  note TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS risk_cases_status ON risk_cases (status, opened_at);
CREATE TABLE IF NOT EXISTS risk_rules (
  version INTEGER PRIMARY KEY,
  deployed_at INTEGER NOT NULL,
  document TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS risk_list_changes (
  seq INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  at INTEGER NOT NULL,
  list TEXT NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  op TEXT NOT NULL,
  note TEXT
);
CREATE TABLE IF NOT EXISTS risk_revision (id INTEGER PRIMARY KEY, revision INTEGER NOT NULL);
INSERT OR IGNORE INTO risk_revision VALUES (1, 0);
`;

/**
 * A revision counter row that other processes bump, read cheaply: `PRAGMA data_version` changes on this
 * connection whenever another connection committed, and only then is the row read again. `invalidate` after a
 * write of this connection's own (which data_version does not count).
 */
export class RevisionWatch {
  private readonly selectRevision: Statement;
  private readonly dataVersion: Statement;
  private seen = -1;
  private last = 0;

  constructor(db: SqliteDatabase, table: string) {
    this.selectRevision = db.prepare(`SELECT revision FROM ${table} WHERE id = 1`).pluck();
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
  }

  invalidate(): void {
    this.seen = -1;
  }

  read(): number {
    const dataVersion = this.dataVersion.get() as number;
    if (dataVersion !== this.seen) {
      this.last = this.selectRevision.get() as number;
      this.seen = dataVersion;
    }
    return this.last;
  }
}

/**
 * Opens (creating if needed) the database file; WAL with synchronous=NORMAL survives a process crash
 * (a `kill -9`) without losing committed transactions, and lets readers run beside the writer.
 */
export function openDatabase(file: string): SqliteDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  db.exec(SCHEMA);
  migrate(db);
  return db;
}

/** Brings a data directory written by an earlier version up to the current schema. */
function migrate(db: SqliteDatabase): void {
  const decisionColumns = db
    .prepare("SELECT name FROM pragma_table_info('risk_decisions')")
    .pluck()
    .all() as string[];
  if (!decisionColumns.includes('features')) {
    // Decisions of the first layout (the whole decision as JSON, in a WITHOUT ROWID table): kept as they are,
    // their features in the body, in the table of the current layout.
    db.transaction(() => {
      db.exec('ALTER TABLE risk_decisions RENAME TO risk_decisions_v1');
      db.exec(SCHEMA);
      db.exec(
        'INSERT INTO risk_decisions (payment_id, ts, decision, card_id, body, label) ' +
          'SELECT payment_id, ts, decision, card_id, body, label FROM risk_decisions_v1',
      );
      db.exec('DROP TABLE risk_decisions_v1');
    })();
  }
  db.exec('CREATE INDEX IF NOT EXISTS risk_decisions_ts ON risk_decisions (ts)');
  const columns = db.prepare("SELECT name FROM pragma_table_info('dead_letters')").pluck().all() as string[];
  if (!columns.includes('dedup_key')) {
    db.exec('ALTER TABLE dead_letters ADD COLUMN dedup_key TEXT');
    db.exec('CREATE UNIQUE INDEX IF NOT EXISTS dead_letters_dedup_key ON dead_letters (dedup_key)');
  }
}
