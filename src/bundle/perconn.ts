/**
 * perconn: eqlplus done with today's kernel. Each new connection gets a link, chosen at
 * random in proportion to the links' weights, and keeps it for its whole life; each
 * connection leaves masqueraded to its link's address, so an ordinary ISP (which knows
 * nothing of bonding) answers over the same line. One connection never goes faster than
 * one line; many connections (a browser's, a LAN's) share all of them, and nothing needs
 * the far end's help (eqlplus's README: eql alone needs a peer that speaks eql).
 *
 * What it sets up (see perconn-ruleset.ts for the nftables half):
 * - nftables table `inet dialbond`: conntrack marks 0x100+N per link slot N, copied to
 *   every packet; masquerade on the links.
 * - per link: `ip rule fwmark 0x10N lookup 10N` and the configured routes in table 10N.
 * - `ip rule lookup main suppress_prefixlength 0` before them and `ip rule lookup 100`
 *   after them (table 100: the routes via the first link, for the router's own first
 *   route lookup).
 * - net.ipv4.ip_forward 1 (it routes a LAN) and rp_filter 0 (all and each link: a reply to
 *   a connection masqueraded to line 1 arrives on line 1 but the unmarked route to its
 *   source may be line 0).
 * - With IPv6 (config.ipv6): the same rules and tables for IPv6 (`ip -6 rule`), IPv6
 *   connections dealt and masqueraded to the line's SLAAC address in the same nft table,
 *   and net.ipv6.conf.all.forwarding 1 (journaled, given back at the end).
 * Link slots are kept per link name for the bundle's life, so a redialed line gets its
 * old mark and table back.
 */
import { isIPv4 } from 'node:net';
import { DialbondError } from '../errors/index.js';
import type { BundleBackend, BundleConfig, BundleLinkStatus, BundleMember, BundleStatus } from './backend.js';
import { BundleBase } from './base.js';
import type { BundleDeps } from './deps.js';
import { isInterfaceName } from '../sys/ifname.js';
import {
  checkRoute,
  checkWeight,
  hex,
  markOf,
  PERCONN_MARK_BASE,
  PERCONN_MAX_SLOT,
  PERCONN_NFT_TABLE,
  PERCONN_PREF,
  PERCONN_TABLE_BASE,
  perconnRanges,
  perconnRuleset,
  tableOf,
} from './perconn-ruleset.js';

export {
  hex,
  markOf,
  tableOf,
  perconnRanges,
  perconnRuleset,
  weightRanges,
  PERCONN_MARK_BASE,
  PERCONN_NFT_TABLE,
  PERCONN_PREF,
  PERCONN_TABLE_BASE,
  type PerconnRange,
  type PerconnRuleLink,
} from './perconn-ruleset.js';

/** A link's status with what perconn gave it. */
/** How many times a mark's connections are deleted before the rest is left to time out. */
const FORGET_ROUNDS = 4;

export interface PerconnLinkStatus extends BundleLinkStatus {
  slot: number;
  /** Its conntrack/packet mark, e.g. 0x101. */
  mark: number;
  /** Its routing table, e.g. 101. */
  table: number;
  /** Percent of new connections it gets. */
  share: number;
}

export interface PerconnStatus extends BundleStatus {
  links: PerconnLinkStatus[];
}

/** The table input that removes the bundle's table whether or not it exists. */
const DROP_TABLE = `table inet ${PERCONN_NFT_TABLE}\ndelete table inet ${PERCONN_NFT_TABLE}\n`;

/** Any route in main but a default one wins over the links' tables (LAN subnets, replies to LAN hosts). */
const MAIN_RULE = ['pref', String(PERCONN_PREF.main), 'lookup', 'main', 'suppress_prefixlength', '0'];
/** The first lookup of unmarked traffic: table 100. */
const BUNDLE_RULE = ['pref', String(PERCONN_PREF.bundle), 'lookup', String(PERCONN_TABLE_BASE)];

