// In-memory EventLog: the reference behaviour of the port, for tests and throwaway runs.
import type { AppendItem, AppendResult, EventLog, LogRecord } from '../../core/index.js';

export class MemoryEventLog implements EventLog {
  private readonly records: LogRecord[] = [];
  private readonly ids = new Set<string>();
  private readonly offsets = new Map<string, number>();

  async append(items: readonly AppendItem[]): Promise<AppendResult> {
    const duplicateFlags: boolean[] = [];
    let accepted = 0;
    for (const { event } of items) {
      const duplicate = this.ids.has(event.id);
      duplicateFlags.push(duplicate);
      if (duplicate) continue;
      this.ids.add(event.id);
      // Stored as a copy so that later changes by the caller cannot reach into the log.
      this.records.push({ offset: this.records.length, event: structuredClone(event) });
      accepted++;
    }
    return { accepted, duplicates: items.length - accepted, duplicateFlags };
  }

  async read(fromOffset: number, limit: number): Promise<LogRecord[]> {
    const start = Math.max(0, fromOffset);
    return this.records
      .slice(start, start + Math.max(0, limit))
      .map((r) => ({ ...r, event: structuredClone(r.event) }));
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
