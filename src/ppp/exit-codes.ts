/**
 * pppd's exit status, the one thing it tells its parent about why a link ended. The table
 * is pppd(8) EXIT STATUS (pppd 2.4.9); 20 and 21 are in pppd.h (EXIT_TRAFFIC_LIMIT,
 * EXIT_CNID_AUTH_FAILED) though the manual page stops at 19.
 *
 * `fatal` is the supervisor's decision: a fatal status means redialing cannot help (bad
 * options, no kernel support, a wrong password), so the link stops and is reported. Every
 * other status is a line that dropped or a negotiation that failed this time: redial.
 */

/** What one pppd exit status means. */
export interface PppExitInfo {
  /** pppd's exit status; null when it had none (killed by a signal). */
  status: number | null;
  /** A short stable name, e.g. `peer-dead` (pppd.h's EXIT_* constant in kebab case). */
  name: string;
  /** What happened, after pppd(8). */
  meaning: string;
  /** True when redialing cannot help: stop the link and report. */
  fatal: boolean;
}

type Entry = Omit<PppExitInfo, 'status'>;

/** pppd(8) EXIT STATUS, indexed by status. */
const TABLE: readonly Entry[] = [
  { name: 'ok', meaning: 'pppd detached, or the connection was established and terminated at the peer\'s request', fatal: false },
  { name: 'fatal-error', meaning: 'an immediately fatal error occurred, such as an essential system call failing or running out of memory', fatal: true },
  { name: 'options-error', meaning: 'an error was detected in processing the options given', fatal: true },
  { name: 'not-root', meaning: 'pppd is not setuid-root and the invoking user is not root', fatal: true },
  { name: 'no-kernel-support', meaning: 'the kernel does not support PPP (the ppp driver is missing or cannot be loaded)', fatal: true },
  { name: 'user-request', meaning: 'pppd was sent a SIGINT, SIGTERM or SIGHUP signal', fatal: false },
  { name: 'lock-failed', meaning: 'the serial port could not be locked', fatal: false },
  { name: 'open-failed', meaning: 'the serial port could not be opened', fatal: false },
  { name: 'connect-failed', meaning: 'the connect script failed (non-zero exit status)', fatal: false },
  { name: 'pty-command-failed', meaning: 'the command given to the pty option could not be run', fatal: false },
  { name: 'negotiation-failed', meaning: 'PPP negotiation failed: no network protocol (e.g. IP) came up', fatal: false },
  { name: 'peer-auth-failed', meaning: 'the peer failed (or refused) to authenticate itself', fatal: true },
  { name: 'idle-timeout', meaning: 'the link was established and terminated because it was idle', fatal: false },
  { name: 'connect-time', meaning: 'the link was established and terminated because the connect time limit was reached', fatal: false },
  { name: 'callback', meaning: 'callback was negotiated and an incoming call should arrive shortly', fatal: false },
  { name: 'peer-dead', meaning: 'the link was terminated because the peer is not responding to echo requests', fatal: false },
  { name: 'hangup', meaning: 'the link was terminated by the modem hanging up', fatal: false },
  { name: 'loopback', meaning: 'PPP negotiation failed because serial loopback was detected', fatal: false },
  { name: 'init-failed', meaning: 'the init script failed (non-zero exit status)', fatal: false },
  { name: 'auth-to-peer-failed', meaning: 'we failed to authenticate ourselves to the peer (wrong user or password?)', fatal: true },
  { name: 'traffic-limit', meaning: 'the link was terminated because the traffic limit (maxoctets) was reached', fatal: false },
  { name: 'cnid-auth-failed', meaning: 'the calling number (CNID) was not authorized', fatal: true },
];

/** The whole table, status 0..21 (pppd(8) EXIT STATUS and pppd.h). */
export const PPP_EXIT_STATUSES: readonly PppExitInfo[] = TABLE.map((entry, status) => ({ status, ...entry }));

/**
 * What pppd's exit means. A signal (pppd was killed before it could choose a status, e.g.
 * by our SIGKILL escalation) gives `killed`; a status pppd(8) does not list gives
 * `unknown`. Neither is fatal: nothing says the configuration is wrong, so redial.
 */
export function describePppExit(status: number | null, signal?: string | null): PppExitInfo {
  if (status === null || status === undefined) {
    if (signal) return { status: null, name: 'killed', meaning: `pppd was killed by ${signal} before it could report a status`, fatal: false };
    return { status: null, name: 'unknown', meaning: 'pppd ended without an exit status or a signal', fatal: false };
  }
  const known = Number.isInteger(status) ? PPP_EXIT_STATUSES[status] : undefined;
  if (known) return { ...known };
  return { status, name: 'unknown', meaning: `pppd exited with status ${status}, which pppd(8) does not list`, fatal: false };
}
