export { Ingestor, emptySummary, addSummary } from './ingestor.js';
export type { IngestError, IngestSummary, Rejection } from './ingestor.js';
export type { EventSink } from './sink.js';
