// In-memory EventLog: the reference behaviour of the port, for tests and throwaway runs.
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

export class MemoryEventLog implements EventLog {
  private readonly records: LogRecord[] = [];
  private readonly byId = new Map<string, ShopEvent>();
  private readonly offsets = new Map<string, number>();

  async append(items: readonly AppendItem[]): Promise<AppendResult> {
    const duplicateFlags: boolean[] = [];
    const conflicts: { index: number; stored: ShopEvent }[] = [];
    let accepted = 0;
    items.forEach(({ event }, index) => {
      const stored = this.byId.get(event.id);
      const duplicate = stored !== undefined && sameContent(stored, event);
      duplicateFlags.push(duplicate);
      if (stored !== undefined) {
        if (!duplicate) conflicts.push({ index, stored: structuredClone(stored) });
        return;
      }
      // Stored as a copy so that later changes by the caller cannot reach into the log.
      const copy = structuredClone(event);
      this.byId.set(event.id, copy);
      this.records.push({ offset: this.records.length, event: copy });
      accepted++;
    });
    return { accepted, duplicates: items.length - accepted - conflicts.length, duplicateFlags, conflicts };
  }

  async read(fromOffset: number, limit: number): Promise<LogRecord[]> {
    const start = Math.max(0, fromOffset);
    return this.records.slice(start, start + Math.max(0, limit)).map(copyRecord);
  }

  async readInTimeOrder(
    cursor: TimeCursor | undefined,
    limit: number,
    range: TimeRange = {},
  ): Promise<LogRecord[]> {
    const after = (r: LogRecord) =>
      cursor === undefined ||
      r.event.ts > cursor.ts ||
      (r.event.ts === cursor.ts && r.offset > cursor.offset);
    return this.records
      .filter((r) => inRange(r, range) && after(r))
      .sort((a, b) => a.event.ts - b.event.ts || a.offset - b.offset)
      .slice(0, Math.max(0, limit))
      .map(copyRecord);
  }

  async countInRange(range: TimeRange = {}): Promise<number> {
    return this.records.filter((r) => inRange(r, range)).length;
  }

  async endOffset(): Promise<number> {
    return this.records.length;
  }

  async commitOffset(consumer: string, nextOffset: number): Promise<void> {
    this.offsets.set(consumer, nextOffset);
  }

  async committedOffset(consumer: string): Promise<number> {
    return this.offsets.get(consumer) ?? 0;
  }

  async close(): Promise<void> {}
}

function copyRecord(r: LogRecord): LogRecord {
  return { ...r, event: structuredClone(r.event) };
}

function inRange({ offset, event: { ts } }: LogRecord, range: TimeRange): boolean {
  return (
    (range.from === undefined || ts >= range.from) &&
    (range.to === undefined || ts < range.to) &&
    (range.endOffset === undefined || offset < range.endOffset)
  );
}
