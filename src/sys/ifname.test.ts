import { describe, expect, it } from 'vitest';
import { isInterfaceName } from './ifname.js';

describe('isInterfaceName', () => {
  it('takes the names interfaces have', () => {
    for (const name of ['ppp0', 'eql', 'teql0', 'wwan0', 'enp3s0', 'br-lan', 'eth0.100', 'dbl12345x0', 'a', 'abcdefghijklmno']) expect(isInterfaceName(name), name).toBe(true);
  });

  it('refuses what the kernel refuses, what would read as an option, and what is not a string', () => {
    for (const name of ['', '.', '..', '.hidden', '-ppp0', 'eth0:1', 'ppp 0', 'a/b', 'abcdefghijklmnop', 'ppp0\n', 'pppé', '"x"']) expect(isInterfaceName(name), JSON.stringify(name)).toBe(false);
    expect(isInterfaceName(undefined)).toBe(false);
    expect(isInterfaceName(7)).toBe(false);
  });
});
