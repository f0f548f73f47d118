// An EventSink that posts batches to a running server's /v1/events over HTTP (import --to URL).
import {
  ERROR_CODES,
  ShopstreamError,
  type EventSink,
  type IngestSummary,
  type Ingestor,
  type Rejection,
} from '../../core/index.js';

export class RemoteSink implements EventSink {
  private readonly url: string;

  /** `local` keeps rows that never became events (they are not sent), in the local dead-letter store. */
  constructor(
    baseUrl: string,
    private readonly local: Ingestor,
  ) {
    this.url = new URL('/v1/events', baseUrl).toString();
  }

  async ingestLines(
    lines: readonly string[],
    source: string,
    positionOf: (i: number) => number = (i) => i,
  ): Promise<IngestSummary> {
    const sent: number[] = [];
    const body: string[] = [];
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      sent.push(i);
      body.push(line);
    });
    return this.post(body.join('\n'), (i) => positionOf(sent[i] ?? i), source);
  }

  async ingestValues(
    values: readonly unknown[],
    source: string,
    positionOf: (i: number) => number = (i) => i,
    earlier: readonly Rejection[] = [],
  ): Promise<IngestSummary> {
    const local = earlier.length > 0 ? await this.local.reject(earlier, source) : undefined;
    const remote =
      values.length > 0
        ? await this.post(values.map((v) => JSON.stringify(v)).join('\n'), positionOf, source)
        : undefined;
    return {
      accepted: remote?.accepted ?? 0,
      duplicates: remote?.duplicates ?? 0,
      conflicts: remote?.conflicts ?? 0,
      rejected: (remote?.rejected ?? 0) + (local?.rejected ?? 0),
      errors: [...(local?.errors ?? []), ...(remote?.errors ?? [])],
    };
  }

  private async post(
    ndjson: string,
    positionOf: (i: number) => number,
    source: string,
  ): Promise<IngestSummary> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', 'x-shopstream-source': source.slice(0, 200) },
        body: ndjson,
      });
    } catch (error) {
      throw new ShopstreamError(ERROR_CODES.REMOTE, `--to ${this.url}: ${(error as Error).message}`, {
        field: 'to',
        cause: error,
      });
    }
    const text = await response.text();
    if (!response.ok && response.status !== 400) {
      throw new ShopstreamError(
        ERROR_CODES.REMOTE,
        `--to ${this.url}: HTTP ${response.status}: ${text.slice(0, 300)}`,
        { field: 'to' },
      );
    }
    const summary = JSON.parse(text) as IngestSummary;
    return { ...summary, errors: summary.errors.map((e) => ({ ...e, index: positionOf(e.index) })) };
  }
}
