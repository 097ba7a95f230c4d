/**
 * What a system command is about to change on the router, read from its argument vector
 * (pure: nothing here runs a command). The router journal (journal.ts) asks this before
 * every command a bundle runs, reads the current state of each place named here, and
 * keeps it to put back later.
 *
 * Places, and how the kernel keys them:
 * - routes: one IPv4/IPv6 route per (table, destination, metric) (`ip route replace`
 *   overwrites the route with the same key, whatever its gateway, device or proto), or a
 *   whole table (`ip route flush table T`);
 * - a rule we add (its inverse is deleting exactly it);
 * - an nftables table (created, replaced or deleted as a whole by `nft -f`);
 * - a device's root qdisc; an address we add; a device's MTU and up/down state.
 */

/** One place a command changes. */
export type Change =
  | { kind: 'routes'; family: '4' | '6'; table: string; dst: string | null; metric: number | null }
  | { kind: 'rule'; family: '4' | '6'; args: string[] }
  | { kind: 'nft'; family: string; name: string }
  | { kind: 'qdisc'; dev: string }
  | { kind: 'address'; dev: string; address: string }
  | { kind: 'addresses'; dev: string }
  | { kind: 'link'; dev: string };

/** The journal's key of a change: a second change of the same place keeps the first record. */
export function changeKey(change: Change): string {
  switch (change.kind) {
    case 'routes':
      return `routes/${change.family}/${change.table}/${change.dst ?? '*'}/${change.metric ?? '*'}`;
    case 'rule':
      return `rule/${change.family}/${change.args.join(' ')}`;
    case 'nft':
      return `nft/${change.family}/${change.name}`;
    case 'qdisc':
      return `qdisc/${change.dev}`;
    case 'address':
      return `address/${change.dev}/${change.address}`;
    case 'addresses':
      return `addresses/${change.dev}`;
    case 'link':
      return `link/${change.dev}`;
  }
}

const ROUTE_TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'throw', 'unreachable', 'prohibit', 'blackhole', 'nat', 'anycast']);
/** `ip route` keywords that take one value (so the value is not taken for the destination). */
const ROUTE_VALUE_WORDS = new Set([
  'table', 'metric', 'priority', 'preference', 'tos', 'dsfield', 'proto', 'protocol', 'scope', 'via', 'dev', 'src', 'mtu', 'advmss',
  'weight', 'realm', 'realms', 'nhid', 'expires', 'window', 'rtt', 'rttvar', 'cwnd', 'initcwnd', 'initrwnd', 'quickack', 'congctl', 'features', 'hoplimit', 'ssthresh', 'reordering', 'pref', 'encap', 'as', 'nexthop',
]);

function valueAfter(args: readonly string[], ...words: string[]): string | undefined {
  for (let i = 0; i < args.length - 1; i++) if (words.includes(args[i]!)) return args[i + 1];
  return undefined;
}

/** The address family of an `ip` command: from -4/-6, else from an address in it. */
function familyOf(args: readonly string[]): '4' | '6' {
  if (args.includes('-6')) return '6';
  if (args.includes('-4')) return '4';
  return args.some((a) => /^[0-9a-f]*:[0-9a-f:]*(\/\d+)?$/i.test(a) && a.includes(':')) ? '6' : '4';
}

/** The routing table a command names ("main" when none; "all" is not a table to change). */
function tableOf(args: readonly string[]): string {
  return valueAfter(args, 'table') ?? 'main';
}

/** The destination of `ip route add|replace|change|append|del ...` (its first free word). */
export function routeDestination(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (ROUTE_VALUE_WORDS.has(word)) {
      i++;
      continue;
    }
    if (ROUTE_TYPES.has(word) || word === 'onlink' || word === 'pervasive') continue;
    return word === '0/0' || word === '0.0.0.0/0' || word === '::/0' ? 'default' : word;
  }
  return undefined;
}

/** The places `command args` (with `input` on stdin) changes; [] for a query or anything else. */
export function changesOf(command: string, args: readonly string[], input?: string): Change[] {
  const words = args.filter((a) => a !== '-4' && a !== '-6' && a !== '-j' && a !== '-json');
  if (command === 'ip') return ipChanges(words, familyOf(args));
  if (command === 'tc') return tcChanges(words);
  if (command === 'nft') return nftChanges(args, input);
  return [];
}

