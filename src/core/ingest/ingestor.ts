// Ingestion: raw lines or parsed values in, valid events appended to the log, the rest to the dead-letter store.
import { ERROR_CODES } from '../errors.js';
import type { ShopEvent } from '../events/schemas.js';
import { DEFAULT_MAX_FUTURE_MS, validateEvent, type ArrivalContext } from '../events/validate.js';
import type { AppendItem, EventLog } from '../ports/event-log.js';
import { clipRaw, type DeadLetter, type DeadLetterStore } from '../ports/dead-letter-store.js';
import type { Clock } from '../ports/clock.js';
import type { EventSink } from './sink.js';
import type { IngestSummary, Rejection } from './summary.js';

export interface IngestorOptions {
  /** Events stamped further ahead of the clock are refused (SS_FUTURE_TIMESTAMP); default 5 minutes. */
  readonly maxFutureMs?: number;
}

/**
 * Validates and stores batches. Good items land even when others in the batch are bad. An event without `ts`
 * gets its arrival time; one stamped more than `maxFutureMs` ahead of the clock is refused, so that no event can
 * carry the stream engine's clock into the future.
 * @example await new Ingestor(log, deadLetters, SYSTEM_CLOCK).ingestLines(['{"id":"e1",…}'], 'http')
 */
export class Ingestor implements EventSink {
  readonly maxFutureMs: number;

  constructor(
    private readonly log: EventLog,
    private readonly deadLetters: DeadLetterStore,
    private readonly clock: Clock,
    options: IngestorOptions = {},
  ) {
    this.maxFutureMs = options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS;
  }

  private arrival(): ArrivalContext {
    return { now: this.clock.now(), maxFutureMs: this.maxFutureMs };
  }

  /**
   * Ingests JSON texts, one event each (NDJSON lines, JSONL file lines). Blank lines are skipped.
   * `positionOf(i)` names item i in the dead-letter store (a file line, say); by default it is i.
   */
  async ingestLines(
    lines: readonly string[],
    source: string,
    positionOf: (i: number) => number = (i) => i,
  ): Promise<IngestSummary> {
    const items: AppendItem[] = [];
    const positions: number[] = [];
    const rejected: Rejection[] = [];
    const arrival = this.arrival();
    // Hot path (file import, NDJSON): one parse and one compiled check per line; an unchanged line is stored
    // as it came, which saves a JSON.stringify per event.
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (isBlank(line)) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        rejected.push({
          index: positionOf(i),
          code: ERROR_CODES.INVALID_JSON,
          field: '',
          message: parseMessage(error),
          raw: line,
        });
        continue;
      }
      const result = validateEvent(value, arrival);
      if (result.ok) {
        items.push(result.unchanged ? { event: result.event, json: line } : { event: result.event });
        positions.push(positionOf(i));
      } else rejected.push({ index: positionOf(i), ...result.error, raw: line });
    }
    return this.store(items, positions, rejected, source);
  }

  /** Ingests parsed values (a JSON array's items, converted rows); `positionOf(i)` as in ingestLines. */
  async ingestValues(
    values: readonly unknown[],
    source: string,
    positionOf: (i: number) => number = (i) => i,
    earlier: readonly Rejection[] = [],
  ): Promise<IngestSummary> {
    const items: AppendItem[] = [];
    const positions: number[] = [];
    const rejected: Rejection[] = [...earlier];
    const arrival = this.arrival();
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      const result = validateEvent(value, arrival);
      if (result.ok) {
        items.push({ event: result.event });
        positions.push(positionOf(i));
      } else rejected.push({ index: positionOf(i), ...result.error, raw: safeStringify(value) });
    }
    return this.store(items, positions, rejected, source);
  }

  /** Keeps items that failed before validation (unparseable bodies, rows that did not convert). */
  async reject(rejections: readonly Rejection[], source: string): Promise<IngestSummary> {
    return this.store([], [], rejections, source);
  }

  /** Appends the valid items (their input positions in `positions`) and keeps everything refused. */
  private async store(
    items: AppendItem[],
    positions: readonly number[],
    refused: readonly Rejection[],
    source: string,
  ): Promise<IngestSummary> {
    const appended = items.length > 0 ? await this.log.append(items) : undefined;
    const conflicts = (appended?.conflicts ?? []).map(({ index, stored }) =>
      conflictOf(items[index] as AppendItem, stored, positions[index] as number),
    );
    const rejected = conflicts.length > 0 ? [...refused, ...conflicts] : refused;
    if (rejected.length > 0) {
      const letters: DeadLetter[] = rejected.map((r) => ({
        source,
        position: r.index,
        code: r.code,
        field: r.field,
        message: r.message,
        ...clipRaw(r.raw),
      }));
      await this.deadLetters.add(letters, this.clock.now());
    }
    return {
      accepted: appended?.accepted ?? 0,
      duplicates: appended?.duplicates ?? 0,
      conflicts: conflicts.length,
      rejected: refused.length,
      errors: rejected.map(({ index, code, field, message }) => ({ index, code, field, message })),
    };
  }
}

/** An event refused because the log holds another under its id: kept with both, so nothing is lost. */
function conflictOf(item: AppendItem, stored: ShopEvent, index: number): Rejection {
  return {
    index,
    code: ERROR_CODES.ID_CONFLICT,
    field: 'id',
    message: `id: ${JSON.stringify(item.event.id).slice(0, 80)} is already in the log with other content (a different event reusing the id); refused, both kept in this dead letter`,
    raw: JSON.stringify({ refused: item.event, stored }),
  };
}

function isBlank(line: string): boolean {
  return line.length === 0 || line.trim().length === 0;
}

function parseMessage(error: unknown): string {
  const detail = error instanceof Error ? error.message : String(error);
  return `not valid JSON: ${detail.slice(0, 200)}`;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
