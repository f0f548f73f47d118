// EventLog on SQLite: `INSERT OR IGNORE` on a unique id makes appends idempotent; the rowid is the offset.
import type { Statement } from 'better-sqlite3';
import type { AppendItem, AppendResult, EventLog, LogRecord, ShopEvent } from '../../core/index.js';
import { UPSERT_CONSUMER_OFFSET, type SqliteDatabase } from './database.js';

/**
 * The embedded default event log. Offsets are `seq - 1`: SQLite gives a rowid table max(rowid)+1, and an
 * ignored duplicate takes no rowid, so offsets stay dense.
 * Measured at 225k rows/s with dedup on this machine class (shared MEASURED.md), ahead of DuckDB's 73–89k/s.
 */
export class SqliteEventLog implements EventLog {
  private readonly insert: Statement;
  private readonly selectFrom: Statement;
  private readonly countAll: Statement;
  private readonly upsertOffset: Statement;
  private readonly selectOffset: Statement;
  private readonly appendBatch: (items: readonly AppendItem[]) => AppendResult;

  constructor(private readonly db: SqliteDatabase) {
    this.insert = db.prepare(
      'INSERT OR IGNORE INTO events (id, type, ts, user_id, body) VALUES (?, ?, ?, ?, ?)',
    );
    this.selectFrom = db.prepare('SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.countAll = db.prepare('SELECT coalesce(max(seq), 0) AS n FROM events').pluck();
    this.upsertOffset = db.prepare(UPSERT_CONSUMER_OFFSET);
    this.selectOffset = db.prepare('SELECT next_offset FROM consumer_offsets WHERE consumer = ?').pluck();
    // One transaction per batch: a crash leaves all of a batch or none of it.
    this.appendBatch = db.transaction((items: readonly AppendItem[]) => {
      const duplicateFlags: boolean[] = new Array(items.length);
      let accepted = 0;
      for (let i = 0; i < items.length; i++) {
        const { event, json } = items[i] as AppendItem;
        const changes = this.insert.run(
          event.id,
          event.type,
          event.ts,
          event.userId ?? null,
          json ?? JSON.stringify(event),
        ).changes;
        duplicateFlags[i] = changes === 0;
        accepted += changes;
      }
      return { accepted, duplicates: items.length - accepted, duplicateFlags };
    });
  }

  async append(items: readonly AppendItem[]): Promise<AppendResult> {
    return this.appendBatch(items);
  }

  async read(fromOffset: number, limit: number): Promise<LogRecord[]> {
    const rows = this.selectFrom.all(Math.max(0, fromOffset), Math.max(0, limit)) as {
      seq: number;
      body: string;
    }[];
    return rows.map((row) => ({ offset: row.seq - 1, event: JSON.parse(row.body) as ShopEvent }));
  }

  async endOffset(): Promise<number> {
    return this.countAll.get() as number;
  }

  async commitOffset(consumer: string, nextOffset: number): Promise<void> {
    this.upsertOffset.run(consumer, nextOffset);
  }

  async committedOffset(consumer: string): Promise<number> {
    return (this.selectOffset.get(consumer) as number | undefined) ?? 0;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
