// What an ingestion reports: counts, per-item errors, and rejections of items that never became events.
import type { ErrorCode } from '../errors.js';

/** One rejected item of a batch; `index` is the item's position in its input. */
export interface IngestError {
  readonly index: number;
  readonly code: ErrorCode;
  readonly field: string;
  readonly message: string;
}

export interface IngestSummary {
  accepted: number;
  /** Items refused as input: malformed, invalid, or stamped too far in the future. */
  rejected: number;
  /** Re-deliveries: the log already held the same event under the id. Nothing changed. */
  duplicates: number;
  /** Different events reusing an id the log holds (SS_ID_CONFLICT): refused and dead-lettered, apart from `rejected`. */
  conflicts: number;
  /** Per refused item (conflicts included), the reason. */
  errors: IngestError[];
}

/** An item that failed before it became an event (a CSV row that did not convert, say). */
export interface Rejection {
  readonly index: number;
  readonly code: ErrorCode;
  readonly field: string;
  readonly message: string;
  readonly raw: string;
}

export function emptySummary(): IngestSummary {
  return { accepted: 0, rejected: 0, duplicates: 0, conflicts: 0, errors: [] };
}

/** Adds `part` into `total` (errors included). */
export function addSummary(total: IngestSummary, part: IngestSummary): IngestSummary {
  total.accepted += part.accepted;
  total.rejected += part.rejected;
  total.duplicates += part.duplicates;
  total.conflicts += part.conflicts ?? 0;
  for (const error of part.errors) total.errors.push(error);
  return total;
}
