// Port of the append-only event log: idempotent appends, reads by offset, consumer offsets.
import type { ShopEvent } from '../events/schemas.js';

/** An event to append; `json` is its serialized form when the caller already has it (saves a stringify). */
export interface AppendItem {
  readonly event: ShopEvent;
  readonly json?: string;
}

export interface AppendResult {
  /** Events new to the log, now stored. */
  readonly accepted: number;
  /** Events whose id the log already held with the same content (a re-delivery): nothing changed. */
  readonly duplicates: number;
  /** Per item, in order: true when it was a duplicate. */
  readonly duplicateFlags: readonly boolean[];
  /**
   * Items whose id the log already held with other content: refused, nothing changed. `stored` is the event the
   * log keeps under that id.
   */
  readonly conflicts: readonly { readonly index: number; readonly stored: ShopEvent }[];
}

/** Where a time-ordered read stopped: the last record's event time and offset (the next read starts after it). */
export interface TimeCursor {
  readonly ts: number;
  readonly offset: number;
}

/** A slice of history by event time, `from ≤ ts < to`, of the records stored before `endOffset` (all without it). */
export interface TimeRange {
  readonly from?: number;
  readonly to?: number;
  readonly endOffset?: number;
}

/** One stored event and its position. Offsets start at 0 and grow by one per accepted event. */
export interface LogRecord {
  readonly offset: number;
  readonly event: ShopEvent;
}

/**
 * The event log. One partition in the embedded default; offsets are dense and ordered by arrival.
 * A repeated id with the same content changes nothing and is counted as a duplicate; with other content it is a
 * conflict, refused and reported.
 */
export interface EventLog {
  /** Appends a batch atomically: after a crash either all of its new events are stored or none. */
  append(items: readonly AppendItem[]): Promise<AppendResult>;
  /** Up to `limit` records with offset ≥ `fromOffset`, in offset order. */
  read(fromOffset: number, limit: number): Promise<LogRecord[]>;
  /**
   * Up to `limit` records in event-time order (ties by offset), after `cursor` (from the start when undefined),
   * within `range`: what every computation over history reads, so that nothing is late to it.
   */
  readInTimeOrder(cursor: TimeCursor | undefined, limit: number, range?: TimeRange): Promise<LogRecord[]>;
  /** How many stored events fall in `range` (all of them without one). */
  countInRange(range?: TimeRange): Promise<number>;
  /** The offset the next accepted event will get (= number of stored events). */
  endOffset(): Promise<number>;
  /** Stores a consumer's position: the next offset it will read. */
  commitOffset(consumer: string, nextOffset: number): Promise<void>;
  /** A consumer's committed position, 0 when it has none. */
  committedOffset(consumer: string): Promise<number>;
  close(): Promise<void>;
}
