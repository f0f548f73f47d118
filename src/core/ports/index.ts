export type { AppendItem, AppendResult, EventLog, LogRecord, TimeCursor, TimeRange } from './event-log.js';
export type { DeadLetter, DeadLetterFilter, DeadLetterStore, StoredDeadLetter } from './dead-letter-store.js';
export { RAW_LIMIT, clipRaw } from './dead-letter-store.js';
export type { Clock } from './clock.js';
export { SYSTEM_CLOCK } from './clock.js';
export type { Checkpoint, CheckpointStore } from './checkpoint-store.js';
export type { ModelStage, ModelStore, ModelVersion, NewModelVersion } from './model-store.js';
export { MODEL_STAGES } from './model-store.js';
export type {
  CaseStatus,
  DecisionFilter,
  DecisionLabel,
  DecisionReason,
  DecisionStore,
  LabelledDecision,
  ListChange,
  ListKind,
  ReviewCase,
  RiskAction,
  RuleStore,
  StoredDecision,
  StoredListChange,
  StoredRuleSet,
} from './decision-store.js';
export { LIST_KINDS, RISK_ACTIONS } from './decision-store.js';
