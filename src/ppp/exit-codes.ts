/**
 * pppd's exit status, the one thing it tells its parent about why a link ended. The table
 * is pppd(8) EXIT STATUS (pppd 2.4.9); 20 and 21 are in pppd.h (EXIT_TRAFFIC_LIMIT,
 * EXIT_CNID_AUTH_FAILED) though the manual page stops at 19.
 *
 * Each status has its registered error code (src/errors), and `fatal` is that code's word:
 * a fatal status means redialing cannot help (bad options, no kernel support, a wrong
 * password), so the link parks and says why. Every other status is a line that dropped or
 * a negotiation that failed this time: redial.
 */
import { isRetryableCode, type ErrorCode } from '../errors/index.js';

/** What one pppd exit status means. */
export interface PppExitInfo {
  /** pppd's exit status; null when it had none (killed by a signal). */
  status: number | null;
  /** A short stable name, e.g. `peer-dead` (pppd.h's EXIT_* constant in kebab case). */
  name: string;
  /** What happened, after pppd(8). */
  meaning: string;
  /** The registered code a link reports for it (PPP_PEER_DEAD, ...). */
  code: ErrorCode;
  /** True when redialing cannot help (the code is not retryable): park the link. */
  fatal: boolean;
}

type Entry = Omit<PppExitInfo, 'status' | 'fatal'>;

/** pppd(8) EXIT STATUS, indexed by status. */
const TABLE: readonly Entry[] = [
  { name: 'ok', meaning: 'pppd detached, or the connection was established and terminated at the peer\'s request', code: 'PPP_OK' },
  { name: 'fatal-error', meaning: 'an immediately fatal error occurred, such as an essential system call failing or running out of memory', code: 'PPP_FATAL_ERROR' },
  { name: 'options-error', meaning: 'an error was detected in processing the options given', code: 'PPP_OPTIONS_ERROR' },
  { name: 'not-root', meaning: 'pppd is not setuid-root and the invoking user is not root', code: 'PPP_NOT_ROOT' },
  { name: 'no-kernel-support', meaning: 'the kernel does not support PPP (the ppp driver is missing or cannot be loaded)', code: 'PPP_NO_KERNEL_SUPPORT' },
  { name: 'user-request', meaning: 'pppd was sent a SIGINT, SIGTERM or SIGHUP signal', code: 'PPP_USER_REQUEST' },
  { name: 'lock-failed', meaning: 'the serial port could not be locked', code: 'PPP_LOCK_FAILED' },
  { name: 'open-failed', meaning: 'the serial port could not be opened', code: 'PPP_OPEN_FAILED' },
  { name: 'connect-failed', meaning: 'the connect script failed (non-zero exit status)', code: 'PPP_CONNECT_FAILED' },
  { name: 'pty-command-failed', meaning: 'the command given to the pty option could not be run', code: 'PPP_PTY_COMMAND_FAILED' },
  { name: 'negotiation-failed', meaning: 'PPP negotiation failed: no network protocol (e.g. IP) came up', code: 'PPP_NEGOTIATION_FAILED' },
  { name: 'peer-auth-failed', meaning: 'the peer failed (or refused) to authenticate itself', code: 'PPP_PEER_AUTH_FAILED' },
  { name: 'idle-timeout', meaning: 'the link was established and terminated because it was idle', code: 'PPP_IDLE_TIMEOUT' },
  { name: 'connect-time', meaning: 'the link was established and terminated because the connect time limit was reached', code: 'PPP_CONNECT_TIME' },
  { name: 'callback', meaning: 'callback was negotiated and an incoming call should arrive shortly', code: 'PPP_CALLBACK' },
  { name: 'peer-dead', meaning: 'the link was terminated because the peer is not responding to echo requests', code: 'PPP_PEER_DEAD' },
  { name: 'hangup', meaning: 'the link was terminated by the modem hanging up', code: 'PPP_HANGUP' },
  { name: 'loopback', meaning: 'PPP negotiation failed because serial loopback was detected', code: 'PPP_LOOPBACK' },
  { name: 'init-failed', meaning: 'the init script failed (non-zero exit status)', code: 'PPP_INIT_FAILED' },
  { name: 'auth-to-peer-failed', meaning: 'we failed to authenticate ourselves to the peer (wrong user or password?)', code: 'PPP_AUTH_TO_PEER_FAILED' },
  { name: 'traffic-limit', meaning: 'the link was terminated because the traffic limit (maxoctets) was reached', code: 'PPP_TRAFFIC_LIMIT' },
  { name: 'cnid-auth-failed', meaning: 'the calling number (CNID) was not authorized', code: 'PPP_CNID_AUTH_FAILED' },
];

/** The whole table, status 0..21 (pppd(8) EXIT STATUS and pppd.h). */
export const PPP_EXIT_STATUSES: readonly PppExitInfo[] = TABLE.map((entry, status) => withFatal({ status, ...entry }));

function withFatal(info: Omit<PppExitInfo, 'fatal'>): PppExitInfo {
  return { ...info, fatal: !isRetryableCode(info.code) };
}

/**
 * What pppd's exit means. A signal (pppd was killed before it could choose a status, e.g.
 * by our SIGKILL escalation) gives `killed`; a status pppd(8) does not list gives
 * `unknown`. Neither is fatal: nothing says the configuration is wrong, so redial.
 */
export function describePppExit(status: number | null, signal?: string | null): PppExitInfo {
  if (status === null || status === undefined) {
    if (signal) return withFatal({ status: null, name: 'killed', meaning: `pppd was killed by ${signal} before it could report a status`, code: 'PPP_KILLED' });
    return withFatal({ status: null, name: 'unknown', meaning: 'pppd ended without an exit status or a signal', code: 'PPP_UNKNOWN' });
  }
  const known = Number.isInteger(status) ? PPP_EXIT_STATUSES[status] : undefined;
  if (known) return { ...known };
  return withFatal({ status, name: 'unknown', meaning: `pppd exited with status ${status}, which pppd(8) does not list`, code: 'PPP_UNKNOWN' });
}
