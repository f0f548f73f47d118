// The risk app's rule sets and allow/block lists in the data directory's SQLite database, every version kept.
import type { Statement } from 'better-sqlite3';
import type { ListChange, ListKind, RuleStore, StoredListChange, StoredRuleSet } from '../../core/index.js';
import { RevisionWatch, type SqliteDatabase } from './database.js';

interface ChangeRow {
  version: number;
  at: number;
  list: string;
  kind: string;
  value: string;
  op: string;
  note: string | null;
}

/**
 * Rule sets are rows numbered 1, 2, …; list changes are rows, each call of `changeLists` one version. A `risk rules
 * deploy` in another process is a commit any server sees through `revision` (a `PRAGMA data_version` when nothing
 * changed, as the model store does).
 */
export class SqliteRuleStore implements RuleStore {
  private readonly selectLatest: Statement;
  private readonly selectVersion: Statement;
  private readonly selectChanges: Statement;
  private readonly watch: RevisionWatch;
  private readonly deployTx: (document: string, now: number) => number;
  private readonly changeTx: (changes: readonly ListChange[], now: number) => number;

  constructor(db: SqliteDatabase) {
    this.selectLatest = db.prepare('SELECT * FROM risk_rules ORDER BY version DESC LIMIT 1');
    this.selectVersion = db.prepare('SELECT * FROM risk_rules WHERE version = ?');
    this.selectChanges = db.prepare('SELECT * FROM risk_list_changes ORDER BY seq');
    this.watch = new RevisionWatch(db, 'risk_revision');
    const bump = db.prepare('UPDATE risk_revision SET revision = revision + 1 WHERE id = 1');
    const nextRules = db.prepare('SELECT coalesce(max(version), 0) + 1 FROM risk_rules').pluck();
    const insertRules = db.prepare('INSERT INTO risk_rules VALUES (?, ?, ?)');
    const nextLists = db.prepare('SELECT coalesce(max(version), 0) + 1 FROM risk_list_changes').pluck();
    const insertChange = db.prepare(
      'INSERT INTO risk_list_changes (version, at, list, kind, value, op, note) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const deploy = db.transaction((document: string, now: number) => {
      const version = nextRules.get() as number;
      insertRules.run(version, now, document);
      bump.run();
      return version;
    });
    const change = db.transaction((changes: readonly ListChange[], now: number) => {
      const version = nextLists.get() as number;
      for (const c of changes) insertChange.run(version, now, c.list, c.kind, c.value, c.op, c.note ?? null);
      bump.run();
      return version;
    });
    this.deployTx = (document, now) => deploy.immediate(document, now);
    this.changeTx = (changes, now) => change.immediate(changes, now);
  }

  async deployRules(document: unknown, now: number): Promise<StoredRuleSet> {
    const version = this.deployTx(JSON.stringify(document), now);
    this.watch.invalidate();
    return { version, deployedAt: now, document: structuredClone(document) };
  }

  async rules(version?: number): Promise<StoredRuleSet | undefined> {
    const row = (version === undefined ? this.selectLatest.get() : this.selectVersion.get(version)) as
      { version: number; deployed_at: number; document: string } | undefined;
    return row && { version: row.version, deployedAt: row.deployed_at, document: JSON.parse(row.document) };
  }

  async changeLists(changes: readonly ListChange[], now: number): Promise<number> {
    const version = this.changeTx(changes, now);
    this.watch.invalidate();
    return version;
  }

  async listHistory(): Promise<StoredListChange[]> {
    return (this.selectChanges.all() as ChangeRow[]).map((r) => ({
      version: r.version,
      at: r.at,
      list: r.list as 'allow' | 'block',
      kind: r.kind as ListKind,
      value: r.value,
      op: r.op as 'add' | 'remove',
      ...(r.note === null ? {} : { note: r.note }),
    }));
  }

  async revision(): Promise<number> {
    return this.watch.read();
  }
}
