/**
 * The command side of a simulated Hayes modem: what it does with each byte from the DTE.
 * Pure: no I/O, timers only through the injected Clock; the modem (modem.ts) wires its
 * events to a pty and a far end. States (V.250 5.1): command, dialing (call establishment),
 * online data ('data'), online command, and 'resetting' while a slow ATZ runs.
 */
import { EventEmitter } from 'node:events';
import { SecretMask } from '../log/index.js';
import type { Clock } from '../util/clock.js';
import { LineAssembler, tokenizeCommandLine, type CommandToken } from './commandline.js';
import { EscapeDetector } from './escape.js';
import { ExtendedCommands } from './extended.js';
import { DialPlanner, OUTCOME_RESULTS } from './dial.js';
import { IDENTIFICATION, cloneProfile, describeProfile, factoryProfile, setParameter, type Profile } from './profile.js';
import { connectLine, type DialOutcome, type Scenario } from './scenario.js';
import type { CallEndReason, CallInfo, InterpreterEvents, InterpreterOptions, ModemState } from './interpreter-types.js';
import { ModemOutput } from './output.js';

export type { ModemState, CallInfo, CallEndReason, InterpreterEvents, InterpreterOptions } from './interpreter-types.js';

type Step = 'next' | 'done';

/** A simulated modem's command interpreter. */
export class HayesInterpreter extends EventEmitter<InterpreterEvents> {
  private readonly scenario: Scenario;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly secrets: SecretMask;
  private readonly extended: ExtendedCommands;
  private readonly escape: EscapeDetector;
  private stored: Profile;
  private active: Profile;
  private currentState: ModemState = 'command';
  private isAttached = false;
  private readonly assembler = new LineAssembler();
  private lastBody = '';
  private selectedRegister = 0;
  private readonly dialer: DialPlanner;
  private currentCall: CallInfo | undefined;
  private dialTimer: unknown;
  private resetTimer: unknown;
  private ringTimer: unknown;
  private readonly output: ModemOutput;

  constructor(options: InterpreterOptions) {
    super();
    this.scenario = options.scenario;
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
    this.secrets = options.secrets ?? new SecretMask();
    this.secrets.add(this.scenario.login?.password);
    this.extended = new ExtendedCommands(this.scenario.gsm, this.scenario.identity);
    this.dialer = new DialPlanner(this.scenario);
    this.stored = { ...factoryProfile(), echo: this.scenario.echo, verbose: this.scenario.verbose, quiet: this.scenario.quiet };
    this.active = cloneProfile(this.stored);
    this.output = new ModemOutput({
      format: () => ({ verbose: this.active.verbose, quiet: this.active.quiet, lineEnding: this.scenario.noise.crlf, s3: this.active.s[3]!, s4: this.active.s[4]! }),
      garbageBytes: this.scenario.noise.garbageBytes,
      random: this.random,
      attached: () => this.isAttached,
      emit: (bytes) => this.emit('output', bytes),
    });
    this.escape = new EscapeDetector({
      clock: this.clock,
      guardMs: () => this.active.s[12]! * 20,
      escapeChar: () => this.active.s[2]!,
      onEscape: () => this.output.batch(() => this.onEscape()),
    });
  }

  /** The current state. */
  get state(): ModemState {
    return this.currentState;
  }

  /** Whether a DTE is attached (has sent something since the last hang-up). */
  get attached(): boolean {
    return this.isAttached;
  }

  /** The call in progress, if any (online data or online command state). */
  get call(): CallInfo | undefined {
    return this.currentCall;
  }

  /** Whether DCD follows the carrier (&C1), so a lost line must be shown by dropping DCD. */
  get dcdFollowsCarrier(): boolean {
    return this.active.dcd !== 0;
  }

  /** An S-register's value. */
  sRegister(n: number): number {
    return this.active.s[n] ?? 0;
  }

  /** Bytes from the DTE. */
  receive(bytes: Uint8Array): void {
    if (!this.isAttached) {
      this.isAttached = true;
      this.startRinging();
    }
    if (this.scenario.dead) return;
    this.output.batch(() => {
      let i = 0;
      while (i < bytes.length) {
        if (this.currentState === 'data') {
          const rest = Buffer.from(bytes.subarray(i));
          this.escape.feed(rest);
          this.emit('line', rest);
          return;
        }
        if (this.currentState === 'resetting') return; // a resetting modem hears nothing
        if (this.currentState === 'dialing') {
          // V.250 6.3.1: any character from the DTE during call establishment aborts it.
          this.clearTimer('dialTimer');
          this.setState('command');
          this.output.result('NO CARRIER');
          i++;
          continue;
        }
        this.commandByte(bytes[i]!);
        i++;
      }
    });
  }