/** The metric Linux gives an IPv6 route that names none. */
export const IPV6_DEFAULT_METRIC = 1024;

function ipChanges(words: string[], family: '4' | '6'): Change[] {
  const [object, verb, ...rest] = words;
  if (object === 'route' || object === 'r' || object === 'ro') {
    if (verb === 'flush') return [{ kind: 'routes', family, table: tableOf(rest), dst: null, metric: null }];
    if (verb === 'add' || verb === 'replace' || verb === 'change' || verb === 'append' || verb === 'del' || verb === 'delete') {
      const dst = routeDestination(rest);
      if (dst === undefined) return [];
      // Without one, the kernel gives an IPv4 route metric 0 and an IPv6 route 1024 (IP6_RT_PRIO_USER).
      const metric = Number(valueAfter(rest, 'metric', 'priority', 'preference') ?? (family === '6' ? IPV6_DEFAULT_METRIC : 0));
      // A delete without a metric removes the first route to dst whatever its metric: the table's dst, all metrics.
      const anyMetric = (verb === 'del' || verb === 'delete') && valueAfter(rest, 'metric', 'priority', 'preference') === undefined;
      return [{ kind: 'routes', family, table: tableOf(rest), dst, metric: anyMetric ? null : metric }];
    }
    return [];
  }
  if ((object === 'rule' || object === 'ru') && verb === 'add') return [{ kind: 'rule', family, args: rest }];
  if (object === 'addr' || object === 'address' || object === 'a') {
    const dev = valueAfter(rest, 'dev');
    if (!dev) return [];
    if (verb === 'add' || verb === 'replace') {
      const address = rest.find((w, i) => i === 0 || (!ROUTE_VALUE_WORDS.has(rest[i - 1]!) && /^[0-9a-f.:]+\/\d+$/i.test(w)));
      return address ? [{ kind: 'address', dev, address }] : [];
    }
    if (verb === 'flush') return [{ kind: 'addresses', dev }];
    return [];
  }
  if (object === 'link' && verb === 'set') {
    const dev = rest[0] === 'dev' ? rest[1] : rest[0];
    if (dev && (rest.includes('up') || rest.includes('down') || rest.includes('mtu'))) return [{ kind: 'link', dev }];
  }
  return [];
}

function tcChanges(words: string[]): Change[] {
  const [object, verb, ...rest] = words;
  if (object !== 'qdisc' || !['add', 'replace', 'change', 'del', 'delete', 'link'].includes(verb ?? '')) return [];
  const dev = valueAfter(rest, 'dev');
  return dev && rest.includes('root') ? [{ kind: 'qdisc', dev }] : [];
}

/** nft tables a command creates, replaces or deletes, from its argv or its script. */
function nftChanges(args: readonly string[], input?: string): Change[] {
  const found = new Map<string, Change>();
  const add = (family: string, name: string) => found.set(`${family} ${name}`, { kind: 'nft', family, name });
  const at = args.indexOf('table');
  if (at > 0 && ['add', 'create', 'delete', 'destroy', 'flush'].includes(args[at - 1]!) && args[at + 2] !== undefined) add(args[at + 1]!, args[at + 2]!);
  else if (at > 0 && ['add', 'create', 'delete', 'destroy', 'flush'].includes(args[at - 1]!) && args[at + 1] !== undefined) add('ip', args[at + 1]!);
  if (args.includes('-f') && input !== undefined) {
    for (const match of input.matchAll(/^\s*(?:(?:add|create|delete|destroy|flush)\s+)?table\s+(ip|ip6|inet|arp|bridge|netdev)\s+([A-Za-z0-9_.-]+)/gm)) add(match[1]!, match[2]!);
  }
  return [...found.values()];
}

/** A route as `ip -j route show` gives it (the fields that make it what it is). */
export interface RouteJson {
  type?: string;
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  prefsrc?: string;
  metric?: number;
  flags?: string[];
  table?: string;
  nexthops?: Array<{ gateway?: string; dev?: string; weight?: number; flags?: string[] }>;
  metrics?: Array<Record<string, number>>;
}

