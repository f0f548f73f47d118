// History in event-time order: what every batch computation reads, so that nothing is late to it.
import type { ShopEvent } from '../events/schemas.js';
import type { EventLog, TimeCursor, TimeRange } from '../ports/event-log.js';

/** Events per page of a time-ordered read: large enough that the per-query cost vanishes, small in memory. */
export const HISTORY_PAGE = 10_000;

/**
 * The log's events with `from ≤ ts < to`, in event-time order (ties by arrival), a page at a time: out of core,
 * whatever the log's size or arrival order.
 * @example for await (const page of historyPages(log, { to: Date.UTC(2026, 0, 10) })) engine.process(page)
 */
export async function* historyPages(
  log: EventLog,
  range: TimeRange = {},
  pageSize = HISTORY_PAGE,
): AsyncGenerator<ShopEvent[]> {
  let cursor: TimeCursor | undefined;
  for (;;) {
    const records = await log.readInTimeOrder(cursor, pageSize, range);
    const last = records[records.length - 1];
    if (last === undefined) return;
    cursor = { ts: last.event.ts, offset: last.offset };
    yield records.map((r) => r.event);
    if (records.length < pageSize) return;
  }
}