  /**
   * The DTE closed the port (the pty equivalent of dropping DTR): with &D2 the call ends and
   * the modem returns to command state (V.250 6.2.9); &D3 also reloads the stored profile.
   * Nothing more is said until a DTE sends something again.
   */
  dteDetached(): void {
    this.isAttached = false;
    this.output.discard();
    this.clearTimer('ringTimer');
    this.clearTimer('dialTimer');
    this.clearTimer('resetTimer');
    if (this.currentCall) this.endCall('dte-hangup');
    if (this.active.dtr === 3) this.active = cloneProfile(this.stored);
    this.assembler.reset();
    this.setState('command');
  }

  /** The far end went away (or carrier was dropped on purpose): NO CARRIER, command state. */
  carrierLost(): void {
    if (!this.currentCall) return;
    this.output.batch(() => {
      this.endCall('carrier-lost');
      this.setState('command');
      this.output.result('NO CARRIER');
    });
  }

  /** Cancels every timer (the modem is being closed). */
  dispose(): void {
    for (const t of ['ringTimer', 'dialTimer', 'resetTimer'] as const) this.clearTimer(t);
    this.escape.cancel();
  }

  private setState(state: ModemState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.emit('state', state);
  }

  private clearTimer(name: 'dialTimer' | 'resetTimer' | 'ringTimer'): void {
    if (this[name] !== undefined) this.clock.clearTimeout(this[name]);
    this[name] = undefined;
  }

  private startRinging(): void {
    const every = this.scenario.noise.ringEveryMs;
    if (!every || this.scenario.dead) return;
    const tick = (): void => {
      this.ringTimer = this.clock.setTimeout(() => {
        if (!this.isAttached) return;
        if (this.currentState === 'command' && !this.assembler.collecting) this.output.batch(() => this.output.result('RING'));
        tick();
      }, every);
    };
    tick();
  }

  // ---- command lines (V.250 5.2) --------------------------------------------------------

  private commandByte(byte: number): void {
    if (this.active.echo) this.output.out(String.fromCharCode(byte));
    const line = this.assembler.feed(byte, this.active.s[3]!, this.active.s[5]!);
    if (!line) return;
    if (line.kind === 'repeat') {
      this.executeLine(this.lastBody, 'A/');
    } else if (line.overflow) {
      this.emit('command', this.secrets.mask(line.text));
      this.output.result('ERROR');
    } else {
      this.lastBody = line.body;
      this.executeLine(line.body, line.text);
    }
  }

  private executeLine(body: string, raw: string): void {
    this.emit('command', this.secrets.mask(raw));
    this.run(tokenizeCommandLine(body), 0);
  }

  /** Runs commands from `index` on; OK at the end unless a command answered already. */
  private run(tokens: CommandToken[], index: number): void {
    for (let i = index; i < tokens.length; i++) {
      const token = tokens[i]!;
      if (token.kind === 'basic' && (token.name === 'Z' || token.name === '&F')) {
        // V.250 6.1.1: commands after Z may be ignored; after &F they run once reset is done.
        const rest = token.name === 'Z' ? tokens.length : i + 1;
        this.reset(token.name === 'Z', () => this.run(tokens, rest));
        return;
      }
      if (this.execute(token) === 'done') return;
    }
    this.output.result('OK');
  }

  private reset(toStored: boolean, then: () => void): void {
    if (this.currentCall) {
      this.endCall('hangup-command');
    }
    const apply = (): void => {
      this.active = cloneProfile(toStored ? this.stored : factoryProfile());
      this.setState('command');
      then();
    };
    const delay = this.scenario.resetDelayMs;
    if (delay <= 0) {
      this.setState('command');
      apply();
      return;
    }
    this.setState('resetting');
    this.resetTimer = this.clock.setTimeout(() => {
      this.resetTimer = undefined;
      this.output.batch(apply);
    }, delay);
  }

  // ---- commands -------------------------------------------------------------------------

  private fail(text = 'ERROR'): Step {
    this.output.result(text);
    return 'done';
  }

