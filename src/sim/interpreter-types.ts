/**
 * What the simulated modem's command interpreter says and is told: its states, calls,
 * events and options (interpreter.ts is the interpreter itself).
 */
import type { SecretMask } from '../log/index.js';
import type { Clock } from '../util/clock.js';
import type { Scenario } from './scenario.js';

/** Where the modem is (V.250 5.1 states, plus a slow reset). */
export type ModemState = 'command' | 'resetting' | 'dialing' | 'data' | 'online-command';

/** A call that came up. */
export interface CallInfo {
  number: string;
  line: string;
  rate: number;
}

/** Why a call ended: ATH, the DTE closing the port (DTR drop), or the line. */
export type CallEndReason = 'hangup-command' | 'dte-hangup' | 'carrier-lost';

/** Events of the interpreter (all synchronous). */
export interface InterpreterEvents {
  /** Bytes the modem itself sends to the DTE: echo, results, information text. */
  output: [bytes: Buffer];
  /** Online-data bytes from the DTE for the far end. */
  line: [bytes: Buffer];
  state: [state: ModemState];
  /** A command line as received (secrets masked). */
  command: [line: string];
  connect: [call: CallInfo];
  /** Back to online data after ATO. */
  online: [];
  escape: [];
  'call-end': [reason: CallEndReason];
}

export interface InterpreterOptions {
  scenario: Scenario;
  clock: Clock;
  /** Random numbers for line-noise garbage (Math.random by default). */
  random?: () => number;
  /** Secrets to mask in 'command' events (the scenario's login password is added). */
  secrets?: SecretMask;
}
