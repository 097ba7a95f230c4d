/**
 * A LAN behind the lab router: a network namespace joined to the root namespace by a veth
 * pair, addressed from the benchmarking range 198.18.0.0/15 (RFC 2544), with its default
 * route via the router. Traffic from here is forwarded and masqueraded, as a household's
 * browsers behind an eqlplus box were.
 */
import { sh } from './run.js';

let counter = 0;

export const LAN_ROUTER = '198.18.0.1';
export const LAN_HOST = '198.18.0.2';
/** The LAN's IPv6 prefix (documentation range, apart from the ISP's 2001:db8:0:N::/64). */
export const LAN_PREFIX6 = '2001:db8:1a::/64';
export const LAN_ROUTER6 = '2001:db8:1a::1';
export const LAN_HOST6 = '2001:db8:1a::2';

export interface Lan {
  netns: string;
  /** The router's end of the veth pair. */
  ifname: string;
  exec(args: string[], options?: { timeoutMs?: number; reject?: boolean }): ReturnType<typeof sh>;
  close(): Promise<void>;
}

/** A LAN behind the router; with `ipv6`, also LAN_PREFIX6 with its default route via the
 * router (nodad: the addresses are usable at once). */
export async function startLan(options: { ipv6?: boolean } = {}): Promise<Lan> {
  const id = `${process.pid % 100000}x${counter++}`;
  const netns = `lan${id}`;
  const ifname = `dbl${id}`.slice(0, 15);
  await sh('ip', ['netns', 'add', netns]);
  await sh('ip', ['link', 'add', ifname, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  await sh('ip', ['addr', 'add', `${LAN_ROUTER}/24`, 'dev', ifname]);
  await sh('ip', ['link', 'set', ifname, 'up']);
  const inNs = (args: string[], options: { timeoutMs?: number; reject?: boolean } = {}) => sh('ip', ['netns', 'exec', netns, ...args], options);
  await inNs(['ip', 'link', 'set', 'lo', 'up']);
  await inNs(['ip', 'addr', 'add', `${LAN_HOST}/24`, 'dev', 'eth0']);
  await inNs(['ip', 'link', 'set', 'eth0', 'up']);
  await inNs(['ip', 'route', 'add', 'default', 'via', LAN_ROUTER]);
  if (options.ipv6) {
    await sh('ip', ['-6', 'addr', 'add', `${LAN_ROUTER6}/64`, 'dev', ifname, 'nodad']);
    await inNs(['ip', '-6', 'addr', 'add', `${LAN_HOST6}/64`, 'dev', 'eth0', 'nodad']);
    await inNs(['ip', '-6', 'route', 'add', 'default', 'via', LAN_ROUTER6]);
  }
  return {
    netns,
    ifname,
    exec: inNs,
    async close() {
      await sh('ip', ['link', 'del', ifname], { reject: false });
      await sh('ip', ['netns', 'del', netns], { reject: false });
    },
  };
}
