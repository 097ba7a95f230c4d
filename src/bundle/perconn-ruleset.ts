/**
 * The pure half of the perconn bundle (eqlplus done with today's kernel): link slots,
 * marks and routing tables, weights turned into integer ranges, validation, and the
 * nftables ruleset text. Nothing here runs a command.
 *
 * eqlplus (Linux 2.2) patched ip_masq to ask eql for a link when a masqueraded TCP
 * connection started and kept the connection on it, so an ISP that knows nothing of
 * bonding sees ordinary connections from each line's own address. Here conntrack marks
 * play the patch's part: `numgen inc` deals a link mark to each new connection in a
 * weighted round robin (deterministic: eight flows over two equal lines are always 4+4),
 * `meta mark set ct mark` carries it to every packet, `ip rule fwmark` routes by it, and
 * masquerade gives the connection the address of the link it leaves by.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { DialbondError } from '../errors/index.js';
import { isInterfaceName } from '../sys/ifname.js';

/** The nftables table the bundle owns (deleted and recreated as a whole). */
export const PERCONN_NFT_TABLE = 'dialbond';
/** Link slot N (1..255) marks its connections 0x100 + N. */
export const PERCONN_MARK_BASE = 0x100;
/** ...and routes them with table 100 + N; table 100 itself holds the routes for first lookups. */
export const PERCONN_TABLE_BASE = 100;
export const PERCONN_MAX_SLOT = 255;
/**
 * Rule priorities, just before the main table's 32766 so an administrator's own rules
 * (usually lower numbers) still come first. wg-quick uses the same three-step shape.
 */
export const PERCONN_PREF = {
  /** `lookup main suppress_prefixlength 0`: any route in main except a default wins, so LAN
   * subnets and replies to masqueraded LAN hosts (which carry a link mark) are not sent out a line. */
  main: 32000,
  /** `fwmark 0x10N lookup 10N`, one per link. */
  link: 32001,
  /** `lookup 100`: the first route lookup of the router's own traffic, before any mark exists
   * (connect() needs a route and a source address); the output chain then re-routes it. */
  bundle: 32002,
} as const;
/** The range numgen draws from: every link owns a slice of 0..99. */
export const PERCONN_SPREAD = 100;

/** The mark for link slot `slot`, e.g. 0x101. */
export function markOf(slot: number): number {
  return PERCONN_MARK_BASE + slot;
}

/** The routing table for link slot `slot`, e.g. 101. */
export function tableOf(slot: number): number {
  return PERCONN_TABLE_BASE + slot;
}

export function hex(mark: number): string {
  return `0x${mark.toString(16)}`;
}

/** A route the bundle carries: "default", an IPv4 prefix a.b.c.d/len, or an IPv6 one (`::/0` for IPv6's default). */
export function validRoute(route: string): boolean {
  if (route === 'default') return true;
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(route);
  if (m) return isIPv4(m[1] as string) && Number(m[2]) <= 32;
  const m6 = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(route);
  return !!m6 && isIPv6(m6[1] as string) && Number(m6[2]) <= 128;
}

export function checkRoute(route: string): void {
  if (!validRoute(route)) throw new DialbondError('BUNDLE_INVALID', `perconn bundle route "${route}" is not "default", an IPv4 prefix like 198.51.100.0/24 or an IPv6 one like 2001:db8::/32`, { route });
}

export function checkWeight(name: string, weight: number): void {
  if (!Number.isFinite(weight) || weight <= 0) {
    throw new DialbondError('BUNDLE_INVALID', `link ${name}: weight must be a positive number (a line's speed in bps is a good start), not ${weight}`, { name, weight });
  }
}

/**
 * Integer shares of `total` (100) in proportion to `weights`, by largest remainder; every
 * link gets at least 1, taken from the largest shares, so a slow line still carries some
 * connections (and is noticed if it misbehaves). Sums to `total`.
 */
export function weightRanges(weights: readonly number[], total = PERCONN_SPREAD): number[] {
  if (weights.length === 0) return [];
  if (weights.length > total) throw new DialbondError('BUNDLE_INVALID', `a perconn bundle spreads over at most ${total} links, not ${weights.length}`, { links: weights.length });
  for (const w of weights) if (!Number.isFinite(w) || w <= 0) throw new DialbondError('BUNDLE_INVALID', `weights must be positive numbers, not ${w}`, { weight: w });
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (w / sum) * total);
  const shares = exact.map(Math.floor);
  let left = total - shares.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left <= 0) break;
    shares[i] = (shares[i] as number) + 1;
    left--;
  }
  for (let i = 0; i < shares.length; i++) {
    if (shares[i] !== 0) continue;
    let largest = 0;
    for (let j = 1; j < shares.length; j++) if ((shares[j] as number) > (shares[largest] as number)) largest = j;
    shares[largest] = (shares[largest] as number) - 1;
    shares[i] = 1;
  }
  return shares;
}

/** One link as the ruleset sees it. */
export interface PerconnRuleLink {
  ifname: string;
  slot: number;
  weight: number;
}

/** A link's slice of numgen's 0..99 and its mark. */
export interface PerconnRange {
  ifname: string;
  slot: number;
  mark: number;
  from: number;
  to: number;
}

/**
 * Smooth weighted round robin over `shares` (which sum to PERCONN_SPREAD): the link index
 * for each of numgen's values 0..99, interleaved so that consecutive new connections go to
 * different links in proportion (shares 50/50 give A B A B ..., 25/75 give B A B B ...).
 */