export class PerconnBundle extends BundleBase implements BundleBackend {
  readonly mode = 'perconn' as const;
  /** Link name -> slot, for the life of this object (stable across redials and removals). */
  private readonly slots = new Map<string, number>();
  /** Slots whose `fwmark` rule is installed. */
  private readonly ruled = new Set<number>();
  /** The interface table 100 routes through now, if any. */
  private primary: string | undefined;

  constructor(
    private readonly config: BundleConfig,
    deps: Partial<BundleDeps> = {},
  ) {
    super(deps);
    if (config.mode !== 'perconn') throw new DialbondError('BUNDLE_INVALID', `PerconnBundle got a "${config.mode}" bundle config`, { mode: config.mode });
    if (config.routes.length === 0) throw new DialbondError('BUNDLE_INVALID', 'a perconn bundle needs routes (e.g. ["default"]): they go in each link\'s routing table', {});
    config.routes.forEach(checkRoute);
  }

  /** The slot kept for `name`, or a new one (the lowest free). */
  private slotFor(name: string): number {
    const known = this.slots.get(name);
    if (known !== undefined) return known;
    const used = new Set(this.slots.values());
    for (let slot = 1; slot <= PERCONN_MAX_SLOT; slot++) {
      if (used.has(slot)) continue;
      this.slots.set(name, slot);
      return slot;
    }
    throw new DialbondError('BUNDLE_INVALID', `a perconn bundle has at most ${PERCONN_MAX_SLOT} link names`, { name });
  }

  /** The address families the rules and tables are kept for: IPv4, and IPv6 with config.ipv6. */
  private get families(): Array<'4' | '6'> {
    return this.config.ipv6 ? ['4', '6'] : ['4'];
  }

  /** `ip` with the family's flag (none for IPv4, as ever). */
  private ip(family: '4' | '6', args: string[], options?: { allowFailure?: boolean }) {
    return this.exec('ip', family === '6' ? ['-6', ...args] : args, options);
  }

  async create(): Promise<void> {
    // Without conntrack(8) a removed line's connections would stay pinned to it: say so now,
    // not when a line drops.
    try {
      await this.exec('conntrack', ['--version'], { allowFailure: true });
    } catch (error) {
      if (error instanceof DialbondError && error.code === 'SYS_NOT_FOUND') {
        throw new DialbondError('BUNDLE_FAILED', 'a perconn bundle needs the conntrack tool (Debian package conntrack) to move connections off a dropped line', {});
      }
      throw error;
    }
    this.sysctl.set('net.ipv4.ip_forward', 1);
    this.sysctl.set('net.ipv4.conf.all.rp_filter', 0);
    if (this.config.ipv6) this.sysctl.set('net.ipv6.conf.all.forwarding', 1);
    for (const family of this.families) {
      await this.clearRules(family);
      await this.ip(family, ['rule', 'add', ...MAIN_RULE]);
      await this.ip(family, ['rule', 'add', ...BUNDLE_RULE]);
    }
    this.primary = undefined;
    for (const member of this.members.values()) await this.routeLink(member);
    await this.routePrimary();
    await this.applyRuleset();
  }

  async addLink(member: BundleMember): Promise<void> {
    if (!member.name) throw new DialbondError('BUNDLE_INVALID', 'a bundle link needs a name', {});
    if (!isInterfaceName(member.ifname)) throw new DialbondError('BUNDLE_INVALID', `link ${member.name}: not an interface name: "${member.ifname}"`, { name: member.name, ifname: member.ifname });
    for (const ip of [member.localIp, member.remoteIp]) {
      if (!isIPv4(ip)) throw new DialbondError('BUNDLE_INVALID', `link ${member.name}: "${ip}" is not an IPv4 address`, { name: member.name, address: ip });
    }
    checkWeight(member.name, member.weight);
    const slot = this.slotFor(member.name);
    if (!this.members.has(member.name) && this.members.size >= 100) throw new DialbondError('BUNDLE_INVALID', 'a perconn bundle spreads over at most 100 links', { name: member.name });
    this.sysctl.set(`net.ipv4.conf.${member.ifname}.rp_filter`, 0);
    const copy = { ...member };
    this.members.set(member.name, copy);
    await this.queueOn(member.ifname, this.config.queue, [member]);
    await this.routeLink(copy, slot);
    await this.routePrimary();
    // Last: new connections get the link only once its routes are in place.
    await this.applyRuleset();
  }

