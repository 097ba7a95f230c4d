/**
 * What the supervisor keeps of each link and needs from outside: the link and its
 * membership in the bundle, its counts, and what it is made with.
 */
import type { BundleBackend, BundleConfig } from '../bundle/index.js';
import type { ConfigLink, DialbondConfig } from '../config/index.js';
import type { LinkConfig } from '../link/index.js';
import type { Logger } from '../log/index.js';
import type { Clock } from '../util/index.js';
import type { Membership } from './membership.js';
import type { SupervisedLink } from './types.js';

export interface SupervisorDeps {
  createLink(config: LinkConfig): SupervisedLink;
  createBundle(config: BundleConfig): BundleBackend;
  /** A configured link as its machine runs it (reads password files, loads profiles). */
  linkConfig(link: ConfigLink, config: DialbondConfig): LinkConfig;
  clock?: Clock;
  logger?: Logger;
}

export interface Entry {
  configured: ConfigLink;
  link: SupervisedLink;
  /** The link machine says up. */
  up: boolean;
  /** In the bundle or not, and whether it should be (membership.ts). */
  membership: Membership;
  heldOut: boolean;
  weight: number;
  /** Dial attempts and drops (up -> not up) since the daemon started. */
  dials: number;
  drops: number;
}

/** How long stop() waits for the links before removing the bundle anyway: pppd's SIGTERM
 * grace (5 s, then SIGKILL) and a modem's hang-up (guard times, ATH, reopen) fit in it. */
export const STOP_LINKS_WITHIN_MS = 15_000;

/** What pppd gets from the supervisor-wide settings: a change there restarts every link. */
export function linkIdentity(link: ConfigLink, config: DialbondConfig): string {
  return JSON.stringify([link, config.supervisor.health.lcpEchoInterval, config.supervisor.health.lcpEchoFailure, config.bundle.mode, config.bundle.endpoint, config.dns === 'peer']);
}
