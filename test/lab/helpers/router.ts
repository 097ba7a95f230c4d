/**
 * A router of its own for lab tests: before dialbond starts, the guest gets the state a
 * real router has (an uplink with its own default route via a gateway, with a metric;
 * a policy rule and a route in a table of its own; an nftables table; a qdisc on the
 * uplink; a resolver in /etc/resolv.conf). A snapshot reads all of it back, and a diff
 * shows what a run changed, so a test can say "the router got back exactly what it had".
 *
 * Addresses come from TEST-NET-1 (192.0.2.0/24, RFC 5737), which no other lab helper
 * uses (the ISP is 198.51.100.N, the lines 203.0.113.N, the LAN 198.18.0.N).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { sh } from './run.js';

/** The router's own uplink, a dummy device (always up, no peer needed). */
export const ROUTER_UPLINK = 'wan0';
export const ROUTER_ADDRESS = '192.0.2.10';
export const ROUTER_GATEWAY = '192.0.2.1';
/**
 * Its default route's metric: 0, as ifupdown and dhclient install it, the one key a
 * bundle's own `ip route replace default` (metric 0, table main) lands on.
 */
export const ROUTER_METRIC = 0;
/** A second, backup default route (as NetworkManager numbers them), which must survive too. */
export const ROUTER_BACKUP_GATEWAY = '192.0.2.2';
export const ROUTER_BACKUP_METRIC = 100;
/** Its policy table and rule: traffic from ROUTER_RULE_FROM looks up ROUTER_TABLE. */
export const ROUTER_TABLE = 100;
export const ROUTER_RULE_FROM = '192.0.2.128/25';
export const ROUTER_RULE_PREF = 900;
/** Its nftables table (a firewall of its own, which dialbond must leave alone). */
export const ROUTER_NFT_TABLE = 'routerfw';
/** Its resolver. */
export const ROUTER_NAMESERVER = '192.0.2.53';
export const RESOLV_CONF = '/etc/resolv.conf';

/** The sysctls a bundle may touch: the snapshot reads them all. */
export const ROUTER_SYSCTLS = [
  'net/ipv4/ip_forward',
  'net/ipv4/tcp_reordering',
  'net/ipv4/fib_multipath_hash_policy',
  'net/ipv4/conf/all/rp_filter',
  'net/ipv4/conf/default/rp_filter',
] as const;

/**
 * Gives the guest its router state (see the constants above). Idempotent: a leftover of an earlier call is
 * removed first. Returns a function that takes it all away again.
 */
export async function setUpRouter(): Promise<() => Promise<void>> {
  await tearDownRouter();
  await sh('modprobe', ['dummy', 'numdummies=0'], { reject: false });
  await sh('ip', ['link', 'add', ROUTER_UPLINK, 'type', 'dummy']);
  await sh('ip', ['addr', 'add', `${ROUTER_ADDRESS}/24`, 'dev', ROUTER_UPLINK]);
  await sh('ip', ['link', 'set', ROUTER_UPLINK, 'up']);
  await sh('ip', ['route', 'add', 'default', 'via', ROUTER_GATEWAY, 'dev', ROUTER_UPLINK, 'metric', String(ROUTER_METRIC), 'proto', 'static']);
  await sh('ip', ['route', 'add', 'default', 'via', ROUTER_BACKUP_GATEWAY, 'dev', ROUTER_UPLINK, 'metric', String(ROUTER_BACKUP_METRIC), 'proto', 'static']);
  await sh('ip', ['route', 'add', 'default', 'via', ROUTER_GATEWAY, 'dev', ROUTER_UPLINK, 'table', String(ROUTER_TABLE), 'proto', 'static']);
  await sh('ip', ['rule', 'add', 'from', ROUTER_RULE_FROM, 'lookup', String(ROUTER_TABLE), 'pref', String(ROUTER_RULE_PREF)]);
  await sh('tc', ['qdisc', 'replace', 'dev', ROUTER_UPLINK, 'root', 'pfifo', 'limit', '77']);
  await sh('nft', ['add', 'table', 'inet', ROUTER_NFT_TABLE]);
  await sh('nft', ['add', 'chain', 'inet', ROUTER_NFT_TABLE, 'forward', '{ type filter hook forward priority 0; policy accept; }']);
  await sh('nft', ['add', 'rule', 'inet', ROUTER_NFT_TABLE, 'forward', 'ct', 'state', 'invalid', 'drop']);
  writeFileSync(RESOLV_CONF, `# the router's own resolver\nnameserver ${ROUTER_NAMESERVER}\n`);
  return tearDownRouter;
}