  /**
   * Takes a link out: no new connection gets it (the map is rebuilt first), its rule and
   * table go, and its connections' conntrack entries are deleted. Those connections do not
   * move intact: their next packet starts a new conntrack entry on another link with that
   * link's address, which the far end does not know, so TCP gets a reset and the
   * application reconnects (a browser retries at once). That is the price of not needing
   * the ISP's help, as with eqlplus.
   */
  async removeLink(name: string, onOut?: () => void): Promise<void> {
    const member = this.members.get(name);
    if (!member) return;
    this.members.delete(name);
    const slot = this.slots.get(name) as number;
    await this.applyRuleset();
    await this.routePrimary();
    await this.unrouteSlot(slot);
    // Out: no new connection gets it, and nothing routes to it. Forgetting its connections
    // (conntrack, a few rounds for each family) is tidying.
    onOut?.();
    await this.forgetConnections(hex(markOf(slot)));
    await this.queueOff(member.ifname);
    // Its tables may be ones the router had routes in (100 is a common choice): give those back.
    if (this.members.size === 0) await this.giveRoutesBack();
  }

  /** New weights apply to new connections; existing ones keep their link. */
  override async setWeight(name: string, weight: number): Promise<void> {
    checkWeight(name, weight);
    const member = this.members.get(name);
    if (!member) return;
    member.weight = weight;
    await this.applyRuleset();
  }

  override async status(): Promise<PerconnStatus> {
    const ranges = perconnRanges(this.ruleLinks());
    const links = [...this.members.values()]
      .map((m): PerconnLinkStatus => {
        const slot = this.slots.get(m.name) as number;
        const range = ranges.find((r) => r.slot === slot);
        return { ...m, counters: this.counters(m.ifname) ?? null, slot, mark: markOf(slot), table: tableOf(slot), share: range ? range.to - range.from + 1 : 0 };
      })
      .sort((a, b) => a.slot - b.slot);
    return { mode: this.mode, device: null, links };
  }

  async destroy(): Promise<void> {
    await this.exec('nft', ['-f', '-'], { input: DROP_TABLE, allowFailure: true });
    for (const m of this.members.values()) await this.queueOff(m.ifname);
    for (const slot of new Set([...this.ruled, ...[...this.members.keys()].map((n) => this.slots.get(n) as number)])) await this.unrouteSlot(slot);
    for (const family of this.families) {
      await this.ip(family, ['rule', 'del', ...MAIN_RULE], { allowFailure: true });
      await this.ip(family, ['rule', 'del', ...BUNDLE_RULE], { allowFailure: true });
      await this.ip(family, ['route', 'flush', 'table', String(PERCONN_TABLE_BASE)], { allowFailure: true });
    }
    this.primary = undefined;
    this.members.clear();
    // Nothing may keep one of our marks: those connections would be routed by rules that are gone.
    await this.forgetConnections(`${hex(PERCONN_MARK_BASE)}/0xffffff00`);
    await this.sysctl.restore();
  }

  private ruleLinks() {
    return [...this.members.values()].map((m) => ({ ifname: m.ifname, slot: this.slots.get(m.name) as number, weight: m.weight }));
  }

  private async applyRuleset(): Promise<void> {
    await this.exec('nft', ['-f', '-'], { input: perconnRuleset(this.ruleLinks(), { ipv6: this.config.ipv6 === true }) });
  }

