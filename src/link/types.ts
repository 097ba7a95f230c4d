/**
 * A link: one line that carries PPP. Either a modem link (a device dialed with a profile,
 * then handed to pppd) or a pty link (pppd runs a command that speaks PPP on its stdio,
 * e.g. ssh to a slirp account). The link machine keeps it up; the supervisor owns many.
 */
import { SecretMask } from '../log/index.js';
import type { UsbMatch } from '../modem/usb-ports.js';
import type { ErrorCode } from '../errors/index.js';
import type { PppdOptions } from '../ppp/index.js';
import type { Profile } from '../profiles/index.js';

export interface BackoffPolicy {
  /** First pause after a failure. */
  initialMs: number;
  /** Each further consecutive failure multiplies the pause by this. */
  factor: number;
  maxMs: number;
  /** Up to this fraction of the pause is added at random, so lines do not redial in step. */
  jitter: number;
}

/** pppd settings of a link: pppd's own options (see src/ppp) less what the link itself
 * decides (name, device or pty command, the secrets file), plus the PAP/CHAP password,
 * which goes to a 0600 options file, never to argv. */
export type PppLinkOptions = Omit<PppdOptions, 'linkName' | 'device' | 'baudRate' | 'ptyCommand' | 'optionsFile' | 'modemControl'> & {
  password?: string;
};

interface LinkBase {
  name: string;
  ppp: PppLinkOptions;
  backoff: BackoffPolicy;
  /** Consecutive failures after which the link is parked (no redial until asked). */
  parkAfter?: number;
  /** How long pppd may take from its start to the link up (IPCP done) before the link is
   * taken down and redialed (DEFAULT_NEGOTIATION_TIMEOUT_MS when absent). */
  negotiationTimeoutMs?: number;
  /** How long a device that came back settles before the dial (DEFAULT_DEVICE_SETTLE_MS). */
  deviceSettleMs?: number;
  /** Where pppd's options file with the password goes (0700 directory). */
  runDir: string;
  /** The line's real rate in bit/s, when configured (line-rate.ts). */
  rate?: number;
}

export interface ModemLinkConfig extends LinkBase {
  /** A USB modem by what it is: its tty is found at each dial (`device` then only names it). */
  match?: UsbMatch;
  kind: 'modem';
  device: string;
  baudRate?: number;
  profile: Profile;
  numbers: string[];
  login?: { user: string; password: string };
  variables?: Record<string, string>;
  lockDir?: string;
}

export interface PtyLinkConfig extends LinkBase {
  kind: 'pty';
  /** argv of a command speaking PPP on its stdio. */
  command: string[];
}

export type LinkConfig = ModemLinkConfig | PtyLinkConfig;

/** Why a link is not up (kept with every transition, shown to users); made by
 * linkReason() (reasons.ts). */
export interface LinkReason {
  /** A registered code (src/errors): its table entry decides redial or park. */
  code: ErrorCode;
  message: string;
  /** A reason that redialing cannot fix (its code is not retryable): the link is parked
   * until someone acts. */
  fatal: boolean;
  /** The pppd exit status, when pppd ended. */
  pppStatus?: number | null;
  /** The modem itself refuses to dial for now (the GSM call-repeat rules): `delayed`
   * holds redials off for the profile's long back-off, `blacklisted` parks the link until
   * someone dials it (the modem keeps refusing the number until it is power-cycled). */
  holdOff?: 'delayed' | 'blacklisted';
  /** The device is missing (its code's table entry): the link waits for it to come back. */
  awaitsDevice?: true;
}

/** One line of a dial's transcript (AT exchange and login chat), secrets masked. */
export interface TranscriptEntry {
  direction: 'tx' | 'rx' | 'note';
  text: string;
  /** Since the dial began. */
  atMs: number;
}

/** How many lines of the last dial's transcript a link keeps. */
export const TRANSCRIPT_LINES = 200;

/** pppd's LCP and IPCP take seconds on a slow line; a minute means it will not come up. */
export const DEFAULT_NEGOTIATION_TIMEOUT_MS = 60_000;
/** How long a device that came back is left to settle before the dial (udev sets its
 * owner and mode, a USB modem's firmware starts) unless the link says otherwise. */
export const DEFAULT_DEVICE_SETTLE_MS = 1000;

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 2000, factor: 2, maxMs: 300_000, jitter: 0.2 };

/** The pause before attempt number `failures + 1`. */
export function backoffDelay(policy: BackoffPolicy, failures: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, failures - 1));
  return Math.round(base * (1 + policy.jitter * random()));
}

/** The passwords of a link, which nothing it shows or logs may contain. */
export function secretsOf(config: LinkConfig): string[] {
  return [config.ppp.password, config.kind === 'modem' ? config.login?.password : undefined].filter((s): s is string => typeof s === 'string' && s.length > 0);
}

/** A mask that hides every password of a link, for what it shows or logs. */
export function secretMaskOf(config: LinkConfig): SecretMask {
  const mask = new SecretMask();
  for (const secret of secretsOf(config)) mask.add(secret);
  return mask;
}
