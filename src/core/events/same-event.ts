// Whether two events are the same content: what tells a harmless re-delivery from a different event reusing an id.

/**
 * Deep equality of two JSON values, key order ignored (`{"a":1,"b":2}` and `{"b":2,"a":1}` are the same event).
 * @example sameContent({ id: 'e1', ts: 1 }, { ts: 1, id: 'e1' }) // true
 */
export function sameContent(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((v, i) => sameContent(v, other[i]));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x).filter((k) => x[k] !== undefined);
  if (keys.length !== Object.keys(y).filter((k) => y[k] !== undefined).length) return false;
  return keys.every((k) => Object.hasOwn(y, k) && sameContent(x[k], y[k]));
}
