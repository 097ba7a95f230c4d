/**
 * The top-level `dns:` setting and what it asks of pppd. `peer` (the default): pppd asks
 * each peer for its servers (`usepeerdns`, RFC 1877) and they feed the router's resolver
 * while their line is in the bundle. A list: those servers, while the bundle is up.
 * `none`: the resolver is left alone and pppd asks for nothing.
 */
import { fileURLToPath } from 'node:url';
import type { PppdOptions } from '../ppp/index.js';

export type DnsSetting = 'peer' | 'none' | string[];

/**
 * dialbond's ip-up script (ppp/ip-up in the package: the same two levels up from
 * src/dns/ and from dist/dns/). It runs the system's ip-up without USEPEERDNS, so a
 * distribution hook does not rewrite /etc/resolv.conf while dialbond manages it.
 */
export const DIALBOND_IP_UP = fileURLToPath(new URL('../../ppp/ip-up', import.meta.url));

/** The pppd options a `dns:` setting asks for. */
export function pppDnsOptions(setting: DnsSetting): Pick<PppdOptions, 'usePeerDns' | 'ipUpScript'> {
  return setting === 'peer' ? { usePeerDns: true, ipUpScript: DIALBOND_IP_UP } : {};
}
