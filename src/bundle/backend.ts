/**
 * A bundle spreads traffic over several up links. Each mode (eql, teql, perconn, mlppp,
 * multipath) is one backend behind this interface; the supervisor only ever talks to it.
 *
 * Rules every backend keeps: applying twice is harmless (the daemon may restart and find
 * its own leftovers), a link that is gone is tolerated on removal, and destroy() removes
 * everything the backend created and restores every setting it changed.
 */
import type { InterfaceCounters } from '../sys/index.js';
import type { QueueSettings } from './queue.js';

export type BundleMode = 'eql' | 'teql' | 'perconn' | 'mlppp' | 'multipath';

/** A link as the bundle sees it: an up ppp interface and what it is worth. */
export interface BundleMember {
  /** The link's name (stable across redials). */
  name: string;
  ifname: string;
  localIp: string;
  remoteIp: string;
  /** The peer's IPv6 link-local address, once IPV6CP is up: the next hop of IPv6 routes. */
  remoteLinkLocal?: string;
  /** Relative share of traffic; the line's speed in bps is a good start. */
  weight: number;
  /** The line's rate in bit/s (8N1 framing: 10 bits a byte), for its shaper; unknown
   * leaves the line unshaped (see queue.ts). */
  rateBps?: number;
  /** The rate the line's tty held as pppd attached it: multilink sizes each fragment by it
   * (src/sys/tty-rate.ts). Unknown counts as the same on every line. */
  ttyRateBps?: number;
}

export interface BundleConfig {
  mode: BundleMode;
  /** The bundle's own address (eql, teql: on the master device), e.g. 203.0.113.100. */
  address?: string;
  /** Destinations routed through the bundle (CIDR or "default"). */
  routes: string[];
  /** The master device for eql/teql (eql, teql0). */
  device?: string;
  /** MTU the master must match before slaves are enslaved (eql). */
  mtu?: number;
  /** net.ipv4.tcp_reordering while the bundle exists (packet modes); the classic recipe used 127. */
  tcpReordering?: number;
  /** IPv6 too (bundle.ipv6): backends that route by rules and tables (perconn) keep IPv6
   * ones beside the IPv4 ones; `routes` then holds the IPv6 destinations (`::/0`). */
  ipv6?: boolean;
  /** How each line's queue is kept: shaped under its rate by default (queue.ts). */
  queue?: QueueSettings;
}

/**
 * Where a line is not shaped: 30 packets a line, in an SFQ (stochastic fairness queueing,
 * the classic qdisc for modem lines). The kernel's default fq_codel aims at 5 ms of queue, but at 115200 bps one
 * 1500-byte packet takes 130 ms to send, so it drops all the time. Measured in the lab:
 * one line, 4 TCP flows from the router: fq_codel 56, pfifo 30 81, sfq 30 82 kbit/s (of
 * 92); two perconn lines, 8 flows forwarded from a LAN (64 KiB GSO packets): fq_codel
 * 127-130, bfifo 45000 97-101, sfq 30 155 kbit/s.
 */
export const DEFAULT_QUEUE_PER_LINE = 30;

export interface BundleLinkStatus extends BundleMember {
  counters: InterfaceCounters | null;
}

export interface BundleStatus {
  mode: BundleMode;
  device: string | null;
  links: BundleLinkStatus[];
}

export interface BundleBackend {
  readonly mode: BundleMode;
  /** Creates (or takes over) the bundle: master device, address, routes, settings. */
  create(): Promise<void>;
  addLink(member: BundleMember): Promise<void>;
  /** Takes a link out at once (it may already be gone). `onOut` is called as soon as the
   * link gets no more of the bundle's traffic, before the tidying that may follow (its
   * queue, the master's shaper for the lines left); a backend may leave that to the end. */
  removeLink(name: string, onOut?: () => void): Promise<void>;
  setWeight(name: string, weight: number): Promise<void>;
  /** A member learned more while in the bundle (its IPv6 peer, as IPV6CP came up after
   * IPCP): for backends whose routes name each line's peer. Others take no notice. */
  updateLink?(member: BundleMember): Promise<void>;
  status(): Promise<BundleStatus>;
  /** Removes everything the backend made and restores what it changed. */
  destroy(): Promise<void>;
}
