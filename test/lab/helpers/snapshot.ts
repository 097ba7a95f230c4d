/**
 * What the kernel's network configuration looks like, to show a bundle left nothing
 * behind: links (name, state, mtu, master), addresses, rules, routes, qdiscs, nftables,
 * and the sysctls bundles touch; IPv4 and IPv6.
 */
import { readFileSync } from 'node:fs';
import { sh } from './run.js';

export async function networkSnapshot(): Promise<Record<string, unknown>> {
  const json = async (args: string[]) => JSON.parse((await sh('ip', ['-j', ...args])).stdout || '[]') as Array<Record<string, unknown>>;
  // A teql master takes its first slave's flags (POINTOPOINT from ppp) and nothing can
  // clear them again: that one flag is the kernel's doing, not a leftover of ours.
  const flagsOf = (l: Record<string, unknown>) => ((l.flags as string[]) ?? []).filter((f) => !(String(l.ifname).startsWith('teql') && f === 'POINTOPOINT'));
  const links = (await json(['link', 'show'])).map((l) => ({ ifname: l.ifname, operstate: l.operstate, mtu: l.mtu, master: l.master, flags: flagsOf(l) }));
  const addrs = (await json(['addr', 'show'])).map((l) => ({ ifname: l.ifname, addr: (l.addr_info as Array<{ local: string }>).map((a) => a.local) }));
  const rules = await json(['rule', 'show']);
  const routes = await json(['route', 'show', 'table', 'all']);
  // IPv6 too; a route's remaining lifetime (from an advertisement) is not state, it is a clock.
  const routes6 = (await json(['-6', 'route', 'show', 'table', 'all'])).map(({ expires: _expires, ...r }) => r);
  const rules6 = await json(['-6', 'rule', 'show']);
  const qdiscs = (await sh('tc', ['qdisc', 'show'])).stdout.split('\n').filter((l) => l && !/qdisc (noqueue|pfifo_fast|fq_codel|mq) /.test(l));
  const nft = (await sh('nft', ['list', 'ruleset'], { reject: false })).stdout.trim();
  const sysctl = Object.fromEntries(
    ['net/ipv4/tcp_reordering', 'net/ipv4/fib_multipath_hash_policy', 'net/ipv4/conf/all/rp_filter', 'net/ipv6/conf/all/forwarding', 'net/ipv6/fib_multipath_hash_policy'].map((k) => [k, readFileSync(`/proc/sys/${k}`, 'utf8').trim()]),
  );
  return { links, addrs, rules, routes, routes6, rules6, qdiscs, nft, sysctl };
}

/** The parts of two snapshots that differ, for a readable failure message. */
export function snapshotDiff(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, { before: unknown; after: unknown }> {
  const diff: Record<string, { before: unknown; after: unknown }> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) diff[key] = { before: before[key], after: after[key] };
  }
  return diff;
}
