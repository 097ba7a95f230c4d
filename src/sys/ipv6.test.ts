import { describe, expect, it } from 'vitest';
import { acceptRouterAdvertisements } from './ipv6.js';

describe('acceptRouterAdvertisements', () => {
  it('lets a forwarding line take its prefix but not a default route', () => {
    const written: Array<[string, string]> = [];
    acceptRouterAdvertisements('ppp3', (path, value) => written.push([path, value]));
    expect(written).toEqual([
      ['/proc/sys/net/ipv6/conf/ppp3/accept_ra', '2\n'],
      ['/proc/sys/net/ipv6/conf/ppp3/accept_ra_defrtr', '0\n'],
      ['/proc/sys/net/ipv6/conf/ppp3/accept_ra_pinfo', '1\n'],
      ['/proc/sys/net/ipv6/conf/ppp3/autoconf', '1\n'],
    ]);
  });

  it('refuses a name that would leave /proc/sys/net/ipv6/conf, and names the setting it could not write', () => {
    expect(() => acceptRouterAdvertisements('../../x', () => {})).toThrow(/not an interface name/);
    const missing = Object.assign(new Error('gone'), { code: 'ENOENT' });
    expect(() =>
      acceptRouterAdvertisements('ppp9', () => {
        throw missing;
      }),
    ).toThrow('cannot set /proc/sys/net/ipv6/conf/ppp9/accept_ra to 2: ENOENT (IPv6 is off on this interface or in the kernel)');
  });
});
