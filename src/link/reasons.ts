/**
 * Why a link is not up, in the one error vocabulary (src/errors): every way a link can end
 * (a dial that did not connect, pppd's exit, a line pppd declared lost, an error thrown by
 * an actor, a hang-up on request) becomes a LinkReason with a registered code, and whether
 * the link redials or parks is that code's entry in the table, decided nowhere else.
 */
import { awaitsDevice, errorCodeOf, errorMessageOf, isRetryableCode, type ErrorCode } from '../errors/index.js';
import type { DialReport } from '../modem/index.js';
import { formatDuration } from '../util/index.js';
import type { LinkReason } from './types.js';

/** How pppd ended, as the link machine gets it from the runner (src/ppp's exit table). */
export interface PppExit {
  status: number | null;
  signal: string | null;
  /** pppd.h's EXIT_* name in kebab case, e.g. `peer-dead`. */
  name: string;
  meaning: string;
  code: ErrorCode;
}

/** Everything a link reason is made from. */
export type ReasonSource =
  | { kind: 'dial'; report: DialReport; link: string }
  | { kind: 'pppd-exit'; exit: PppExit; said: readonly string[] }
  /** pppd has declared the line lost (its log), before it has finished ending. */
  | { kind: 'line-lost'; said: 'peer-dead' | 'hangup' }
  | { kind: 'thrown'; error: unknown; fallback: ErrorCode }
  | { kind: 'hung-up' }
  | { kind: 'negotiation-timeout'; afterMs: number };

function reason(code: ErrorCode, message: string, extra: Omit<LinkReason, 'code' | 'message' | 'fatal'> = {}): LinkReason {
  return { code, message, fatal: !isRetryableCode(code), ...(awaitsDevice(code) ? { awaitsDevice: true as const } : {}), ...extra };
}

/** The reason for `source`; `fatal` (park the link) is the code's table entry. */
export function linkReason(source: ReasonSource): LinkReason {
  switch (source.kind) {
    case 'dial':
      return dialReason(source.report, source.link);
    case 'pppd-exit':
      return pppdExitReason(source.exit, source.said);
    case 'line-lost':
      return source.said === 'peer-dead'
        ? reason('PPP_PEER_DEAD', 'pppd: the peer stopped answering LCP echo requests')
        : reason('PPP_HANGUP', 'pppd: the modem hung up');
    case 'thrown':
      return reason(errorCodeOf(source.error, source.fallback), errorMessageOf(source.error));
    case 'hung-up':
      return reason('LINK_HUNG_UP', 'hung up on request; dial it to bring it back');
    case 'negotiation-timeout':
      return reason('PPP_NEGOTIATION_TIMEOUT', `pppd did not bring the link up within ${formatDuration(source.afterMs)}`);
  }
}

/** A dial that did not connect. A modem that answered DELAYED or BLACKLISTED holds the
 * number off (see LinkReason.holdOff): the first for its back-off, the second until
 * someone dials it again. */
function dialReason(report: DialReport, link: string): LinkReason {
  const number = report.number ?? 'the number';
  if (report.result === 'blacklisted') {
    return reason(
      'LINK_BLACKLISTED',
      `modem on ${report.device} refuses to dial ${number} (BLACKLISTED: too many failed calls; it keeps refusing until it is power-cycled); parked: dial it again with "dialbond up ${link}"`,
      { holdOff: 'blacklisted' },
    );
  }
  if (report.result === 'delayed') {
    const wait = report.retryAfterMs !== undefined ? ` for ${formatDuration(report.retryAfterMs)}` : '';
    return reason('LINK_HOLD_OFF', `modem on ${report.device} refuses to dial ${number} for now (DELAYED: the GSM call-repeat rules); no redial${wait}`, { holdOff: 'delayed' });
  }
  return reason(report.error?.code ?? 'MODEM_DIAL_FAILED', report.error?.message ?? `dial ended: ${report.result}`);
}

/** pppd's exit, sharpened by what it logged. */
function pppdExitReason(exit: PppExit, said: readonly string[]): LinkReason {
  // pppd 2.4.9 may report a peer-dead line as 16: after declaring the peer dead it takes
  // the line down and then reads end of file on its own channel. Its log tells.
  const peerDead = said.includes('peer-dead') && (exit.status === 16 || exit.status === 15 || exit.signal !== null);
  // An authentication failure it logged is what ended it, whatever status followed.
  const code: ErrorCode = peerDead ? 'PPP_PEER_DEAD' : said.includes('auth-failed') && isRetryableCode(exit.code) ? 'PPP_AUTH_TO_PEER_FAILED' : exit.code;
  const meaning = peerDead ? 'the peer stopped answering LCP echo requests' : exit.meaning;
  return reason(code, `pppd exited (${exit.status ?? exit.signal}): ${meaning}`, { pppStatus: exit.status });
}
