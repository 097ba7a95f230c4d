/**
 * What a modem session ended with: the `result` word of the `dialbond dial` contract, and
 * a typed reason (an error code and a message saying what happened and where).
 */
import type { ErrorCode } from '../errors/index.js';
import type { FinalResult } from '../hayes/index.js';
import type { DialOutcome } from '../profiles/index.js';

/** The `result` of `dialbond dial --json` (design.md contract). */
export type DialResult = 'connected' | 'busy' | 'no-carrier' | 'no-dialtone' | 'no-answer' | 'delayed' | 'blacklisted' | 'error' | 'timeout';

export interface ModemOutcome {
  result: DialResult;
  /** null when connected; otherwise why not. */
  code: ErrorCode | null;
  message: string;
  /** How long the caller should wait before dialing this line again, when the modem said
   * (DELAYED, BLACKLISTED: the modem itself refuses the number for a while). */
  retryAfterMs?: number;
}

/** The dial outcome a final result code of ATD stands for. */
export function dialOutcomeOf(result: FinalResult): DialOutcome {
  switch (result) {
    case 'busy':
      return 'busy';
    case 'no-carrier':
      return 'no-carrier';
    case 'no-answer':
      return 'no-answer';
    case 'no-dialtone':
      return 'no-dialtone';
    case 'voice':
      return 'voice';
    case 'delayed':
      return 'delayed';
    case 'blacklisted':
    case 'blacklist-full':
      return 'blacklisted';
    default:
      return 'error';
  }
}

/** The contract's result word for a dial outcome (VOICE: a person answered, no carrier). */
export function dialResultOf(outcome: DialOutcome): DialResult {
  return outcome === 'voice' ? 'no-carrier' : outcome;
}
