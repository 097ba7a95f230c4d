/**
 * A modem session's plan: the profile and the call's options compiled into the exact
 * command lines and waits the modem machine will run. Compiling first means every bad
 * dial string, command or variable is reported before the port is even opened.
 */
import { DialbondError } from '../errors/index.js';
import { buildDialCommand, initOnDialLine, validateCommand } from '../hayes/index.js';
import { fillTemplate, type DialOutcome, type Profile } from '../profiles/index.js';

/** One command of the preparation (reset, init or check) and what it must answer. */
export interface PlanStep {
  command: string;
  purpose: 'reset' | 'init' | 'check';
  timeoutMs: number;
  /** Text an information line of the answer must contain (checks). */
  expect?: string;
  /** What to tell the user when `expect` is not met. */
  failure?: string;
}

/** One login chat step; `secret` steps are masked in every transcript. */
export interface PlanLoginStep {
  expect: string;
  send?: string;
  secret: boolean;
  timeoutMs: number;
}

export interface ModemPlan {
  profile: string;
  device: string;
  steps: PlanStep[];
  /** One dial command per number, dialed in rotation. The first may have `withInit`: the
   * same dial with the last init step in front of it on one line (see `initOnDial`). */
  dials: Array<{ number: string; command: string; withInit?: string }>;
  /** The last step (an init) rides the first dial's command line instead of a line of its
   * own: one round trip less. An ERROR to that line runs the init alone, then the dial. */
  initOnDial: boolean;
  /** Total dial attempts allowed in this session. */
  maxAttempts: number;
  login: PlanLoginStep[];
  loginFailures: string[];
  /** Text that, seen after the last login answer, means we are in. */
  loginSuccess: string[];
  retryOn: DialOutcome[];
  timeouts: Profile['timeouts'];
  redialDelayMs: number;
  longBackoffMs: number;
  /** Keep the line up after CONNECT (hand it to pppd) instead of hanging up at once. */
  holdLine: boolean;
  /** The command that brings back result codes when a modem was left in quiet mode (wvdial). */
  quietRecovery: string;
  /** The reset and init leave &D2 (or &D3) set: dropping DTR hangs up (V.250 6.2.9), so
   * the hang-up needs no escape and ATH. */
  dtrHangup: boolean;
}

/** The DTR mode the reset and init commands leave set: the last &Dn wins (null: untouched). */
export function dtrModeOf(commands: readonly string[]): number | null {
  let mode: number | null = null;
  for (const command of commands) for (const m of command.matchAll(/&D\s*([0-3])/gi)) mode = Number(m[1]);
  return mode;
}

export interface PlanOptions {
  device: string;
  numbers: string[];
  attempts?: number;
  login?: { user: string; password: string };
  variables?: Record<string, string>;
  holdLine?: boolean;
}

/** Compiles `profile` and `options` into a plan, or throws with what is wrong and where. */
export function buildModemPlan(profile: Profile, options: PlanOptions): ModemPlan {
  const where = `profile ${profile.name}`;
  const variables: Record<string, string | undefined> = { ...profile.variables, ...options.variables };
  delete variables.password; // only a login step may send it, and only from options.login
  const fill = (text: string, label: string): string => validateCommand(fillTemplate(text, variables, `${where}, ${label}`), `${where}, ${label}`);

  const steps: PlanStep[] = [
    { command: fill(profile.reset, 'reset'), purpose: 'reset', timeoutMs: profile.timeouts.reset },
    ...profile.init.map((c, i): PlanStep => ({ command: fill(c, `init[${i}]`), purpose: 'init', timeoutMs: profile.timeouts.init })),
    ...profile.checks.map((c, i): PlanStep => ({
      command: fill(c.send, `checks[${i}]`),
      purpose: 'check',
      timeoutMs: c.timeout ?? profile.timeouts.command,
      ...(c.expect !== undefined ? { expect: c.expect } : {}),
      ...(c.failure !== undefined ? { failure: c.failure } : {}),
    })),
  ];

  const numbers = options.numbers.length > 0 ? options.numbers : profile.dial.defaultNumber ? [profile.dial.defaultNumber] : [];
  if (numbers.length === 0) {
    throw new DialbondError('CLI_USAGE', `no number to dial: give --number (the ${profile.name} profile has no default number)`, { profile: profile.name });
  }
  const dials: ModemPlan['dials'] = numbers.map((number) => ({
    number: number.trim(),
    command: buildDialCommand({ prefix: profile.dial.prefix, number, allowSemicolon: profile.dial.allowSemicolon }),
  }));
  // Only the session's first dial (the first number) carries the init: later attempts
  // find the modem set up already.
  const last = steps.at(-1);
  const withInit = profile.dial.withInit && last?.purpose === 'init' && dials[0] ? initOnDialLine(last.command, dials[0].command) : null;
  if (withInit && dials[0]) dials[0] = { ...dials[0], withInit };
  const initOnDial = withInit !== null;

  const attempts = options.attempts ?? dials.length;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 1000) {
    throw new DialbondError('CLI_USAGE', `attempts must be a whole number from 1 to 1000, got ${attempts}`, { attempts });
  }

  const login: PlanLoginStep[] = [];
  if (options.login) {
    const loginValues = { ...variables, user: options.login.user, password: options.login.password };
    profile.login.forEach((step, i) => {
      const usesPassword = step.send?.includes('${password}') ?? false;
      login.push({
        expect: step.expect,
        ...(step.send !== undefined ? { send: fillTemplate(step.send, loginValues, `${where}, login[${i}].send`) } : {}),
        secret: usesPassword,
        timeoutMs: step.timeout ?? profile.timeouts.login,
      });
    });
    for (const value of [options.login.user, options.login.password]) {
      if (/[\x00-\x1f\x7f]/.test(value)) {
        throw new DialbondError('CLI_USAGE', 'the login user and password must not contain control characters (CR, LF, ...)', {});
      }
    }
  }

  return {
    profile: profile.name,
    device: options.device,
    steps,
    dials,
    initOnDial,
    maxAttempts: attempts,
    login,
    loginFailures: profile.loginFailures,
    loginSuccess: profile.loginSuccess,
    retryOn: profile.redial.retryOn,
    timeouts: profile.timeouts,
    redialDelayMs: profile.redial.delay,
    longBackoffMs: profile.redial.longBackoff,
    holdLine: options.holdLine ?? false,
    quietRecovery: 'ATQ0 V1 E1',
    dtrHangup: [2, 3].includes(dtrModeOf(steps.filter((step) => step.purpose !== 'check').map((step) => step.command)) ?? -1),
  };
}
