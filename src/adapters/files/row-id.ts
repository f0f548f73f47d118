// Deterministic event ids derived from a row, so that importing a file again adds nothing.
import { createHash } from 'node:crypto';

/**
 * `prefix:` + 20 hex digits of the SHA-1 of the parts. Identical rows get identical ids (and count as duplicates).
 * @example rowId('paysim', ['1', 'PAYMENT', '9839.64']) // 'paysim:3b1f…'
 */
export function rowId(prefix: string, parts: readonly unknown[]): string {
  return `${prefix}:${createHash('sha1').update(parts.join('\u001f')).digest('hex').slice(0, 20)}`;
}
