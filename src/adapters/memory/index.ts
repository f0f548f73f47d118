export { MemoryEventLog } from './event-log.js';
export { MemoryDeadLetterStore } from './dead-letter-store.js';
export { MemoryCheckpointStore } from './checkpoint-store.js';
export { MemoryModelStore } from './model-store.js';
export { MemoryDecisionStore, MemoryRuleStore } from './decision-store.js';
