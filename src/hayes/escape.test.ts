import { describe, it, expect } from 'vitest';
import { DEFAULT_GUARD_TIME_MS, ESCAPE_SEQUENCE, guardTimeFromS12 } from './escape.js';

describe('escape constants', () => {
  it('uses three + characters (default S2 = 43)', () => {
    expect(ESCAPE_SEQUENCE).toBe('+++');
    expect([...ESCAPE_SEQUENCE].every((c) => c.charCodeAt(0) === 43)).toBe(true);
  });

  it('defaults the guard time to the default S12 of 50 fiftieths of a second', () => {
    expect(DEFAULT_GUARD_TIME_MS).toBe(1000);
    expect(guardTimeFromS12(50)).toBe(DEFAULT_GUARD_TIME_MS);
  });
});

describe('guardTimeFromS12', () => {
  it('converts fiftieths of a second to milliseconds', () => {
    expect(guardTimeFromS12(0)).toBe(0);
    expect(guardTimeFromS12(1)).toBe(20);
    expect(guardTimeFromS12(25)).toBe(500);
    expect(guardTimeFromS12(255)).toBe(5100);
  });

  it('rejects values an S-register cannot hold', () => {
    for (const bad of [-1, 256, 1.5, Number.NaN]) {
      expect(() => guardTimeFromS12(bad)).toThrow(RangeError);
    }
  });
});
