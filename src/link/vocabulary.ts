/**
 * What the link machine knows and hears: its events, states, what it emits, its context,
 * and the small pure functions its transitions use (numbers in rotation, the modem's
 * hold-off, the report of a dial).
 */
import type { DeviceLock, DialReport, ModemEmitted, ModemPlan, ModemSaidEvent, ModemSessionOutput } from '../modem/index.js';
import { dialReportOf } from '../modem/index.js';
import type { PppExit } from './reasons.js';
import { DEFAULT_NEGOTIATION_TIMEOUT_MS, secretMaskOf, type LinkConfig, type LinkReason } from './types.js';


/** What pppd said that the link machine cares about (a subset of src/ppp's log events). */
export type LinkPppEvent =
  | { type: 'interface'; ifname: string }
  /** A multilink link joined a bundle another link made: up, on the bundle's interface. */
  | { type: 'bundle-joined'; ifname: string }
  | { type: 'local-ip'; address: string }
  | { type: 'remote-ip'; address: string }
  /** IPV6CP is up: the link-local addresses from the interface identifiers it settled. */
  | { type: 'local-ll'; address: string }
  | { type: 'remote-ll'; address: string }
  /** A DNS server the peer offered (pppd `usepeerdns`), logged right after the IP addresses. */
  | { type: 'dns'; rank: 'primary' | 'secondary'; address: string }
  /** The IPv6 DNS servers the line's router advertises (RDNSS), asked for once IPV6CP is up;
   * empty when it advertises none. Not pppd's: the link's actor reads the advertisement. */
  | { type: 'router-dns'; servers: string[] }
  | { type: 'peer-dead' }
  | { type: 'hangup' }
  | { type: 'auth-failed' };

/** The handle of a running pppd, as ending a call needs it. */
export interface RunningPppd {
  pid: number;
  stop(): Promise<unknown>;
}

export type LinkEvent =
  | { type: 'START' }
  | { type: 'STOP' }
  /** Dial again now: from parked, or to cut a back-off short. A back-off the modem itself
   * asked for (DELAYED) is cut short only with `force`. */
  | { type: 'RETRY'; force?: boolean }
  /** Hang up on request and stay parked (no redial) until RETRY. */
  | { type: 'HANGUP' }
  /** The supervisor found the line unusable (no probe answers, starving): down and redial. */
  | { type: 'FAULT'; reason: LinkReason }
  /** pppd runs on the call; the rate the line carries, when known (line-rate.ts), and the
   * rate its tty held as pppd got it (multilink sizes fragments by it). */
  | { type: 'PPP_STARTED'; pppd: RunningPppd; lineRate: number | null; ttyRate: number | null }
  | { type: 'PPP_LOG'; event: LinkPppEvent }
  | { type: 'PPP_EXIT'; exit: PppExit }
  /** From the modem machine, the call's child. */
  | ModemSaidEvent
  /** Raised inside: the modem machine has ended; STOP or HANGUP asks the call to end. */
  | { type: 'MODEM_ENDED' }
  | { type: 'END_CALL' }
  /** The missing device is there again (waiting). */
  | { type: 'DEVICE_BACK' };

export type LinkState = 'idle' | 'dialing' | 'negotiating' | 'up' | 'down' | 'backoff' | 'waiting' | 'parked' | 'stopping' | 'stopped';

/** A state change; entering back-off says how long until the next dial. */
export type LinkEmitted = { type: 'transition'; state: LinkState; reason?: LinkReason; retryInMs?: number };

/** The servers the peer offered changed (they arrive once the link is already up). */
export type LinkDnsEmitted = { type: 'dns'; servers: string[] };

/** IPV6CP came up (it may come after IPCP, with the link already up): the peer's link-local address. */
export type LinkIpv6Emitted = { type: 'ipv6'; remoteLinkLocal: string };

/** What the modem machine said during a dial (transcript, phases, unsolicited lines). */
export type LinkModemEmitted = { type: 'modem'; said: ModemEmitted };

/** What claiming the port gives a call: the modem's plan and the UUCP lock (none for a pty). */
export interface Claim {
  plan: ModemPlan | null;
  lock: DeviceLock | null;
}

/** What pppd's actor is given: the link, the handed-over line (null for a pty link) and the
 * call's CONNECT speed (null when the modem gave none). */
export interface PppdInput {
  config: LinkConfig;
  fd: number | null;
  connectSpeed: number | null;
}

