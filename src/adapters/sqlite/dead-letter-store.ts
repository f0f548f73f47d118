// DeadLetterStore on SQLite, in the same database file as the event log.
import type { Statement } from 'better-sqlite3';
import type { DeadLetter, DeadLetterStore, StoredDeadLetter, ErrorCode } from '../../core/index.js';
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

  constructor(db: SqliteDatabase) {
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

  async list(limit: number): Promise<StoredDeadLetter[]> {
    return (this.selectNewest.all(Math.max(0, limit)) as Row[]).map((row) => ({
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

  async count(): Promise<number> {
    return this.countAll.get() as number;
  }
}
