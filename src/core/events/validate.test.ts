import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../errors.js';
import { validateEvent } from './validate.js';
import { parseTimestamp } from './timestamp.js';

const view = { id: 'e1', type: 'view', ts: 1_714_564_800_000, userId: 'u1', productId: 'p1' };

describe('validateEvent', () => {
  it('accepts a valid event unchanged when ts is already epoch ms', () => {
    const result = validateEvent({ ...view });
    expect(result).toEqual({ ok: true, event: view, unchanged: true });
  });

  it('normalizes ISO 8601 and epoch-second timestamps to epoch ms', () => {
    const iso = validateEvent({ ...view, ts: '2024-05-01T12:00:00Z' });
    const seconds = validateEvent({ ...view, ts: 1_714_564_800 });
    expect(iso.ok && iso.event.ts).toBe(1_714_564_800_000);
    expect(seconds.ok && seconds.event.ts).toBe(1_714_564_800_000);
    expect(iso.ok && iso.unchanged).toBe(false);
  });

  it('names a missing field', () => {
    const result = validateEvent({ id: 'e1', type: 'view', ts: 1 });
    expect(result).toEqual({
      ok: false,
      error: { code: ERROR_CODES.MISSING_FIELD, field: 'productId', message: 'productId: is required' },
    });
  });

  it('names a nested field of the wrong type with its path', () => {
    const result = validateEvent({
      id: 'o1',
      type: 'purchase',
      ts: 1,
      orderId: 'o1',
      items: [
        { productId: 'p', quantity: 1, price: 2 },
        { productId: 'q', quantity: 1, price: 'free' },
      ],
      total: 2,
      currency: 'EUR',
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatchObject({
      code: ERROR_CODES.INVALID_FIELD,
      field: 'items[1].price',
    });
    expect(!result.ok && result.error.message).toMatch(/^items\[1\]\.price: expected number/);
  });

  it('rejects unknown event types and lists the known ones', () => {
    const result = validateEvent({ ...view, type: 'pageview' });
    expect(!result.ok && result.error.code).toBe(ERROR_CODES.UNKNOWN_EVENT_TYPE);
    expect(!result.ok && result.error.message).toContain('view, search');
  });

  it('rejects __proto__ keys at any depth as forbidden', () => {
    const top = validateEvent(
      JSON.parse('{"id":"e1","type":"view","ts":1,"productId":"p","__proto__":{"admin":true}}'),
    );
    const nested = validateEvent(
      JSON.parse(
        '{"id":"e2","type":"product","ts":1,"productId":"p","title":"t","category":"c","price":1,"attributes":{"__proto__":1}}',
      ),
    );
    expect(!top.ok && top.error).toMatchObject({ code: ERROR_CODES.FORBIDDEN_KEY, field: '__proto__' });
    expect(!nested.ok && nested.error).toMatchObject({
      code: ERROR_CODES.FORBIDDEN_KEY,
      field: 'attributes.__proto__',
    });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('rejects a 1 MB string as too large, naming the field', () => {
    const result = validateEvent({ ...view, productId: 'x'.repeat(1024 * 1024) });
    expect(!result.ok && result.error).toMatchObject({
      code: ERROR_CODES.VALUE_TOO_LARGE,
      field: 'productId',
    });
  });

  it('rejects bad timestamps with the reason', () => {
    for (const ts of ['yesterday', '2024-02-30T00:00:00Z', -5, 1e20, null]) {
      const result = validateEvent({ ...view, ts });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error.field).toBe('ts');
    }
  });

  it('rejects non-objects and fields of other event types', () => {
    expect(validateEvent([view]).ok).toBe(false);
    expect(validateEvent('view').ok).toBe(false);
    const extra = validateEvent({ ...view, amount: 5 });
    expect(!extra.ok && extra.error).toMatchObject({ code: ERROR_CODES.UNKNOWN_FIELD, field: 'amount' });
  });
});

describe('parseTimestamp', () => {
  it('reads ISO 8601 with and without zones, as UTC when none is given', () => {
    expect(parseTimestamp('2024-05-01')).toBe(Date.UTC(2024, 4, 1));
    expect(parseTimestamp('2024-05-01 12:30:00')).toBe(Date.UTC(2024, 4, 1, 12, 30));
    expect(parseTimestamp('2024-05-01T12:30:00+02:00')).toBe(Date.UTC(2024, 4, 1, 10, 30));
    expect(parseTimestamp('2024-05-01T12:30:00.123456Z')).toBe(Date.UTC(2024, 4, 1, 12, 30, 0, 123));
  });

  it('tells epoch seconds from epoch milliseconds, also as text', () => {
    expect(parseTimestamp(964_982_703)).toBe(964_982_703_000);
    expect(parseTimestamp('964982703')).toBe(964_982_703_000);
    expect(parseTimestamp(1_433_221_332_117)).toBe(1_433_221_332_117);
  });
});
