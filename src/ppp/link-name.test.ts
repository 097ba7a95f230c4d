import { describe, expect, it } from 'vitest';
import { isLinkName } from './link-name.js';

describe('isLinkName', () => {
  it('takes 1 to 15 letters, digits, "_", "." and "-"', () => {
    for (const name of ['line0', 'a', 'usb-1.2_b', 'abcdefghijklmno']) expect(isLinkName(name), name).toBe(true);
  });

  it('refuses anything else, and what is not a string', () => {
    for (const name of ['', 'abcdefghijklmnop', 'line 0', 'a/b', '../x', 'line0\n', 'lïne']) expect(isLinkName(name), JSON.stringify(name)).toBe(false);
    expect(isLinkName(undefined)).toBe(false);
    expect(isLinkName(3)).toBe(false);
  });
});