  private execute(token: CommandToken): Step {
    switch (token.kind) {
      case 'invalid':
        return this.fail();
      case 'dial':
        return this.dial(token.dialString);
      case 'sreg':
        return this.sregister(token.register, token.op, token.op === 'set' ? token.value : 0);
      case 'query-selected':
        return this.sregister(this.selectedRegister, 'query', 0);
      case 'extended': {
        const answer = this.extended.run(token.name, token.op, token.args);
        for (const line of answer.info) this.output.info(line);
        return answer.final ? this.fail(answer.final) : 'next';
      }
      case 'basic':
        return this.basic(token.name, token.value ?? 0);
    }
  }

  private sregister(register: number, op: 'set' | 'query' | 'select', value: number): Step {
    if (register > 255) return this.fail();
    if (op === 'select') {
      this.selectedRegister = register;
      return 'next';
    }
    if (op === 'query') {
      // V.250 5.3.2: S-parameter values are reported as three decimal digits.
      this.output.info(String(this.active.s[register] ?? 0).padStart(3, '0'));
      return 'next';
    }
    if (value > 255) return this.fail();
    this.active.s[register] = value;
    return 'next';
  }

  private basic(name: string, value: number): Step {
    const set = setParameter(this.active, name, value);
    if (set !== undefined) return set ? 'next' : this.fail();
    switch (name) {
      case 'H':
        if (value > 1) return this.fail();
        if (value === 0 && this.currentCall) {
          // ATH in online command state: hang up; the answer is OK, not NO CARRIER.
          this.endCall('hangup-command');
          this.setState('command');
        }
        return 'next';
      case 'O':
        return this.online();
      case 'A':
        // Answer with no incoming call: the modem goes off-hook, hears no carrier.
        return this.fail('NO CARRIER');
      case 'I':
        if (value > 9) return this.fail();
        this.output.info(this.scenario.identity.ati[String(value)] ?? IDENTIFICATION[value]!);
        return 'next';
      case '&W':
        this.stored = cloneProfile(this.active);
        return 'next';
      case '&V':
        this.output.info(describeProfile(this.active, this.lineEndText()));
        return 'next';
      default:
        // B, C, L, M, N, P, T, W, X, Y, &K, &Q, %E, \N ...: accepted, no effect on a pty.
        return 'next';
    }
  }

  private lineEndText(): string {
    return String.fromCharCode(this.active.s[3]!, this.active.s[4]!);
  }

  private online(): Step {
    if (this.currentState !== 'online-command' || !this.currentCall) return this.fail('NO CARRIER');
    // V.250 6.3.7: O returns to online data state and issues CONNECT.
    this.output.result(this.currentCall.line);
    this.setState('data');
    this.escape.reset();
    this.emit('online');
    return 'done';
  }

  private dial(dialString: string): Step {
    if (this.currentCall) return this.fail();
    if (/^\*9[89]/.test(this.dialer.numberOf(dialString))) {
      // A packet-data dial (27.007 10.2.1.1) needs a SIM that is ready.
      const error = this.extended.packetDialError();
      if (error) return this.fail(error);
    }
    const { number, outcome, afterMs, voice } = this.dialer.plan(dialString);
    this.setState('dialing');
    if (outcome !== 'silent') {
      this.dialTimer = this.clock.setTimeout(() => {
        this.dialTimer = undefined;
        this.output.batch(() => this.dialDone(outcome, number, voice));
      }, afterMs);
    }
    return 'done';
  }

  private dialDone(outcome: Exclude<DialOutcome, 'silent'>, number: string, voice: boolean): void {
    if (outcome !== 'connect') {
      this.setState('command');
      this.output.result(OUTCOME_RESULTS[outcome]);
      return;
    }
    if (voice) {
      // V.250 6.3.1.2: ";" returns to command state after dialing, answering OK.
      this.setState('command');
      this.output.result('OK');
      return;
    }
    const call: CallInfo = { number, line: connectLine(this.scenario), rate: this.scenario.connect.rate };
    if (this.active.verbose) for (const line of this.scenario.connect.preLines) this.output.result(line);
    this.output.result(call.line);
    this.currentCall = call;
    this.setState('data');
    this.escape.reset();
    this.emit('connect', call);
  }

  private onEscape(): void {
    if (this.currentState !== 'data') return;
    this.setState('online-command');
    this.assembler.reset();
    this.emit('escape');
    this.output.result('OK');
  }

  private endCall(reason: CallEndReason): void {
    this.currentCall = undefined;
    this.escape.cancel();
    this.emit('call-end', reason);
  }
}
