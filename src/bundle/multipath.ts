/**
 * multipath: one ECMP route per destination with a weighted nexthop per link
 * (`ip route replace DEST nexthop via PEER dev pppN weight W nexthop ...`). The kernel picks
 * a nexthop per flow by hashing it; with net.ipv4.fib_multipath_hash_policy=1 the hash takes
 * the ports too (layer 4), so several flows between the same two hosts spread over the lines.
 * A flow stays on its line: no reordering, but one flow never goes faster than one line.
 *
 * There is no bundle address: each flow leaves with its line's own address, so replies come
 * back over the line they left by wherever the ISP routes each line's address to that line.
 * Reverse-path filtering is off all the same, since the source address the kernel picked at
 * connect() may belong to another line than the one the final 4-tuple hashes to.
 *
 * The kernel drops the whole route when one of its nexthop devices disappears, so removing a
 * link re-issues the route at once without it.
 *
 * IPv6 destinations (`::/0` for `default` with bundle.ipv6, or IPv6 prefixes) get the same
 * route with each line's IPv6 peer as its nexthop: the link-local address IPV6CP gave it
 * (`via fe80::... dev pppN`), over the lines that have one; a line whose IPV6CP comes up
 * after it joined (updateLink) is added to them then. Flows leave with their line's SLAAC
 * address as IPv4 flows leave with theirs.
 */
import { DialbondError } from '../errors/index.js';
import type { BundleBackend, BundleConfig, BundleMember } from './backend.js';
import { BundleBase } from './base.js';
import type { BundleDeps } from './deps.js';

/**
 * The routing protocol number our routes carry (free in iproute2's rt_protos), so that
 * deleting one never takes someone else's route to the same destination: the kernel may
 * have dropped ours already (a nexthop's device went away), and a bare `ip route del
 * default` would then delete, say, the Ethernet default route.
 */
export const ROUTE_PROTO = '201';

/** Largest nexthop weight `ip route` takes (rtnh_hops + 1 is one byte). */
export const MAX_NEXTHOP_WEIGHT = 256;

/**
 * Link weights scaled to nexthop weights 1..256, proportional: the heaviest link gets 256,
 * every other link its share of that, rounded, at least 1.
 */
export function nexthopWeights(weights: readonly number[]): number[] {
  const max = Math.max(0, ...weights.map((w) => (Number.isFinite(w) && w > 0 ? w : 0)));
  return weights.map((w) => (max > 0 && Number.isFinite(w) && w > 0 ? Math.min(MAX_NEXTHOP_WEIGHT, Math.max(1, Math.round((MAX_NEXTHOP_WEIGHT * w) / max))) : 1));
}

/** Whether a destination is an IPv6 one (`::/0`, `2001:db8::/32`). */
export const isIpv6Destination = (dest: string): boolean => dest.includes(':');

/** The peer a member's route to `dest` goes via, in that destination's family (undefined: none yet). */
function gatewayOf(m: BundleMember, dest: string): string | undefined {
  return isIpv6Destination(dest) ? m.remoteLinkLocal : m.remoteIp;
}

/** The arguments of `ip` that route `dest` over `members` (a plain route for one link). */
export function multipathRouteArgs(dest: string, members: readonly BundleMember[]): string[] {
  const via = (m: BundleMember) => gatewayOf(m, dest) as string;
  if (members.length === 1) {
    const [m] = members as [BundleMember];
    return ['route', 'replace', dest, 'proto', ROUTE_PROTO, 'via', via(m), 'dev', m.ifname];
  }
  const weights = nexthopWeights(members.map((m) => m.weight));
  return ['route', 'replace', dest, 'proto', ROUTE_PROTO, ...members.flatMap((m, i) => ['nexthop', 'via', via(m), 'dev', m.ifname, 'weight', String(weights[i])])];
}

export class MultipathBundle extends BundleBase implements BundleBackend {
  readonly mode = 'multipath' as const;

  constructor(
    private readonly config: BundleConfig,
    deps: Partial<BundleDeps> = {},
  ) {
    super(deps);
    if (config.routes.length === 0) throw new DialbondError('BUNDLE_INVALID', 'a multipath bundle needs at least one destination in routes (a CIDR or "default")', {});
  }

  /** Settings only: the routes wait for the first link (a route needs a nexthop). */
  async create(): Promise<void> {
    // Layer 4 hash: flows between the same two hosts differ by their ports only.
    this.sysctl.set('net.ipv4.fib_multipath_hash_policy', 1);
    if (this.config.routes.some(isIpv6Destination)) this.sysctl.set('net.ipv6.fib_multipath_hash_policy', 1);
    this.sysctl.set('net.ipv4.conf.all.rp_filter', 0);
    if (this.members.size > 0) await this.apply();
  }

  async addLink(member: BundleMember): Promise<void> {
    this.sysctl.set(`net.ipv4.conf.${member.ifname}.rp_filter`, 0);
    this.members.set(member.name, { ...member });
    await this.queueOn(member.ifname, this.config.queue, [member]);
    await this.apply();
  }

  async removeLink(name: string, onOut?: () => void): Promise<void> {
    const member = this.members.get(name);
    if (!member) return;
    this.members.delete(name);
    await this.apply();
    onOut?.();
    await this.queueOff(member.ifname);
  }

  override async setWeight(name: string, weight: number): Promise<void> {
    const member = this.members.get(name);
    if (!member || member.weight === weight) return;
    member.weight = weight;
    await this.apply();
  }

  /** The member's IPv6 peer arrived (IPV6CP after IPCP): its IPv6 routes take it. */
  async updateLink(member: BundleMember): Promise<void> {
    const known = this.members.get(member.name);
    if (!known || known.ifname !== member.ifname || known.remoteLinkLocal === member.remoteLinkLocal) return;
    known.remoteLinkLocal = member.remoteLinkLocal;
    await this.apply();
  }

  async destroy(): Promise<void> {
    const members = [...this.members.values()];
    this.members.clear();
    await this.apply();
    for (const m of members) await this.queueOff(m.ifname);
    await this.sysctl.restore();
  }

  /**
   * Puts the routes in line with the members: every destination over every link whose
   * interface still exists and that has a peer in its family, or no route at all when none
   * is left (for that destination; the router's own routes come back with the last line).
   */
  private async apply(): Promise<void> {
    const live = [...this.members.values()].filter((m) => this.exists(m.ifname));
    for (const dest of this.config.routes) {
      const carriers = live.filter((m) => gatewayOf(m, dest));
      // Ours only (by protocol), and tolerated when the kernel dropped it already.
      if (carriers.length === 0) await this.exec('ip', ['route', 'del', dest, 'proto', ROUTE_PROTO], { allowFailure: true });
      else await this.exec('ip', multipathRouteArgs(dest, carriers));
    }
    if (live.length === 0) await this.giveRoutesBack();
  }
}
