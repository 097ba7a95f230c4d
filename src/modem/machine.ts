/**
 * The per-modem state machine (xstate v5), as the README's dial sequence reads:
 *
 *   open -> wake (the probe is the reset, ATZ; then ATQ0 V1 E1, or the guarded escape and
 *   ATH, for a modem that stays silent) -> prepare (init, checks) -> dial (attempts,
 *   redial, numbers in rotation; the last init on the first dial's line) -> login chat ->
 *   online -> hang up (a DTR drop, or the escape and ATH) -> close
 *
 * Each step is a small machine invoked as a child with input and a typed output: wake.ts,
 * prepare.ts, dial-attempts.ts, login-chat.ts, and under them one AT exchange per command
 * (exchange.ts) and the guarded escape (guarded-escape.ts). This top level owns the port's
 * events and hands each line to the child that listens; what a child's output means for
 * the session (go on, fail, hang up) is decided here. It does no I/O: opening, writing,
 * closing and listening are actors injected with `.provide()` (see actors.ts), and every
 * wait is a named delay, so tests run it on a SimulatedClock with a fake port.
 */
import { assign, enqueueActions, fromCallback, fromPromise, sendTo, setup, type EventObject } from 'xstate';
import { isEcho, type Classified, type ConnectInfo } from '../hayes/index.js';
import { errorCodeOf, errorMessageOf } from '../errors/index.js';
import { formatDuration } from '../util/duration.js';
import { childWriteFailed, isStatus, outputOf, type ChildReport, type ModemPhase } from './child-output.js';
import { dialAttemptsMachine, dialOf, type DialAttemptsOutput } from './dial-attempts.js';
import { exchangeMachine } from './exchange.js';
import { guardedEscapeMachine, type EscapeInput, type EscapeOutput } from './guarded-escape.js';
import { loginChatMachine, type LoginInput, type LoginOutput } from './login-chat.js';
import { failure, modemOn, type ModemOutcome } from './outcome.js';
import type { ModemPlan } from './plan.js';
import { prepareMachine, wakeFailure, type PrepareOutput } from './prepare.js';
import { wakeMachine, type WakeMemory, type WakeOutput } from './wake.js';

export type { ModemPhase };

/** Events the machine reacts to: LINE, TEXT, NOISE and PORT_CLOSED come from the port
 * actor, TX, NOTE and PHASE from the children. */
export type ModemEvent =
  | { type: 'LINE'; line: Classified }
  | { type: 'TEXT'; text: string }
  | { type: 'NOISE'; bytes: number; reason: string }
  | { type: 'PORT_CLOSED'; reason: string; message?: string }
  | ChildReport
  /** End the call (after `online` when the plan holds the line). */
  | { type: 'HANGUP' }
  /** Give up now (Ctrl-C): abort a dial in progress, hang up, close. */
  | { type: 'ABORT' };

/** What the machine tells observers: a transcript (secrets already masked), progress, and
 * the modem's unsolicited lines (RING, +CRING, +CMTI, ...), which answer no command. */
export type ModemEmitted =
  | { type: 'transcript'; direction: 'tx' | 'rx' | 'note'; text: string }
  /** At `online`, `session` is what the dial came to: what the parent of a held line
   * needs before the machine ends. */
  | { type: 'phase'; phase: ModemPhase; detail?: string; session?: ModemSessionOutput }
  | { type: 'unsolicited'; line: Extract<Classified, { kind: 'urc' }> };

export interface ModemSessionOutput {
  outcome: ModemOutcome;
  connect: (ConnectInfo & { carrierSpeed?: number }) | null;
  attempts: number;
  number: string | null;
}

interface ModemContext {
  plan: ModemPlan;
  /** The line sent last (its echo is not recorded). */
  lastCommand: string | null;
  /** What the wakes of this session tried (wake.ts). */
  memory: WakeMemory;
  /** The step the preparation starts at (after a wake, or back for a refused joined line). */
  resumeAt: number;
  /** The last init still rides the first dial's line (plan.initOnDial). */
  initOnDial: boolean;
  attempts: number;
  numberIndex: number;
  connect: (ConnectInfo & { carrierSpeed?: number }) | null;
  outcome: ModemOutcome | null;
}

