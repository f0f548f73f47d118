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
  /** Events whose id the log already held: nothing changed. */
  readonly duplicates: number;
  /** Per item, in order: true when it was a duplicate. */
  readonly duplicateFlags: readonly boolean[];
}

/** One stored event and its position. Offsets start at 0 and grow by one per accepted event. */
export interface LogRecord {
  readonly offset: number;
  readonly event: ShopEvent;
}

/**
 * The event log. One partition in the embedded default; offsets are dense and ordered by arrival.
 * A repeated id changes nothing and is counted as a duplicate.
 */
export interface EventLog {
  /** Appends a batch atomically: after a crash either all of its new events are stored or none. */
  append(items: readonly AppendItem[]): Promise<AppendResult>;
  /** Up to `limit` records with offset ≥ `fromOffset`, in offset order. */
  read(fromOffset: number, limit: number): Promise<LogRecord[]>;
  /** The offset the next accepted event will get (= number of stored events). */
  endOffset(): Promise<number>;
  /** Stores a consumer's position: the next offset it will read. */
  commitOffset(consumer: string, nextOffset: number): Promise<void>;
  /** A consumer's committed position, 0 when it has none. */
  committedOffset(consumer: string): Promise<number>;
  close(): Promise<void>;
}
