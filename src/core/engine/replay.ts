// Batch: the same engine over a bounded slice of the log, read in event-time order so that nothing is late to it.
import type { EventLog } from '../ports/event-log.js';
import type { FeatureEngine } from './feature-engine.js';
import { historyPages, HISTORY_PAGE } from './history.js';

export interface ReplayOptions {
  /** Only events with ts ≥ from … */
  readonly from?: number;
  /** … and ts < to. */
  readonly to?: number;
  readonly batchSize?: number;
  /** Called after each page with the events read so far and how many the slice holds. */
  readonly onProgress?: (read: number, total: number) => void;
}

export interface ReplaySummary {
  /** Events of the slice, every one of them applied. */
  readonly events: number;
  readonly applied: number;
  /** Always 0 over history read in event-time order; kept beside `applied` so that a report shows it. */
  readonly late: number;
  /** The log's end when the replay started: the offset a live engine resumes from after a backfill. */
  readonly endOffset: number;
}

/**
 * Feeds `engine` with the log's events (optionally a slice by event time) in event-time order, ties by offset:
 * the result equals the plain definition over the raw events, whatever order they arrived in.
 * @example const summary = await replayLog(log, new FeatureEngine(features), { to: Date.UTC(2026, 0, 10) })
 */
export async function replayLog(
  log: EventLog,
  engine: FeatureEngine,
  options: ReplayOptions = {},
): Promise<ReplaySummary> {
  const endOffset = await log.endOffset();
  // Events appended while the replay runs are left to the live engine, which resumes from `endOffset`.
  const range = { from: options.from, to: options.to, endOffset };
  const total = options.onProgress ? await log.countInRange(range) : 0;
  let events = 0;
  let late = 0;
  for await (const page of historyPages(log, range, options.batchSize ?? HISTORY_PAGE)) {
    events += page.length;
    late += engine.process(page);
    options.onProgress?.(events, total);
  }
  return { events, applied: events, late, endOffset };
}
