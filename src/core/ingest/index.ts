export { Ingestor } from './ingestor.js';
export { emptySummary, addSummary } from './summary.js';
export type { IngestError, IngestSummary, Rejection } from './summary.js';
export type { EventSink } from './sink.js';
