// Batch: the same engine over a bounded slice of the log, read in log order so that lateness decides alike.
import type { EventLog } from '../ports/event-log.js';
import type { FeatureEngine } from './feature-engine.js';

export interface ReplayOptions {
  /** Only events with ts ≥ from … */
  readonly from?: number;
  /** … and ts < to. */
  readonly to?: number;
  readonly batchSize?: number;
  /** Called after each batch with the offsets read so far and the end offset. */
  readonly onProgress?: (read: number, end: number) => void;
}

export interface ReplaySummary {
  readonly events: number;
  readonly applied: number;
  readonly late: number;
  readonly endOffset: number;
}

/**
 * Feeds `engine` with the log's events from offset 0 to its current end.
 * @example const summary = await replayLog(log, new FeatureEngine(features), { to: Date.UTC(2026, 0, 10) })
 */
export async function replayLog(
  log: EventLog,
  engine: FeatureEngine,
  options: ReplayOptions = {},
): Promise<ReplaySummary> {
  const end = await log.endOffset();
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  const batchSize = options.batchSize ?? 10_000;
  let events = 0;
  let late = 0;
  for (let offset = 0; offset < end;) {
    const records = await log.read(offset, Math.min(batchSize, end - offset));
    if (records.length === 0) break;
    offset = (records[records.length - 1]?.offset ?? offset) + 1;
    const slice = records.map((r) => r.event).filter((e) => e.ts >= from && e.ts < to);
    events += slice.length;
    late += engine.process(slice).length;
    options.onProgress?.(offset, end);
  }
  return { events, applied: events - late, late, endOffset: end };
}