export function spreadOrder(shares: readonly number[]): number[] {
  const total = shares.reduce((a, b) => a + b, 0);
  const current = shares.map(() => 0);
  const order: number[] = [];
  for (let step = 0; step < total; step++) {
    let best = 0;
    shares.forEach((share, i) => {
      current[i] = (current[i] as number) + share;
      if ((current[i] as number) > (current[best] as number)) best = i;
    });
    current[best] = (current[best] as number) - total;
    order.push(best);
  }
  return order;
}

/** `0-48 : 0x101, 49 : 0x102, 50-99 : 0x101`: numgen values to marks, runs folded. */
export function mapElements(markByValue: readonly number[]): string {
  const parts: string[] = [];
  for (let from = 0; from < markByValue.length; ) {
    let to = from;
    while (to + 1 < markByValue.length && markByValue[to + 1] === markByValue[from]) to++;
    parts.push(`${from === to ? from : `${from}-${to}`} : ${hex(markByValue[from] as number)}`);
    from = to + 1;
  }
  return parts.join(', ');
}

/** The numgen ranges for `links`, in slot order. */
export function perconnRanges(links: readonly PerconnRuleLink[]): PerconnRange[] {
  const sorted = [...links].sort((a, b) => a.slot - b.slot);
  const shares = weightRanges(sorted.map((l) => l.weight));
  let from = 0;
  return sorted.map((l, i) => {
    const range = { ifname: l.ifname, slot: l.slot, mark: markOf(l.slot), from, to: from + (shares[i] as number) - 1 };
    from = range.to + 1;
    return range;
  });
}

/**
 * The whole nftables input for the bundle: one transaction that deletes the table (the
 * `table` line first makes the delete safe when it does not exist yet) and recreates it,
 * so applying twice is harmless and a rebuilt map takes effect for the next new connection.
 *
 * - prerouting (forwarded LAN traffic, and what comes in over the lines): a connection
 *   that starts on a line keeps that line (so replies from a service on the router leave
 *   where the request came in); a new connection whose route goes out through the bundle
 *   gets a link by weight; every packet of a marked connection carries the mark.
 * - output, `type route` (the router's own traffic): the same, and the kernel re-routes a
 *   packet whose mark changed here.
 * - postrouting nat: masquerade on the links, so each connection leaves with its line's
 *   address and the ISP's replies come back over the same line.
 */
export function perconnRuleset(links: readonly PerconnRuleLink[], options: { ipv6?: boolean } = {}): string {
  // IPv6 connections are dealt and masqueraded (NAT66, to the line's SLAAC address) as IPv4 ones are.
  const family = options.ipv6 ? 'meta nfproto { ipv4, ipv6 }' : 'meta nfproto ipv4';
  for (const l of links) {
    // the rule also keeps a name safe inside an nft string: no quote, no space
    if (!isInterfaceName(l.ifname)) throw new DialbondError('BUNDLE_INVALID', `not an interface name: "${l.ifname}"`, { ifname: l.ifname });
    if (!Number.isInteger(l.slot) || l.slot < 1 || l.slot > PERCONN_MAX_SLOT) throw new DialbondError('BUNDLE_INVALID', `link slot ${l.slot} is outside 1..${PERCONN_MAX_SLOT}`, { slot: l.slot });
  }
  const ranges = perconnRanges(links);
  const names = `{ ${ranges.map((r) => `"${r.ifname}"`).join(', ')} }`;
  const byIif = `{ ${ranges.map((r) => `"${r.ifname}" : ${hex(r.mark)}`).join(', ')} }`;
  // numgen inc, not random: with random, all of a few flows land on one line now and then.
  const order = spreadOrder(ranges.map((r) => r.to - r.from + 1));
  const pick = `numgen inc mod ${PERCONN_SPREAD} map { ${mapElements(order.map((i) => (ranges[i] as PerconnRange).mark))} }`;
  // Only our marks (0x101..0x1ff) are copied to packets: another tool's ct marks stay its own.
  const carry = `ct mark & 0xffffff00 == ${hex(PERCONN_MARK_BASE)} meta mark set ct mark`;
  const out: string[] = [`table inet ${PERCONN_NFT_TABLE}`, `delete table inet ${PERCONN_NFT_TABLE}`, `table inet ${PERCONN_NFT_TABLE} {`];
  out.push('\tchain prerouting {', '\t\ttype filter hook prerouting priority mangle; policy accept;');
  if (ranges.length > 0) {
    out.push(`\t\t${family} ct state new ct mark set iifname map ${byIif}`);
    // `fib daddr oifname`: the route this packet would take unmarked (rules 32000, 32002);
    // only connections that leave through the bundle are spread (not LAN to LAN, not to the router).
    out.push(`\t\t${family} ct state new ct mark 0x0 fib daddr oifname ${names} ct mark set ${pick}`);
  }
  out.push(`\t\t${carry}`, '\t}');
  out.push('\tchain output {', '\t\ttype route hook output priority mangle; policy accept;');
  if (ranges.length > 0) out.push(`\t\t${family} ct state new ct mark 0x0 oifname ${names} ct mark set ${pick}`);
  out.push(`\t\t${carry}`, '\t}');
  out.push('\tchain postrouting {', '\t\ttype nat hook postrouting priority srcnat; policy accept;');
  if (ranges.length > 0) out.push(`\t\t${family} oifname ${names} masquerade`);
  out.push('\t}', '}', '');
  return out.join('\n');
}
