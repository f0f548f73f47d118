// Ingestion: raw lines or parsed values in, valid events appended to the log, the rest to the dead-letter store.
import { ERROR_CODES } from '../errors.js';
import { validateEvent } from '../events/validate.js';
import type { AppendItem, EventLog } from '../ports/event-log.js';
import { clipRaw, type DeadLetter, type DeadLetterStore } from '../ports/dead-letter-store.js';
import type { Clock } from '../ports/clock.js';
import type { EventSink } from './sink.js';
import type { IngestSummary, Rejection } from './summary.js';

/**
 * Validates and stores batches. Good items land even when others in the batch are bad.
 * @example await new Ingestor(log, deadLetters, SYSTEM_CLOCK).ingestLines(['{"id":"e1",…}'], 'http')
 */
export class Ingestor implements EventSink {
  constructor(
    private readonly log: EventLog,
    private readonly deadLetters: DeadLetterStore,
    private readonly clock: Clock,
  ) {}

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
    const rejected: Rejection[] = [];
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
      const result = validateEvent(value);
      if (result.ok)
        items.push(result.unchanged ? { event: result.event, json: line } : { event: result.event });
      else rejected.push({ index: positionOf(i), ...result.error, raw: line });
    }
    return this.store(items, rejected, source);
  }

  /** Ingests parsed values (a JSON array's items, converted rows); `positionOf(i)` as in ingestLines. */
  async ingestValues(
    values: readonly unknown[],
    source: string,
    positionOf: (i: number) => number = (i) => i,
    earlier: readonly Rejection[] = [],
  ): Promise<IngestSummary> {
    const items: AppendItem[] = [];
    const rejected: Rejection[] = [...earlier];
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      const result = validateEvent(value);
      if (result.ok) items.push({ event: result.event });
      else rejected.push({ index: positionOf(i), ...result.error, raw: safeStringify(value) });
    }
    return this.store(items, rejected, source);
  }

  /** Keeps items that failed before validation (unparseable bodies, rows that did not convert). */
  async reject(rejections: readonly Rejection[], source: string): Promise<IngestSummary> {
    return this.store([], rejections, source);
  }

  private async store(
    items: AppendItem[],
    rejected: readonly Rejection[],
    source: string,
  ): Promise<IngestSummary> {
    const appended = items.length > 0 ? await this.log.append(items) : undefined;
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
      rejected: rejected.length,
      errors: rejected.map(({ index, code, field, message }) => ({ index, code, field, message })),
    };
  }
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
