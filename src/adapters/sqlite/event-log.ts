// EventLog on SQLite: `INSERT OR IGNORE` on a unique id makes appends idempotent; the rowid is the offset.
import type { Statement } from 'better-sqlite3';
import {
  sameContent,
  type AppendItem,
  type AppendResult,
  type EventLog,
  type LogRecord,
  type ShopEvent,
  type TimeCursor,
  type TimeRange,
} from '../../core/index.js';
import { UPSERT_CONSUMER_OFFSET, type SqliteDatabase } from './database.js';

/** Bounds of a range in SQL: SQLite integers hold every epoch-ms timestamp. */
const NO_LOWER = -Number.MAX_SAFE_INTEGER;
const NO_UPPER = Number.MAX_SAFE_INTEGER;

/**
 * The embedded default event log. Offsets are `seq - 1`: SQLite gives a rowid table max(rowid)+1, and an
 * ignored duplicate takes no rowid, so offsets stay dense.
 * Measured at 225k rows/s with dedup on this machine class (shared MEASURED.md), ahead of DuckDB's 73–89k/s.
 */
export class SqliteEventLog implements EventLog {
  private readonly insert: Statement;
  private readonly selectById: Statement;
  private readonly selectFrom: Statement;
  private readonly selectOrder: Statement;
  private readonly selectBodies: Statement;
  /** The time order of the last slice read, kept for its next pages (rebuilt when the slice or the log changed). */
  private order: TimeOrder | undefined;
  private readonly countRange: Statement;
  private readonly countAll: Statement;
  private readonly upsertOffset: Statement;
  private readonly selectOffset: Statement;
  private readonly appendBatch: (items: readonly AppendItem[]) => AppendResult;

  constructor(private readonly db: SqliteDatabase) {
    this.insert = db.prepare(
      'INSERT OR IGNORE INTO events (id, type, ts, user_id, body) VALUES (?, ?, ?, ?, ?)',
    );
    this.selectById = db.prepare('SELECT body FROM events WHERE id = ?').pluck();
    this.selectFrom = db.prepare('SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    // The time order of a slice: SQLite's sorter (external, spilling to temporary files when large) orders the
    // (ts, seq) pairs; the bodies are then read by rowid a page at a time.
    this.selectOrder = db
      .prepare('SELECT ts, seq FROM events WHERE ts >= ? AND ts < ? AND seq <= ? ORDER BY ts, seq')
      .raw();
    this.selectBodies = db.prepare(
      'SELECT seq, body FROM events WHERE seq IN (SELECT value FROM json_each(?))',
    );
    this.countRange = db.prepare('SELECT count(*) FROM events WHERE ts >= ? AND ts < ? AND seq <= ?').pluck();
    this.countAll = db.prepare('SELECT coalesce(max(seq), 0) AS n FROM events').pluck();
    this.upsertOffset = db.prepare(UPSERT_CONSUMER_OFFSET);
    this.selectOffset = db.prepare('SELECT next_offset FROM consumer_offsets WHERE consumer = ?').pluck();
    // One transaction per batch: a crash leaves all of a batch or none of it.
    this.appendBatch = db.transaction((items: readonly AppendItem[]) => {
      const duplicateFlags: boolean[] = new Array(items.length);
      const conflicts: { index: number; stored: ShopEvent }[] = [];
      let accepted = 0;
      for (let i = 0; i < items.length; i++) {
        const { event, json } = items[i] as AppendItem;
        const body = json ?? JSON.stringify(event);
        const changes = this.insert.run(event.id, event.type, event.ts, event.userId ?? null, body).changes;
        duplicateFlags[i] = false;
        if (changes === 1) {
          accepted++;
          continue;
        }
        // The id is there: the same content is a re-delivery, other content a different event reusing the id.
        const stored = this.selectById.get(event.id) as string;
        if (stored === body) duplicateFlags[i] = true;
        else {
          const storedEvent = JSON.parse(stored) as ShopEvent;
          if (sameContent(storedEvent, event)) duplicateFlags[i] = true;
          else conflicts.push({ index: i, stored: storedEvent });
        }
      }
      return { accepted, duplicates: items.length - accepted - conflicts.length, duplicateFlags, conflicts };
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

  async readInTimeOrder(
    cursor: TimeCursor | undefined,
    limit: number,
    range: TimeRange = {},
  ): Promise<LogRecord[]> {
    const order = await this.timeOrder(range);
    const start = cursor === undefined ? 0 : order.after(cursor.ts, cursor.offset + 1);
    const stop = Math.min(order.size, start + Math.max(0, limit));
    const seqs = order.seqs.subarray(start, stop);
    // The last page: the order is not kept beyond it (12 bytes an event of a slice nobody reads any more).
    if (stop === order.size) this.order = undefined;
    if (seqs.length === 0) return [];
    const bodies = new Map<number, string>();
    for (const row of this.selectBodies.all(JSON.stringify(Array.from(seqs))) as {
      seq: number;
      body: string;
    }[])
      bodies.set(row.seq, row.body);
    return Array.from(seqs, (seq) => ({
      offset: seq - 1,
      event: JSON.parse(bodies.get(seq) as string) as ShopEvent,
    }));
  }

  /** The slice's (ts, seq) in time order: from the last read when it is the same slice of the same log. */
  private async timeOrder(range: TimeRange): Promise<TimeOrder> {
    const end = Math.min(await this.endOffset(), range.endOffset ?? Infinity);
    const key = `${range.from ?? ''}|${range.to ?? ''}|${end}`;
    if (this.order?.key === key) return this.order;
    const order = new TimeOrder(key);
    for (const [ts, seq] of this.selectOrder.iterate(
      bound(range.from, NO_LOWER),
      bound(range.to, NO_UPPER),
      end,
    ) as IterableIterator<[number, number]>)
      order.push(ts, seq);
    this.order = order;
    return order;
  }

  async countInRange(range: TimeRange = {}): Promise<number> {
    if (range.from === undefined && range.to === undefined) {
      const end = await this.endOffset();
      return Math.min(end, range.endOffset ?? end);
    }
    return this.countRange.get(
      bound(range.from, NO_LOWER),
      bound(range.to, NO_UPPER),
      range.endOffset ?? NO_UPPER,
    ) as number;
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

/**
 * A slice's events in time order, as two columns: 12 bytes an event, where the events themselves stay in the log
 * (measured against an index on ts, which cost every import ~8%: BENCHMARKS.md, run L).
 */
class TimeOrder {
  ts = new Float64Array(1024);
  seqs = new Int32Array(1024);
  size = 0;

  constructor(readonly key: string) {}

  push(ts: number, seq: number): void {
    if (this.size === this.seqs.length) {
      const ts2 = new Float64Array(this.size * 2);
      ts2.set(this.ts);
      this.ts = ts2;
      const seqs2 = new Int32Array(this.size * 2);
      seqs2.set(this.seqs);
      this.seqs = seqs2;
    }
    this.ts[this.size] = ts;
    this.seqs[this.size++] = seq;
  }

  /** The position of the first pair after (ts, seq), by binary search. */
  after(ts: number, seq: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = this.ts[mid] as number;
      if (t < ts || (t === ts && (this.seqs[mid] as number) <= seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** A range end as an SQL integer: ±∞ or absent become the widest bound. */
function bound(value: number | undefined, otherwise: number): number {
  if (value === undefined || !Number.isFinite(value)) return otherwise;
  return Math.ceil(value);
}