const where = (context: ModemContext): string => modemOn(context.plan.device);

/** Steps run on lines of their own: all of them, less the init that rides the first dial. */
const stepsBeforeDial = (context: ModemContext): number => context.plan.steps.length - (context.initOnDial ? 1 : 0);

/** What the session came to, so far or in the end. */
function sessionOf(context: ModemContext): ModemSessionOutput {
  return {
    outcome: context.outcome ?? failure('error', 'MODEM_ABORTED', `${where(context)}: the session ended without a result`),
    connect: context.connect,
    attempts: context.attempts,
    number: context.attempts > 0 ? dialOf(context.plan, context.numberIndex, false).number : null,
  };
}

/** What the machine says, as the `tell` action takes it. */
const say = {
  phase: (phase: ModemPhase, detail?: string): ModemEmitted[] => [{ type: 'phase', phase, ...(detail !== undefined ? { detail } : {}) }],
  note: (text: string): ModemEmitted[] => [{ type: 'transcript', direction: 'note', text }],
  sent: (text: string): ModemEmitted[] => [{ type: 'transcript', direction: 'tx', text }],
  /** Every line but our own echo goes to the transcript; unsolicited ones also to their
   * own stream (design rule 5). */
  seen: ({ context, event }: { context: ModemContext; event: ModemEvent }): ModemEmitted[] => {
    if (event.type !== 'LINE') return [];
    const said: ModemEmitted[] = [];
    if (context.lastCommand === null || !isEcho(event.line.text, context.lastCommand)) said.push({ type: 'transcript', direction: 'rx', text: event.line.text });
    if (event.line.kind === 'urc') said.push({ type: 'unsolicited', line: event.line });
    return said;
  },
  noise: ({ event }: { event: ModemEvent }): ModemEmitted[] =>
    event.type === 'NOISE' ? say.note(`discarded ${event.bytes} byte(s) of ${event.reason === 'overflow' ? 'an endless line' : 'line noise'}`) : [],
};

/** A child's report: what it sent (its echo will not be recorded), a note, progress. */
const CHILD_REPORTS = {
  TX: { actions: [{ type: 'sentLast' as const, params: ({ event }: { event: ModemEvent }) => (event.type === 'TX' ? event.text : '') }, { type: 'tell' as const, params: ({ event }: { event: ModemEvent }) => (event.type === 'TX' ? say.sent(event.text) : []) }] },
  NOTE: { actions: { type: 'tell' as const, params: ({ event }: { event: ModemEvent }) => (event.type === 'NOTE' ? say.note(event.text) : []) } },
  PHASE: { actions: { type: 'tell' as const, params: ({ event }: { event: ModemEvent }) => (event.type === 'PHASE' ? say.phase(event.phase, event.detail) : []) } },
};

/** Each state that runs a child hands it the port's lines (and records them first). */
const LINES_TO = (child: string) => ({ LINE: { actions: [{ type: 'tell' as const, params: say.seen }, { type: 'toChild' as const, params: child }] } });

const NOT_PROVIDED = (name: string) => () => {
  throw new Error(`modem actor "${name}" was not provided (use createModemActors)`);
};

