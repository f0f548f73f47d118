// Port of where ingested batches go: the local log (Ingestor) or a running server (the CLI's --to).
import type { IngestSummary, Rejection } from './summary.js';

export interface EventSink {
  ingestLines(
    lines: readonly string[],
    source: string,
    positionOf?: (i: number) => number,
  ): Promise<IngestSummary>;
  ingestValues(
    values: readonly unknown[],
    source: string,
    positionOf?: (i: number) => number,
    earlier?: readonly Rejection[],
  ): Promise<IngestSummary>;
}
