/**
 * What the supervisor works with and what it tells: the link it supervises (the Link class,
 * or a fake in tests), and the events it publishes (logged, and streamed to control
 * socket subscribers).
 */
import type { BundleMode, BundleStatus } from '../bundle/index.js';
import type { LinkConfig, LinkReason, LinkState, LinkStatus, LinkTransition, TranscriptEntry } from '../link/index.js';

/** A link as the supervisor drives it (src/link's Link). */
export interface SupervisedLink {
  readonly name: string;
  readonly config: LinkConfig;
  start(): void;
  /** `force` cuts short a hold-off the modem asked for (DELAYED). */
  retry(options?: { force?: boolean }): void;
  hangUp(): void;
  fault(reason: LinkReason): void;
  stop(): Promise<void>;
  status(): LinkStatus;
  /** The last dial's transcript, secrets masked. */
  transcript(): TranscriptEntry[];
  on(event: 'transition', listener: (t: LinkTransition) => void): unknown;
  /** The DNS servers its peer offered, once they arrive (after the link is up). */
  on(event: 'dns', listener: (servers: string[]) => void): unknown;
  /** IPV6CP is up, with the peer's link-local address (before or after the link is up). */
  on(event: 'ipv6', listener: (remoteLinkLocal: string) => void): unknown;
}

export type SupervisorState = 'starting' | 'running' | 'stopping' | 'stopped';

export type SupervisorEvent =
  | { type: 'supervisor'; state: SupervisorState; atMs: number }
  /** `nextDialAtMs`: entering back-off, when the next dial is due. */
  | { type: 'link'; link: string; state: LinkState; reason?: LinkReason; atMs: number; nextDialAtMs?: number }
  | { type: 'bundle'; link: string; action: 'added' | 'removed'; ifname: string; weight?: number; atMs: number; tookMs: number }
  | { type: 'bundle-error'; link: string; action: 'add' | 'remove' | 'weight' | 'update'; code: string; message: string; atMs: number }
  | { type: 'weight'; link: string; weight: number; atMs: number }
  | { type: 'health'; link: string; check: 'probe' | 'starvation'; ok: boolean; detail: string; atMs: number }
  | { type: 'on-demand'; link: string; action: 'dial' | 'hangup'; detail: string; atMs: number }
  | { type: 'reload'; added: string[]; removed: string[]; changed: string[]; bundle: boolean; atMs: number }
  | { type: 'cleanup'; found: string[]; atMs: number }
  /** A link's peer offered these DNS servers (pppd usepeerdns). */
  | { type: 'dns'; link: string; servers: string[]; atMs: number }
  /** The router's resolver now holds these servers of dialbond's (none: its own are back),
   * or could not be changed (`error`). */
  | { type: 'resolver'; backend: 'resolved' | 'resolvconf' | 'file'; servers: string[]; error?: { code: string; message: string }; atMs: number };

/** One link in the supervisor's status: the link's own status plus its bundle membership. */
export interface SupervisedLinkStatus extends LinkStatus {
  /** In the bundle now. */
  bundled: boolean;
  /** Kept out of the bundle on request (emancipate) while up. */
  heldOut: boolean;
  /** Its current share of traffic (bundle weight). */
  weight: number;
  /** Where the link goes: device and first number of a modem link, the command of a pty link. */
  where: string;
  /** Dial attempts (pppd starts, for pty links) and drops since the daemon started. */
  dials: number;
  drops: number;
}

/** One link in full (the `link` command): its status and the last dial's transcript. */
export interface SupervisedLinkDetail extends SupervisedLinkStatus {
  transcript: TranscriptEntry[];
}

export interface SupervisorStatus {
  state: SupervisorState;
  pid: number;
  startedAtMs: number;
  mode: BundleMode;
  bundle: BundleStatus | null;
  links: SupervisedLinkStatus[];
  /** Links up / configured. */
  up: number;
  total: number;
}

/** What a reload changed: links by name, and whether the bundle was rebuilt. */
export interface ReloadResult {
  added: string[];
  removed: string[];
  changed: string[];
  bundle: boolean;
}
