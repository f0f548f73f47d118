// Port of the dead-letter store: rejected input kept with its reason, never dropped silently.
import type { ErrorCode } from '../errors.js';

export interface DeadLetter {
  /** Where it came from: 'http', 'import:FILE', 'engine', … */
  readonly source: string;
  /** Line (files, NDJSON) or index (JSON arrays) of the item in its input, when known. */
  readonly position?: number;
  readonly code: ErrorCode;
  readonly field: string;
  readonly message: string;
  /** The raw input as text, cut at RAW_LIMIT characters (then `truncated` is true). */
  readonly raw: string;
  readonly truncated?: boolean;
  /**
   * When set, a second letter with the same key is not stored: re-reading the log after a restart must not
   * dead-letter the same late event twice.
   */
  readonly dedupKey?: string;
}

export interface StoredDeadLetter extends DeadLetter {
  readonly seq: number;
  readonly receivedAt: number;
}

/** Raw text kept per rejected item: enough to see what was wrong without storing megabytes of junk. */
export const RAW_LIMIT = 65_536;

/** Which dead letters a call is about: every condition given must hold (none: all of them). */
export interface DeadLetterFilter {
  readonly code?: string;
  /** Received at or after this time (epoch ms) … */
  readonly since?: number;
  /** … and before this one. */
  readonly before?: number;
  /** Only these. */
  readonly seqs?: readonly number[];
}

export interface DeadLetterStore {
  add(items: readonly DeadLetter[], receivedAt: number): Promise<void>;
  /** The newest first. */
  list(limit: number, filter?: DeadLetterFilter): Promise<StoredDeadLetter[]>;
  count(filter?: DeadLetterFilter): Promise<number>;
  /** Deletes the letters the filter selects; returns how many. */
  remove(filter: DeadLetterFilter): Promise<number>;
}

/** Cuts raw text to RAW_LIMIT characters, marking that it did. */
export function clipRaw(raw: string): Pick<DeadLetter, 'raw' | 'truncated'> {
  return raw.length > RAW_LIMIT ? { raw: raw.slice(0, RAW_LIMIT), truncated: true } : { raw };
}
