import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE, SECOND, formatDuration, parseWindow } from './duration.js';

describe('durations', () => {
  it('prints the two largest units, the second zero-padded', () => {
    expect(formatDuration(0)).toBe('0ms');
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(SECOND)).toBe('1s');
    expect(formatDuration(2 * MINUTE + 30 * SECOND)).toBe('2m 30s');
    expect(formatDuration(4 * HOUR + 5 * MINUTE + 59 * SECOND)).toBe('4h 05m');
    expect(formatDuration(13 * DAY + 21 * HOUR + 32 * MINUTE)).toBe('13d 21h');
    expect(formatDuration(3 * DAY)).toBe('3d 00h');
    expect(formatDuration(-90 * SECOND)).toBe('-1m 30s');
  });

  it('reads windows, and refuses what is not one', () => {
    expect(parseWindow('24h')).toBe(DAY);
    expect(parseWindow('lifetime')).toBe(Infinity);
    expect([parseWindow('0h'), parseWindow('1w'), parseWindow('400d')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});