/** The route without what the kernel adds on its own (linkdown flags, cache info): for comparing. */
export function routeIdentity(route: RouteJson): string {
  const flags = (f?: string[]) => (f ?? []).filter((x) => x === 'onlink');
  return JSON.stringify({
    type: route.type ?? 'unicast',
    dst: route.dst,
    gateway: route.gateway ?? null,
    dev: route.dev ?? null,
    protocol: route.protocol ?? 'boot',
    scope: route.scope ?? 'global',
    prefsrc: route.prefsrc ?? null,
    metric: route.metric ?? 0,
    flags: flags(route.flags),
    nexthops: (route.nexthops ?? []).map((n) => ({ gateway: n.gateway ?? null, dev: n.dev ?? null, weight: n.weight ?? 1, flags: flags(n.flags) })),
  });
}

/** `ip` arguments that add (verb "replace") or delete (verb "del") exactly `route` in `table`. */
export function routeArgs(verb: 'replace' | 'del', route: RouteJson, table: string, family: '4' | '6'): string[] {
  const args = [`-${family}`, 'route', verb];
  if (route.type && route.type !== 'unicast') args.push(route.type);
  args.push(route.dst);
  if (route.gateway) args.push('via', route.gateway);
  if (route.dev) args.push('dev', route.dev);
  if (route.protocol) args.push('proto', route.protocol);
  if (route.scope && verb === 'replace') args.push('scope', route.scope);
  if (route.prefsrc && verb === 'replace') args.push('src', route.prefsrc);
  args.push('metric', String(route.metric ?? 0), 'table', table);
  if (verb === 'replace') {
    for (const metrics of route.metrics ?? []) for (const [name, value] of Object.entries(metrics)) if (/^[a-z]+$/.test(name)) args.push(name, String(value));
    if (route.flags?.includes('onlink')) args.push('onlink');
  }
  for (const hop of route.nexthops ?? []) {
    args.push('nexthop');
    if (hop.gateway) args.push('via', hop.gateway);
    if (hop.dev) args.push('dev', hop.dev);
    if (hop.weight !== undefined) args.push('weight', String(hop.weight));
    if (hop.flags?.includes('onlink')) args.push('onlink');
  }
  return args;
}

/** How a route reads in a log line: "default via 192.0.2.1 dev wan0 proto static metric 0 (table main)". */
export function describeRoute(route: RouteJson, table: string): string {
  const args = routeArgs('replace', route, table, route.dst.includes(':') ? '6' : '4').slice(3);
  const at = args.lastIndexOf('table');
  return `${[...args.slice(0, at), ...args.slice(at + 2)].join(' ')} (table ${table})`;
}

/**
 * The arguments that build a root qdisc again from `tc qdisc show dev X root`'s text, for
 * the kinds a router's admin is likely to have set (and every teql master); undefined when
 * the line is a kernel default (handle 0: nothing to build: deleting root gives it back) or
 * a kind whose parameters cannot be read back from its text.
 */
export function qdiscArgs(dev: string, shown: string): string[] | 'default' | undefined {
  const match = /^qdisc (\S+) ([0-9a-f]+): (?:dev \S+ )?root(?: refcnt \d+)?\s*(.*)$/m.exec(shown.trim());
  if (!match) return 'default'; // no root qdisc line: the device has the default
  const [, kind, handle, options] = match as unknown as [string, string, string, string];
  if (handle === '0') return 'default';
  const base = ['qdisc', 'replace', 'dev', dev, 'root', 'handle', `${handle}:`];
  if (/^teql\d+$/.test(kind)) return [...base, kind];
  const number = (name: string) => /(\d+)/.exec(new RegExp(`\\b${name} (\\S+)`).exec(options)?.[1] ?? '')?.[1];
  if (kind === 'pfifo' || kind === 'bfifo') {
    const limit = number('limit');
    return limit ? [...base, kind, 'limit', limit] : [...base, kind];
  }
  if (kind === 'sfq') {
    const out = [...base, 'sfq'];
    for (const name of ['limit', 'quantum', 'depth', 'divisor', 'perturb']) {
      const value = number(name);
      if (value !== undefined) out.push(name, value);
    }
    return out;
  }
  return undefined;
}