export const modemMachine = setup({
  types: {
    context: {} as ModemContext,
    events: {} as ModemEvent,
    input: {} as { plan: ModemPlan },
    output: {} as ModemSessionOutput,
    emitted: {} as ModemEmitted,
  },
  actors: {
    openPort: fromPromise<void, void>(async () => NOT_PROVIDED('openPort')()),
    write: fromPromise<void, { text: string; holdAtConnect?: boolean }>(async () => NOT_PROVIDED('write')()),
    resumeReading: fromPromise<void, void>(async () => NOT_PROVIDED('resumeReading')()),
    closePort: fromPromise<void, { dropDtr: boolean }>(async () => NOT_PROVIDED('closePort')()),
    portEvents: fromCallback<EventObject, void>(() => NOT_PROVIDED('portEvents')()),
    wake: wakeMachine,
    prepare: prepareMachine,
    dial: dialAttemptsMachine,
    login: loginChatMachine,
    escape: guardedEscapeMachine,
    exchange: exchangeMachine,
  },
  delays: {
    commandTimeout: ({ context }) => context.plan.timeouts.command,
  },
  guards: {
    hasLogin: ({ context }) => context.plan.login.length > 0,
    /** The init leaves &D2 set: dropping DTR hangs up, no escape and ATH needed. */
    dtrHangsUp: ({ context }) => context.plan.dtrHangup,
  },
  actions: {
    /**
     * The one door to observers: everything the machine says goes out through here.
     * Standalone (`dialbond dial`) it is emitted; as a link's child it goes to the parent
     * instead (modemAsChild in actors.ts): a parent does not hear what its children emit.
     */
    tell: enqueueActions(({ enqueue }, said: readonly ModemEmitted[]) => {
      for (const s of said) enqueue.emit(s);
    }),
    /** A line this machine or a child sent: its echo will not be recorded. */
    sentLast: assign((_, text: string) => ({ lastCommand: text })),
    /** Hands the event to the child that listens in this state. */
    toChild: sendTo((_, child: string) => child, ({ event }) => event),
    fail: assign((_, outcome: ModemOutcome) => ({ outcome })),
    failIfUnset: assign(({ context }, outcome: ModemOutcome) => (context.outcome ? {} : { outcome })),
    markConnected: assign(({ context }) => ({
      outcome: { result: 'connected' as const, code: null, message: `connected on ${context.plan.device} to ${dialOf(context.plan, context.numberIndex, false).number}` },
    })),
  },
}).createMachine({
  id: 'modem',
  context: ({ input }) => ({
    plan: input.plan,
    lastCommand: null,
    memory: { escaped: false, quietRecoveries: 0, unanswered: [] },
    resumeAt: 0,
    initOnDial: input.plan.initOnDial,
    attempts: 0,
    numberIndex: 0,
    connect: null,
    outcome: null,
  }),
  initial: 'opening',
  output: ({ context }) => sessionOf(context),
  states: {
    opening: {
      entry: { type: 'tell', params: say.phase('opening') },
      invoke: {
        src: 'openPort',
        onDone: 'commandMode',
        onError: { target: 'closed', actions: assign(({ event }) => ({ outcome: failure('error', errorCodeOf(event.error, 'MODEM_OPEN_FAILED'), errorMessageOf(event.error)) })) },
      },
    },

    /** Everything between opening and online: the port is read line by line. */
    commandMode: {
      invoke: { src: 'portEvents' },
      initial: 'waking',
      on: {
        LINE: { actions: { type: 'tell', params: say.seen } },
        ...CHILD_REPORTS,
        NOISE: { actions: { type: 'tell', params: say.noise } },
        PORT_CLOSED: {
          target: 'closed',
          actions: { type: 'failIfUnset', params: ({ context, event }) => failure('error', 'MODEM_VANISHED', `${where(context)}: the port closed under us (${event.message ?? event.reason}); was the device unplugged?`) },
        },
        ABORT: { target: 'abortingDial', actions: { type: 'failIfUnset', params: ({ context }) => failure('error', 'MODEM_ABORTED', `${where(context)}: interrupted`) } },
      },
      states: {
        waking: {
          entry: { type: 'tell', params: say.phase('probing') },
          invoke: {
            src: 'wake',
            id: 'wake',
            input: ({ context }) => ({ plan: context.plan, from: { at: 'probe' as const }, memory: context.memory }),
            onDone: [
              { guard: isStatus<WakeOutput>('awake'), target: 'preparing', actions: assign(({ event }) => ({ resumeAt: outputOf<{ resumeAt: number }>(event).resumeAt, memory: outputOf<WakeOutput>(event).memory })) },
              { target: '#modem.closing', actions: assign(({ context, event }) => ({ outcome: wakeFailure(context.plan, outputOf(event)), memory: outputOf<WakeOutput>(event).memory })) },
            ],
          },
          on: LINES_TO('wake'),
        },

        /** Reset (unless the probe was it), init and checks; the last init may ride the dial. */
        preparing: {
          entry: { type: 'tell', params: say.phase('preparing') },
          // Nothing to run on lines of their own (the generic profile's one init rides the
          // dial): straight on, without starting a child for nothing.
          always: { guard: ({ context }) => context.resumeAt >= stepsBeforeDial(context), target: 'dialing' },
          invoke: {
            src: 'prepare',
            id: 'prepare',
            input: ({ context }) => ({ plan: context.plan, from: context.resumeAt, until: stepsBeforeDial(context), memory: context.memory }),
            onDone: [
              { guard: isStatus<PrepareOutput>('ready'), target: 'dialing', actions: assign(({ event }) => ({ memory: outputOf<PrepareOutput>(event).memory })) },
              { target: '#modem.closing', actions: assign(({ event }) => ({ outcome: outputOf<Extract<PrepareOutput, { status: 'failed' }>>(event).outcome })) },
            ],
          },
          on: LINES_TO('prepare'),
        },

        dialing: {
          invoke: {
            src: 'dial',
            id: 'dial',
            input: ({ context }) => ({ plan: context.plan, withInit: context.initOnDial, attempts: context.attempts, numberIndex: context.numberIndex }),
            onDone: [
              {
                guard: isStatus<DialAttemptsOutput>('connected'),
                target: 'connected',
                actions: assign(({ event }) => {
                  const output = outputOf<Extract<DialAttemptsOutput, { status: 'connected' }>>(event);
                  return { connect: output.connect, attempts: output.attempts, numberIndex: output.numberIndex, initOnDial: false };
                }),
              },
              {
                // The joined line was refused: the init alone, then the dial alone.
                guard: isStatus<DialAttemptsOutput>('init-refused'),
                target: 'preparing',
                actions: [
                  assign(({ context, event }) => ({ resumeAt: context.plan.steps.length - 1, initOnDial: false, attempts: outputOf<DialAttemptsOutput>(event).attempts })),
                  { type: 'tell', params: say.note('ERROR to the init and dial on one line: sending them one at a time') },
                ],
              },
              {
                target: '#modem.closing',
                actions: assign(({ event }) => {
                  const output = outputOf<Extract<DialAttemptsOutput, { status: 'failed' }>>(event);
                  return { outcome: output.outcome, attempts: output.attempts, numberIndex: output.numberIndex };
                }),
              },
            ],
          },
          on: LINES_TO('dial'),
        },

        connected: {
          always: [{ guard: 'hasLogin', target: 'login' }, { target: '#modem.online' }],
        },

        /** The login chat; the port held its reads at the end of the CONNECT line, and the
         * chat reads on from there. */
        login: {
          entry: { type: 'tell', params: say.phase('login') },
          invoke: [
            { src: 'resumeReading' },
            {
              src: 'login',
              id: 'login',
              input: ({ context }): LoginInput => ({ steps: context.plan.login, failures: context.plan.loginFailures, success: context.plan.loginSuccess, settleMs: context.plan.timeouts.loginSettle }),
              onDone: [
                { guard: isStatus<LoginOutput>('in'), target: '#modem.online' },
                { guard: isStatus<LoginOutput>('write-failed'), target: '#modem.closing', actions: { type: 'fail', params: childWriteFailed } },
                { guard: isStatus<LoginOutput>('no-carrier'), target: '#modem.closing', actions: { type: 'fail', params: ({ context }) => failure('no-carrier', 'MODEM_LOGIN_FAILED', `${where(context)}: the line dropped during login`) } },
                {
                  guard: isStatus<LoginOutput>('no-prompt'),
                  target: '#modem.hangingUp',
                  actions: {
                    type: 'fail',
                    params: ({ context, event }) => {
                      const output = outputOf<Extract<LoginOutput, { status: 'no-prompt' }>>(event);
                      return failure('error', 'MODEM_LOGIN_FAILED', `${where(context)}: login prompt "${output.expect}" not seen within ${formatDuration(output.timeoutMs)}`);
                    },
                  },
                },
                {
                  target: '#modem.hangingUp',
                  actions: {
                    type: 'fail',
                    params: ({ context, event }) =>
                      failure('error', 'MODEM_LOGIN_FAILED', `${where(context)}: the remote refused the login (${(outputOf<{ seen?: string }>(event).seen ?? '').replace(/\s+/g, ' ').trim().slice(-80)})`),
                  },
                },
              ],
            },
          ],
          on: {
            ...LINES_TO('login'),
            TEXT: { actions: { type: 'toChild', params: 'login' } },
            ABORT: { target: '#modem.hangingUp', actions: { type: 'failIfUnset', params: ({ context }) => failure('error', 'MODEM_ABORTED', `${where(context)}: interrupted during login`) } },
          },
        },
      },
    },

    /** The line is up. A dial hangs up at once; a link holds the line for pppd. */
    online: {
      entry: ['markConnected', { type: 'tell', params: ({ context }) => [{ type: 'phase', phase: 'online', session: sessionOf(context) }] }],
      always: { guard: ({ context }) => !context.plan.holdLine, target: 'hangingUp' },
      on: { HANGUP: 'hangingUp', ABORT: 'hangingUp', PORT_CLOSED: 'closed' },
    },

    /** Aborting before CONNECT: one character stops a dial in progress, then DTR drop. */
    abortingDial: {
      invoke: { src: 'write', input: { text: '\r' }, onDone: 'closing', onError: 'closing' },
      after: { commandTimeout: 'closing' },
    },

    /** Guarded escape to command mode, ATH, then close with DTR dropped. */
    hangingUp: {
      entry: { type: 'tell', params: say.phase('hanging-up') },
      invoke: { src: 'portEvents' },
      initial: 'choosing',
      on: {
        LINE: { actions: { type: 'tell', params: say.seen } },
        TX: CHILD_REPORTS.TX,
        NOISE: { actions: { type: 'tell', params: say.noise } },
        PORT_CLOSED: 'closed',
      },
      states: {
        // With &D2 (V.250 6.2.9) the DTR drop of closing the port ends the call at once
        // (on a pty, closing with HUPCL is the hang-up); the escape's two guard times and
        // ATH are only for modems that ignore DTR.
        choosing: {
          always: [{ guard: 'dtrHangsUp', target: '#modem.closing', actions: { type: 'tell', params: say.note('hanging up by dropping DTR (&D2)') } }, { target: 'escaping' }],
        },
        // The port reads on again after the hold at CONNECT: we need the modem's answers.
        // A modem that never answers the escape lost carrier already or ignores escapes:
        // ATH and the DTR drop settle both.
        escaping: {
          invoke: [
            { src: 'resumeReading' },
            {
              src: 'escape',
              id: 'escape',
              input: ({ context }): EscapeInput => ({ guardMs: context.plan.timeouts.guard, writeTimeoutMs: context.plan.timeouts.command, acceptLateAnswer: false }),
              onDone: [{ guard: isStatus<EscapeOutput>('write-failed'), target: '#modem.closing' }, { target: 'hangup' }],
            },
          ],
          on: LINES_TO('escape'),
        },
        hangup: {
          entry: [{ type: 'sentLast', params: 'ATH' }, { type: 'tell', params: say.sent('ATH') }],
          invoke: { src: 'exchange', id: 'ath', input: ({ context }) => ({ command: 'ATH', timeoutMs: context.plan.timeouts.command }), onDone: '#modem.closing' },
          on: LINES_TO('ath'),
        },
      },
    },

    /** Close with DTR dropped: with &D2 the modem hangs up whatever state it is in. */
    closing: {
      entry: { type: 'tell', params: say.phase('closing') },
      invoke: { src: 'closePort', input: { dropDtr: true }, onDone: 'closed', onError: 'closed' },
    },

    closed: {
      type: 'final',
      entry: { type: 'tell', params: say.phase('closed') },
    },
  },
});

export type ModemMachine = typeof modemMachine;
