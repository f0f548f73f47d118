// DeadLetterStore on SQLite, in the same database file as the event log.
import type { Statement } from 'better-sqlite3';
import type {
  DeadLetter,
  DeadLetterFilter,
  DeadLetterStore,
  StoredDeadLetter,
  ErrorCode,
} from '../../core/index.js';
import type { SqliteDatabase } from './database.js';

interface Row {
  seq: number;
  received_at: number;
  source: string;
  position: number | null;
  code: string;
  field: string;
  message: string;
  raw: string;
  truncated: number;
  dedup_key: string | null;
}

export class SqliteDeadLetterStore implements DeadLetterStore {
  private readonly insert: Statement;
  private readonly selectNewest: Statement;
  private readonly countAll: Statement;
  private readonly addBatch: (items: readonly DeadLetter[], receivedAt: number) => void;

  constructor(private readonly db: SqliteDatabase) {
    this.insert = db.prepare(
      'INSERT OR IGNORE INTO dead_letters (received_at, source, position, code, field, message, raw, truncated, dedup_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.selectNewest = db.prepare('SELECT * FROM dead_letters ORDER BY seq DESC LIMIT ?');
    this.countAll = db.prepare('SELECT count(*) FROM dead_letters').pluck();
    this.addBatch = db.transaction((items: readonly DeadLetter[], receivedAt: number) => {
      for (const d of items) {
        this.insert.run(
          receivedAt,
          d.source,
          d.position ?? null,
          d.code,
          d.field,
          d.message,
          d.raw,
          d.truncated ? 1 : 0,
          d.dedupKey ?? null,
        );
      }
    });
  }

  async add(items: readonly DeadLetter[], receivedAt: number): Promise<void> {
    this.addBatch(items, receivedAt);
  }

  async list(limit: number, filter: DeadLetterFilter = {}): Promise<StoredDeadLetter[]> {
    const { where, args } = whereOf(filter);
    const rows = (
      where === ''
        ? this.selectNewest.all(Math.max(0, limit))
        : this.db
            .prepare(`SELECT * FROM dead_letters WHERE ${where} ORDER BY seq DESC LIMIT ?`)
            .all(...args, Math.max(0, limit))
    ) as Row[];
    return rows.map((row) => ({
      seq: row.seq,
      receivedAt: row.received_at,
      source: row.source,
      ...(row.position === null ? {} : { position: row.position }),
      code: row.code as ErrorCode,
      field: row.field,
      message: row.message,
      raw: row.raw,
      truncated: row.truncated === 1,
      ...(row.dedup_key === null ? {} : { dedupKey: row.dedup_key }),
    }));
  }

  async count(filter: DeadLetterFilter = {}): Promise<number> {
    const { where, args } = whereOf(filter);
    if (where === '') return this.countAll.get() as number;
    return this.db
      .prepare(`SELECT count(*) FROM dead_letters WHERE ${where}`)
      .pluck()
      .get(...args) as number;
  }

  async remove(filter: DeadLetterFilter): Promise<number> {
    const { where, args } = whereOf(filter);
    return this.db.prepare(`DELETE FROM dead_letters${where === '' ? '' : ` WHERE ${where}`}`).run(...args)
      .changes;
  }
}

/** The SQL condition of a filter, with its parameters (no text of the caller's goes into the SQL itself). */
function whereOf(f: DeadLetterFilter): { where: string; args: (string | number)[] } {
  const parts: string[] = [];
  const args: (string | number)[] = [];
  const add = (sql: string, arg: string | number) => {
    parts.push(sql);
    args.push(arg);
  };
  if (f.code !== undefined) add('code = ?', f.code);
  if (f.since !== undefined) add('received_at >= ?', f.since);
  if (f.before !== undefined) add('received_at < ?', f.before);
  if (f.seqs !== undefined) add('seq IN (SELECT value FROM json_each(?))', JSON.stringify(f.seqs));
  return { where: parts.join(' AND '), args };
}