export interface LinkContext {
  config: LinkConfig;
  /** This call's plan and lock, the descriptor pppd was given, pppd itself. */
  plan: ModemPlan | null;
  lock: DeviceLock | null;
  fd: number | null;
  pppd: RunningPppd | null;
  /** STOP arrived: the call ends and the machine with it. */
  stopping: boolean;
  /** HANGUP arrived since this dial began: the call ends and the link parks. */
  hangUpAsked: boolean;
  /** The modem machine of this call has ended, and how. */
  modemEnded: boolean;
  modemOutput: ModemSessionOutput | null;
  /** When this dial began and when it connected (null: not connected). */
  dialStartedAt: number;
  connectedAt: number | null;
  /** Consecutive failures since the link was last up. */
  failures: number;
  reason: LinkReason | null;
  ifname: string | null;
  localIp: string | null;
  remoteIp: string | null;
  /** IPv6 link-local addresses, once IPV6CP is up (the peer's is the next hop of IPv6 routes). */
  localLinkLocal: string | null;
  remoteLinkLocal: string | null;
  /** DNS servers the peer offered during this run, primary first. */
  dns: string[];
  /** IPv6 DNS servers the line's router advertised during this run (RDNSS). */
  routerDns: string[];
  /** The report of the current (or last) dial. */
  connect: DialReport | null;
  /** The rate this run's line carries in bit/s, when known (line-rate.ts), and the rate its
   * tty held as pppd got it. */
  lineRate: number | null;
  ttyRate: number | null;
  /** What pppd said during this run that explains an exit better than its status. */
  pppSaid: Array<LinkPppEvent['type']>;
  /** How long the modem asked us not to dial (DELAYED), from the last dial's report. */
  holdOffMs: number | null;
  /** The pause of the current back-off, decided on entering it. */
  retryInMs: number | null;
  random: () => number;
  now: () => number;
}

/** What a claim gets: the link, and how many attempts failed in a row (to rotate numbers). */
export interface DialInput {
  config: LinkConfig;
  failures: number;
}

/** The numbers in the order a dial tries them: after each failed attempt the next number
 * leads, so a redial does not start with the number that just failed (as wvdial rotates). */
export function rotatedNumbers(numbers: readonly string[], failures: number): string[] {
  if (numbers.length < 2) return [...numbers];
  const start = failures % numbers.length;
  return [...numbers.slice(start), ...numbers.slice(0, start)];
}

/** How long a modem that answered DELAYED must be left alone: what it said, else the
 * profile's long back-off. Null when it did not answer DELAYED. */
export function holdOffOf(report: DialReport | null, config: LinkConfig): number | null {
  if (report?.result !== 'delayed') return null;
  return report.retryAfterMs ?? (config.kind === 'modem' ? config.profile.redial.longBackoff : null);
}

export function negotiationTimeoutOf(context: LinkContext): number {
  return context.config.negotiationTimeoutMs ?? DEFAULT_NEGOTIATION_TIMEOUT_MS;
}

/** The report of this call's dial, from the modem machine's output or phase; secrets masked. */
export function reportOf(context: LinkContext, session: Pick<ModemSessionOutput, 'outcome' | 'connect' | 'attempts' | 'number'>): DialReport {
  const secrets = secretMaskOf(context.config);
  return dialReportOf(session, {
    // The device this dial found (a matched USB modem's tty), else the configured one.
    device: context.plan?.device ?? (context.config.kind === 'modem' ? context.config.device : ''),
    elapsedMs: context.now() - context.dialStartedAt,
    connectMs: context.connectedAt !== null ? context.connectedAt - context.dialStartedAt : null,
    mask: (text) => secrets.mask(text),
  });
}

/** The peer's DNS servers with one more: the primary leads, whatever order pppd logged them in. */
export function withDnsServer(servers: readonly string[], e: Extract<LinkPppEvent, { type: 'dns' }>): string[] {
  const others = servers.filter((a) => a !== e.address);
  return e.rank === 'primary' ? [e.address, ...others] : [...others, e.address];
}

/** Every DNS server of the call: the peer's (IPCP) first, then its router's IPv6 ones. */
export function serversOf(context: Pick<LinkContext, 'dns' | 'routerDns'>): string[] {
  return [...context.dns, ...context.routerDns.filter((a) => !context.dns.includes(a))];
}

/** What a line of pppd's log tells the link about its call. */
export function learnedFrom(context: LinkContext, e: LinkPppEvent): Partial<LinkContext> {
  if (e.type === 'interface' || e.type === 'bundle-joined') return { ifname: e.ifname };
  // IPCP (re)starts with our address: servers of an earlier negotiation are void.
  if (e.type === 'local-ip') return { localIp: e.address, dns: [] };
  if (e.type === 'remote-ip') return { remoteIp: e.address };
  if (e.type === 'local-ll') return { localLinkLocal: e.address };
  if (e.type === 'remote-ll') return { remoteLinkLocal: e.address };
  return { pppSaid: [...context.pppSaid, e.type] };
}
