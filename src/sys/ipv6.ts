/**
 * IPv6 on a line's interface. A router forwards, and a forwarding interface ignores router
 * advertisements unless its accept_ra is 2, so a ppp line would never learn its prefix
 * (SLAAC) from the ISP. Set before IPV6CP is up: the kernel sends its router solicitation
 * as pppd puts the link-local address on, and only if accept_ra lets it take the answer.
 * The default route an advertisement offers is refused (accept_ra_defrtr 0): routes are
 * the bundle's to decide (`routes:`), and the router's own IPv6 default stays its own. The
 * settings are the interface's: they go with it when pppd ends.
 */
import { writeFileSync } from 'node:fs';
import { DialbondError, systemErrorCode } from '../errors/index.js';
import { isInterfaceName } from './ifname.js';

/** The per-interface IPv6 settings of a line, in the order they are written. */
export const LINE_IPV6_SETTINGS: ReadonlyArray<readonly [string, number]> = [
  ['accept_ra', 2],
  ['accept_ra_defrtr', 0],
  ['accept_ra_pinfo', 1],
  ['autoconf', 1],
];

/** Readies `ifname` to take its prefix from router advertisements while the router forwards. */
export function acceptRouterAdvertisements(ifname: string, write: (path: string, value: string) => void = (path, value) => writeFileSync(path, value)): void {
  if (!isInterfaceName(ifname)) throw new DialbondError('SYS_COMMAND_FAILED', `not an interface name: ${JSON.stringify(ifname)}`, { ifname });
  for (const [setting, value] of LINE_IPV6_SETTINGS) {
    const path = `/proc/sys/net/ipv6/conf/${ifname}/${setting}`;
    try {
      write(path, `${value}\n`);
    } catch (error) {
      throw new DialbondError('SYS_COMMAND_FAILED', `cannot set ${path} to ${value}: ${systemErrorCode(error) ?? String(error)}${systemErrorCode(error) === 'ENOENT' ? ' (IPv6 is off on this interface or in the kernel)' : ''}`, { ifname, setting });
    }
  }
}
