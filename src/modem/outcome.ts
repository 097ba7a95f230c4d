/**
 * What a modem session ended with: the `result` word of the `dialbond dial` contract, and
 * a typed reason (an error code and a message saying what happened and where).
 */
import { areaOf, errorCodeOf, errorMessageOf, type ErrorCode } from '../errors/index.js';
import type { FinalResult } from '../hayes/index.js';
import type { DialOutcome } from '../profiles/index.js';
import type { PlanStep } from './plan.js';

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

/** A session that did not connect, and why. */
export function failure(result: DialResult, code: ErrorCode, message: string, retryAfterMs?: number): ModemOutcome {
  return { result, code, message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

/** Where, in every message: "modem on /dev/ttyS0". */
export function modemOn(device: string): string {
  return `modem on ${device}`;
}

/** A reset, init or check step answered with a final result other than OK. */
export function stepRefused(device: string, step: PlanStep, answer: string): ModemOutcome {
  return step.purpose === 'check'
    ? failure('error', 'MODEM_CHECK_FAILED', `${modemOn(device)}: ${step.failure ?? `${step.command} failed`} (${answer})`)
    : failure('error', 'MODEM_INIT_FAILED', `${modemOn(device)} answered ${answer} to ${step.purpose} command ${step.command}; fix the profile's ${step.purpose} string`);
}

/** A write failed: the port's own typed reason (MODEM_VANISHED, MODEM_IO) where it has one. */
export function writeFailed(device: string, error: unknown): ModemOutcome {
  const code = errorCodeOf(error, 'MODEM_IO');
  return failure('error', areaOf(code) === 'MODEM' ? code : 'MODEM_IO', error ? errorMessageOf(error) : `${modemOn(device)}: writing to the port failed`);
}
