// Malformed input for --dirty: the kinds of broken events real feeds deliver.
import type { Random } from '../core/index.js';

export const DIRTY_KINDS = [
  'not_json',
  'missing_field',
  'wrong_type',
  'bad_timestamp',
  'unknown_type',
  'proto_key',
] as const;
export type DirtyKind = (typeof DIRTY_KINDS)[number];

/** A broken version of a valid event line, with a fresh id so that it is never mistaken for a duplicate. */
export function dirtyLine(
  event: Record<string, unknown>,
  n: number,
  rng: Random,
): { kind: DirtyKind; line: string } {
  const kind = rng.pick(DIRTY_KINDS);
  const broken: Record<string, unknown> = { ...event, id: `dirty-${n}` };
  switch (kind) {
    case 'not_json':
      return { kind, line: JSON.stringify(broken).slice(0, 25) };
    case 'missing_field':
      // Not ts: an event without one is valid and gets its arrival time.
      delete broken.id;
      break;
    case 'wrong_type':
      broken.ts = event.ts;
      broken.userId = 12345;
      break;
    case 'bad_timestamp':
      broken.ts = 'yesterday at noon';
      break;
    case 'unknown_type':
      broken.type = 'pageview';
      break;
    case 'proto_key':
      return { kind, line: JSON.stringify(broken).replace(/^\{/, '{"__proto__":{"admin":true},') };
  }
  return { kind, line: JSON.stringify(broken) };
}
