export { EVENT_SCHEMAS, EVENT_TYPES, LIMITS } from './schemas.js';
export type { EventOf, EventType, ShopEvent } from './schemas.js';
export { parseTimestamp, MAX_TS_MS } from './timestamp.js';
export { validateEvent, isEventType } from './validate.js';
export type { Validation } from './validate.js';
