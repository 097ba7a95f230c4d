import { describe, expect, it } from 'vitest';
import { ispIfname6, ispPrefix6, radvdConfig } from './isp.js';

describe('the lab ISP over IPv6', () => {
  it('gives the line of client 203.0.113.N the prefix 2001:db8:0:N::/64 on its interface ispvN', () => {
    expect(ispPrefix6('203.0.113.7')).toBe('2001:db8:0:7::/64');
    expect(ispIfname6('203.0.113.12')).toBe('ispv12');
  });

  it('advertises each line its own prefix, often, with DNS servers when given', () => {
    const conf = radvdConfig(['203.0.113.1', '203.0.113.2'], ['2001:db8:ffff::53']);
    expect(conf.match(/^interface \S+/gm)).toEqual(['interface ispv1', 'interface ispv2']);
    expect(conf).toContain('  prefix 2001:db8:0:2::/64 { AdvOnLink on; AdvAutonomous on; };');
    expect(conf).toContain('  MaxRtrAdvInterval 4;');
    expect(conf).toContain('  RDNSS 2001:db8:ffff::53 { };');
    expect(radvdConfig(['203.0.113.1'])).not.toContain('RDNSS');
  });
});