/** Removes the router state setUpRouter() made (whatever of it is there). */
export async function tearDownRouter(): Promise<void> {
  await sh('ip', ['rule', 'del', 'pref', String(ROUTER_RULE_PREF)], { reject: false });
  await sh('ip', ['route', 'flush', 'table', String(ROUTER_TABLE)], { reject: false });
  await sh('nft', ['delete', 'table', 'inet', ROUTER_NFT_TABLE], { reject: false });
  await sh('ip', ['link', 'del', ROUTER_UPLINK], { reject: false });
}

export interface RouterSnapshot {
  /** Every route of every table (`ip -j route show table all`), IPv4. */
  routes: unknown[];
  rules: unknown[];
  /** `nft list ruleset`, as text. */
  nft: string;
  /** Root qdiscs other than the kernel's defaults on ordinary devices. */
  qdiscs: string[];
  sysctl: Record<string, string>;
  resolvConf: string;
}

/**
 * The router's state now. Routes of kernel origin on devices that come and go (ppp
 * lines, masters) are kept: a route left on a dead master is exactly what must show.
 */
export async function routerSnapshot(): Promise<RouterSnapshot> {
  const json = async (args: string[]) => JSON.parse((await sh('ip', ['-j', ...args])).stdout || '[]') as unknown[];
  const routes = await json(['-4', 'route', 'show', 'table', 'all']);
  const rules = await json(['-4', 'rule', 'show']);
  const nft = (await sh('nft', ['list', 'ruleset'], { reject: false })).stdout.trim();
  const qdiscs = (await sh('tc', ['qdisc', 'show'])).stdout
    .split('\n')
    .filter((l) => l && !/qdisc (noqueue|pfifo_fast|fq_codel|mq) /.test(l))
    .map((l) => l.replace(/ refcnt \d+/, ''));
  const sysctl = Object.fromEntries(ROUTER_SYSCTLS.map((k) => [k, readFileSync(`/proc/sys/${k}`, 'utf8').trim()]));
  let resolvConf = '';
  try {
    resolvConf = readFileSync(RESOLV_CONF, 'utf8');
  } catch {
    /* none */
  }
  return { routes, rules, nft, qdiscs, sysctl, resolvConf };
}

/** One line of a difference: what part, and what was there only before or only after. */
export interface RouterDifference {
  part: keyof RouterSnapshot;
  onlyBefore: string[];
  onlyAfter: string[];
}

/**
 * What differs between two snapshots, item by item (a route, a rule, a qdisc line, an
 * nft line, a sysctl, a resolv.conf line), so a failure reads "default via 192.0.2.1 ...
 * is gone" rather than two walls of JSON. Empty when they are the same.
 */
export function routerDiff(before: RouterSnapshot, after: RouterSnapshot): RouterDifference[] {
  const items = (s: RouterSnapshot, part: keyof RouterSnapshot): string[] => {
    const value = s[part];
    if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    if (typeof value === 'string') return value.split('\n').map((l) => l.trim()).filter(Boolean);
    return Object.entries(value).map(([k, v]) => `${k}=${v}`);
  };
  const differences: RouterDifference[] = [];
  for (const part of ['routes', 'rules', 'nft', 'qdiscs', 'sysctl', 'resolvConf'] as const) {
    const a = items(before, part);
    const b = items(after, part);
    const onlyBefore = a.filter((x) => !b.includes(x));
    const onlyAfter = b.filter((x) => !a.includes(x));
    if (onlyBefore.length > 0 || onlyAfter.length > 0) differences.push({ part, onlyBefore, onlyAfter });
  }
  return differences;
}

/** The differences as text for an assertion message ("" when none). */
export function describeRouterDiff(differences: RouterDifference[]): string {
  return differences
    .map((d) => [`${d.part}:`, ...d.onlyBefore.map((x) => `  - ${x}`), ...d.onlyAfter.map((x) => `  + ${x}`)].join('\n'))
    .join('\n');
}

/** The router's own default route in the main table, as `ip -j` shows it (undefined when gone). */
export async function routerDefaultRoute(): Promise<Record<string, unknown> | undefined> {
  const routes = JSON.parse((await sh('ip', ['-j', '-4', 'route', 'show', 'default', 'dev', ROUTER_UPLINK], { reject: false })).stdout || '[]') as Array<Record<string, unknown>>;
  return routes.find((r) => r.gateway === ROUTER_GATEWAY && (r.metric ?? 0) === ROUTER_METRIC);
}