  /** The link's table holds the bundle's routes through it; its fwmark rule leads there. */
  private async routeLink(member: BundleMember, slot = this.slots.get(member.name) as number): Promise<void> {
    const table = String(tableOf(slot));
    for (const route of this.config.routes) await this.exec('ip', ['route', 'replace', route, 'dev', member.ifname, 'table', table]);
    if (!this.ruled.has(slot)) {
      for (const family of this.families) await this.ip(family, ['rule', 'add', 'pref', String(PERCONN_PREF.link), 'fwmark', hex(markOf(slot)), 'lookup', table]);
      this.ruled.add(slot);
    }
  }

  private async unrouteSlot(slot: number): Promise<void> {
    const ruled = this.ruled.delete(slot);
    for (const family of this.families) {
      if (ruled) await this.ip(family, ['rule', 'del', 'pref', String(PERCONN_PREF.link), 'fwmark', hex(markOf(slot)), 'lookup', String(tableOf(slot))], { allowFailure: true });
      await this.ip(family, ['route', 'flush', 'table', String(tableOf(slot))], { allowFailure: true });
    }
  }

  /**
   * Table 100 routes the router's own traffic before it has a mark (connect() needs a route
   * and picks its source address from it); the output chain then marks the connection and
   * the kernel re-routes it. Any link will do: the first by slot.
   */
  private async routePrimary(): Promise<void> {
    const first = [...this.members.values()].sort((a, b) => (this.slots.get(a.name) as number) - (this.slots.get(b.name) as number))[0];
    if (first?.ifname === this.primary) return;
    const table = String(PERCONN_TABLE_BASE);
    if (first) {
      for (const route of this.config.routes) await this.exec('ip', ['route', 'replace', route, 'dev', first.ifname, 'table', table]);
    } else {
      for (const family of this.families) await this.ip(family, ['route', 'flush', 'table', table], { allowFailure: true });
    }
    this.primary = first?.ifname;
  }

  /** Removes our rules of a family, including a previous run's leftovers (found by their priorities). */
  private async clearRules(family: '4' | '6'): Promise<void> {
    const { stdout } = await this.ip(family, ['-j', 'rule', 'show'], { allowFailure: true });
    let rules: Array<{ priority?: number; table?: string }> = [];
    try {
      rules = JSON.parse(stdout || '[]') as typeof rules;
    } catch {
      rules = [];
    }
    const ours = new Set<number>(Object.values(PERCONN_PREF));
    for (const rule of rules) {
      if (rule.priority === undefined || !ours.has(rule.priority)) continue;
      await this.ip(family, ['rule', 'del', 'pref', String(rule.priority)], { allowFailure: true });
      const table = Number(rule.table);
      if (rule.priority === PERCONN_PREF.link && table > PERCONN_TABLE_BASE && table <= PERCONN_TABLE_BASE + PERCONN_MAX_SLOT) {
        await this.ip(family, ['route', 'flush', 'table', String(table)], { allowFailure: true });
      }
    }
    this.ruled.clear();
  }

  /**
   * Deletes the connections with `mark`. conntrack -D exits non-zero when nothing matched,
   * which is no error here; but a delete that walks the table while traffic changes it can
   * be cut short (the kernel marks the dump interrupted), so what is left is listed and
   * deleted again, a few times at most.
   */
  private async forgetConnections(mark: string): Promise<void> {
    // conntrack(8) lists and deletes IPv4 connections unless told `-f ipv6`
    for (const family of this.families) {
      const which = family === '6' ? ['-f', 'ipv6', '--mark', mark] : ['--mark', mark];
      for (let round = 0; round < FORGET_ROUNDS; round++) {
        await this.exec('conntrack', ['-D', ...which], { allowFailure: true });
        const { stdout } = await this.exec('conntrack', ['-L', ...which], { allowFailure: true });
        if (!/\S/.test(stdout)) break;
      }
    }
  }
}
