export { EVENT_SCHEMAS, EVENT_TYPES, LIMITS } from './schemas.js';
export type { EventOf, EventType, ShopEvent } from './schemas.js';
export { parseTimestamp, MAX_TS_MS } from './timestamp.js';
export { validateEvent, isEventType, DEFAULT_MAX_FUTURE_MS } from './validate.js';
export type { ArrivalContext, Validation } from './validate.js';
export { sameContent } from './same-event.js';
