/**
 * The per-modem state machine (xstate v5): open -> probe -> [escape + hang up] -> reset ->
 * init -> checks -> dial (rotate numbers, redial delay) -> login chat -> online -> hang up
 * -> close. It does no I/O: opening, writing, closing and listening are actors injected
 * with `.provide()` (see actors.ts), and every wait is a named delay, so tests run it on a
 * SimulatedClock with a fake port.
 *
 * Each command state invokes its write *and* handles LINE events itself, so the reply
 * waiter exists before the command's bytes leave (design rule 5): a fast modem cannot
 * answer before we listen.
 */
import { and, assign, emit, fromCallback, fromPromise, setup, type EventObject } from 'xstate';
import { commandLine, isEcho, mergeConnectDetails, parseConnect, type Classified, type ConnectInfo } from '../hayes/index.js';
import { areaOf, errorCodeOf, errorMessageOf, type ErrorCode } from '../errors/index.js';
import type { DialOutcome } from '../profiles/index.js';
import { dialOutcomeOf, dialResultOf, type DialResult, type ModemOutcome } from './outcome.js';
import type { ModemPlan, PlanStep } from './plan.js';
import { MASK } from '../log/index.js';
import { formatDuration } from '../util/duration.js';

type Intermediate = Extract<Classified, { kind: 'intermediate' }>;

/** Events the machine reacts to. LINE/TEXT/NOISE/PORT_CLOSED come from the port actor. */
export type ModemEvent =
  | { type: 'LINE'; line: Classified }
  | { type: 'TEXT'; text: string }
  | { type: 'NOISE'; bytes: number; reason: string }
  | { type: 'PORT_CLOSED'; reason: string; message?: string }
  /** End the call (after `online` when the plan holds the line). */
  | { type: 'HANGUP' }
  /** Give up now (Ctrl-C): abort a dial in progress, hang up, close. */
  | { type: 'ABORT' };

/** What the machine tells observers: a transcript (secrets already masked) and progress. */
export type ModemEmitted =
  | { type: 'transcript'; direction: 'tx' | 'rx' | 'note'; text: string }
  | { type: 'phase'; phase: ModemPhase; detail?: string };

export type ModemPhase = 'opening' | 'probing' | 'escaping' | 'preparing' | 'dialing' | 'redial-wait' | 'login' | 'online' | 'hanging-up' | 'closing' | 'closed';

export interface ModemSessionOutput {
  outcome: ModemOutcome;
  connect: (ConnectInfo & { carrierSpeed?: number }) | null;
  attempts: number;
  number: string | null;
}

interface ModemContext {
  plan: ModemPlan;
  stepIndex: number;
  /** The command line in flight (for echo detection and messages). */
  lastCommand: string | null;
  /** Information lines of the current command's answer (checks look for `expect` here). */
  info: string[];
  quietRecoveries: number;
  /** Where to go after a quiet-mode recovery answered OK. */
  afterQuiet: 'retry' | 'next';
  /** The modem echoed the probe: it is in command mode and reads us, so silence after the
   * echo is a slow reset or result codes turned off, not a modem online or dead. */
  probeEchoed: boolean;
  /** The guarded escape was tried already (it is tried once). */
  escaped: boolean;
  /** What went unanswered, in order, for the message when nothing answers at all. */
  unanswered: string[];
  /** The last init step still rides the next dial's command line (plan.initOnDial). */
  initOnDial: boolean;
  /** The dial in flight carries the init (an ERROR to it falls back to separate lines). */
  dialedWithInit: boolean;
  attempts: number;
  numberIndex: number;
  lastDial: DialOutcome | null;
  intermediates: Intermediate[];
  connect: (ConnectInfo & { carrierSpeed?: number }) | null;
  loginIndex: number;
  /** Text seen since the last login match (bounded: chat looks at the recent past only). */
  chat: string;
  outcome: ModemOutcome | null;
  connected: boolean;
}

const CHAT_WINDOW = 2048;

function currentStep(context: ModemContext): PlanStep {
  const step = context.plan.steps[context.stepIndex];
  if (!step) throw new Error(`modem plan has no step ${context.stepIndex}`);
  return step;
}

function currentDial(context: ModemContext): { number: string; command: string } {
  const dials = context.plan.dials;
  const dial = dials[context.numberIndex % dials.length] as ModemPlan['dials'][number];
  return { number: dial.number, command: context.initOnDial && dial.withInit ? dial.withInit : dial.command };
}

/** The probe is the reset itself (ATZ): a modem in command mode answers it, or at least
 * echoes it at once, so a separate "AT" first would only cost a round trip. */
function probeCommand(context: ModemContext): string {
  return context.plan.steps[0]?.command ?? 'AT';
}

/** Steps run on lines of their own: all of them, less the init that rides the first dial. */
function stepsBeforeDial(context: ModemContext): number {
  return context.plan.steps.length - (context.initOnDial ? 1 : 0);
}

function failure(result: DialResult, code: ErrorCode, message: string, retryAfterMs?: number): ModemOutcome {
  return { result, code, message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

function lineOf(event: ModemEvent): Classified | undefined {
  return event.type === 'LINE' ? event.line : undefined;
}

function isFinal(event: ModemEvent, ...results: string[]): boolean {
  const line = lineOf(event);
  return line?.kind === 'final' && (results.length === 0 || results.includes(line.result));
}

function where(context: ModemContext): string {
  return `modem on ${context.plan.device}`;
}

/** A reset, init or check step answered with a final result other than OK. */
function stepRefused(context: ModemContext, answer: string): ModemOutcome {
  const step = currentStep(context);
  return step.purpose === 'check'
    ? failure('error', 'MODEM_CHECK_FAILED', `${where(context)}: ${step.failure ?? `${step.command} failed`} (${answer})`)
    : failure('error', 'MODEM_INIT_FAILED', `${where(context)} answered ${answer} to ${step.purpose} command ${step.command}; fix the profile's ${step.purpose} string`);
}

/** "a", "a and b", "a, b and c". */
function listOf(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? 'anything') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function loginRefused(context: ModemContext): ModemOutcome {
  return failure('error', 'MODEM_LOGIN_FAILED', `${where(context)}: the remote refused the login (${context.chat.replace(/\s+/g, ' ').trim().slice(-80)})`);
}

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
  },
  delays: {
    commandTimeout: ({ context }) => context.plan.timeouts.command,
    probeTimeout: ({ context }) => context.plan.timeouts.probe,
    stepTimeout: ({ context }) => currentStep(context).timeoutMs,
    dialTimeout: ({ context }) => context.plan.timeouts.dial,
    loginTimeout: ({ context }) => context.plan.login[context.loginIndex]?.timeoutMs ?? context.plan.timeouts.login,
    loginSettle: ({ context }) => context.plan.timeouts.loginSettle,
    guardTime: ({ context }) => context.plan.timeouts.guard,
    redialDelay: ({ context }) => context.plan.redialDelayMs,
  },
  guards: {
    isOk: ({ event }) => isFinal(event, 'ok'),
    isFinal: ({ event }) => isFinal(event),
    isConnect: ({ event }) => isFinal(event, 'connect'),
    isNoCarrier: ({ event }) => isFinal(event, 'no-carrier'),
    isEcho: ({ context, event }) => {
      const line = lineOf(event);
      return !!line && context.lastCommand !== null && isEcho(line.text, context.lastCommand);
    },
    /** Lines that can be the answer to a query. +CREG/+CGREG/+CUSD classify as URCs but
     * are also the direct answer to AT+CREG? and friends, so they count here too. */
    isInfo: ({ event }) => {
      const kind = lineOf(event)?.kind;
      return kind === 'info' || kind === 'notice' || kind === 'urc';
    },
    isIntermediate: ({ event }) => lineOf(event)?.kind === 'intermediate',
    hasMoreSteps: ({ context }) => context.stepIndex + 1 < stepsBeforeDial(context),
    probeEchoed: ({ context }) => context.probeEchoed,
    escaped: ({ context }) => context.escaped,
    /** The joined init-and-dial line got ERROR: one of the two is refused, and only
     * separate lines can tell which (and give the right verdict). */
    joinedLineRefused: ({ context }) => context.dialedWithInit && context.lastDial === 'error',
    canRecoverQuiet: ({ context }) => context.quietRecoveries < 2,
    hasLogin: ({ context }) => context.plan.login.length > 0,
    /** The init leaves &D2 set: dropping DTR hangs up, no escape and ATH needed. */
    dtrHangsUp: ({ context }) => context.plan.dtrHangup,
    /** A modem found quiet before its reset: ATZ would restore the stored Q1 and answer
     * nothing, so the reset is skipped (the init that follows sets Q0 V1 E1 itself). */
    quietBeforeReset: ({ context }) => context.afterQuiet === 'retry' && context.stepIndex === 0 && context.plan.steps[0]?.purpose === 'reset' && context.plan.steps.length > 1,
    dialRetryable: ({ context }) => context.lastDial !== null && context.plan.retryOn.includes(context.lastDial) && context.attempts < context.plan.maxAttempts,
    longBackoff: ({ context }) => context.lastDial === 'delayed' || context.lastDial === 'blacklisted',
    loginFailed: ({ context, event }) => {
      const seen = (context.chat + (event.type === 'TEXT' ? event.text : '')).toLowerCase();
      return context.plan.loginFailures.some((f) => seen.includes(f.toLowerCase()));
    },
    loginMatched: ({ context, event }) => {
      const step = context.plan.login[context.loginIndex];
      return !!step && (context.chat + (event.type === 'TEXT' ? event.text : '')).includes(step.expect);
    },
    loginDone: ({ context }) => context.loginIndex >= context.plan.login.length,
    /** The first prompt again after our last answer: the remote wants a new login. */
    loginPromptAgain: ({ context, event }) => {
      const first = context.plan.login[0]?.expect;
      return !!first && (context.chat + (event.type === 'TEXT' ? event.text : '')).includes(first);
    },
    /** Success text from the profile, or the start of a PPP frame (7E FF 7D 23: flag,
     * address, escaped control) showing through the printable filter as "~}#". */
    loginSucceeded: ({ context, event }) => {
      const seen = context.chat + (event.type === 'TEXT' ? event.text : '');
      return seen.includes('~}#') || context.plan.loginSuccess.some((s) => seen.includes(s));
    },
  },
  actions: {
    note: emit((_, text: string) => ({ type: 'transcript' as const, direction: 'note' as const, text })),
    phase: emit((_, params: { phase: ModemPhase; detail?: string }) => ({ type: 'phase' as const, ...params })),
    recordRx: emit(({ event }) => {
      const line = lineOf(event);
      return { type: 'transcript' as const, direction: 'rx' as const, text: line ? line.text : '' };
    }),
    recordNoise: emit(({ event }) => ({
      type: 'transcript' as const,
      direction: 'note' as const,
      text: event.type === 'NOISE' ? `discarded ${event.bytes} byte(s) of ${event.reason === 'overflow' ? 'an endless line' : 'line noise'}` : '',
    })),
    /** Marks `command` as the one in flight and logs it. */
    sending: assign((_, command: string) => ({ lastCommand: command, info: [] as string[] })),
    recordTx: emit((_, text: string) => ({ type: 'transcript' as const, direction: 'tx' as const, text })),
    collectInfo: assign(({ context, event }) => ({ info: [...context.info, lineOf(event)?.text ?? ''] })),
    collectIntermediate: assign(({ context, event }) => {
      const line = lineOf(event);
      return line?.kind === 'intermediate' ? { intermediates: [...context.intermediates, line] } : {};
    }),
    nextStep: assign(({ context }) => ({ stepIndex: context.stepIndex + 1 })),
    skipReset: assign({ stepIndex: 1 }),
    fail: assign((_, outcome: ModemOutcome) => ({ outcome })),
    /** A write failed: keep the port's own typed reason (MODEM_VANISHED, MODEM_IO). */
    failWrite: assign(({ context, event }) => {
      if (context.outcome) return {};
      const error = 'error' in event ? event.error : undefined;
      const code = errorCodeOf(error, 'MODEM_IO');
      return { outcome: failure('error', areaOf(code) === 'MODEM' ? code : 'MODEM_IO', error ? errorMessageOf(error) : `${where(context)}: writing to the port failed`) };
    }),
    failIfUnset: assign(({ context }, outcome: ModemOutcome) => (context.outcome ? {} : { outcome })),
    quietFor: assign(({ context }, afterQuiet: 'retry' | 'next') => ({ afterQuiet, quietRecoveries: context.quietRecoveries + 1 })),
    markProbeEchoed: assign({ probeEchoed: true }),
    markEscaped: assign({ escaped: true }),
    unanswered: assign(({ context }, what: string) => ({ unanswered: [...context.unanswered, what] })),
    startAttempt: assign(({ context }) => ({ attempts: context.attempts + 1, intermediates: [] as Intermediate[], lastDial: null, dialedWithInit: context.initOnDial })),
    /** Whatever the dial's result, the modem has seen the init (or refused the line). */
    initApplied: assign({ initOnDial: false }),
    /** Back to the init on a line of its own; the refused line was no dial attempt. */
    separateInit: assign(({ context }) => ({ stepIndex: context.plan.steps.length - 1, attempts: context.attempts - 1, dialedWithInit: false })),
    rotateNumber: assign(({ context }) => ({ numberIndex: context.numberIndex + 1 })),
    recordDialResult: assign(({ event }) => {
      const line = lineOf(event);
      return { lastDial: line?.kind === 'final' ? dialOutcomeOf(line.result) : ('error' as DialOutcome) };
    }),
    recordTimeout: assign({ lastDial: 'timeout' as DialOutcome }),
    recordConnect: assign(({ context, event }) => {
      const line = lineOf(event);
      const base = line?.kind === 'final' && line.connect ? line.connect : parseConnect(line?.text ?? 'CONNECT');
      return { connect: mergeConnectDetails(base, context.intermediates), connected: true };
    }),
    appendChat: assign(({ context, event }) => (event.type === 'TEXT' ? { chat: (context.chat + event.text).slice(-CHAT_WINDOW) } : {})),
    consumeChat: assign(({ context, event }) => {
      const step = context.plan.login[context.loginIndex];
      const seen = context.chat + (event.type === 'TEXT' ? event.text : '');
      const at = step ? seen.indexOf(step.expect) : -1;
      return { chat: at >= 0 && step ? seen.slice(at + step.expect.length) : '', loginIndex: context.loginIndex + 1 };
    }),
    markConnected: assign(({ context }) => ({
      outcome: { result: 'connected' as DialResult, code: null, message: `connected on ${context.plan.device} to ${currentDial(context).number}` },
    })),
  },
}).createMachine({
  id: 'modem',
  context: ({ input }) => ({
    plan: input.plan,
    stepIndex: 0,
    lastCommand: null,
    info: [],
    quietRecoveries: 0,
    afterQuiet: 'retry',
    probeEchoed: false,
    escaped: false,
    unanswered: [],
    initOnDial: input.plan.initOnDial,
    dialedWithInit: false,
    attempts: 0,
    numberIndex: 0,
    lastDial: null,
    intermediates: [],
    connect: null,
    loginIndex: 0,
    chat: '',
    outcome: null,
    connected: false,
  }),
  initial: 'opening',
  output: ({ context }) => ({
    outcome: context.outcome ?? failure('error', 'MODEM_ABORTED', `${where(context)}: the session ended without a result`),
    connect: context.connect,
    attempts: context.attempts,
    number: context.attempts > 0 ? currentDial(context).number : null,
  }),
  states: {
    opening: {
      entry: { type: 'phase', params: { phase: 'opening' } },
      invoke: {
        src: 'openPort',
        onDone: 'commandMode',
        onError: {
          target: 'closed',
          actions: assign(({ event }) => ({ outcome: failure('error', errorCodeOf(event.error, 'MODEM_OPEN_FAILED'), errorMessageOf(event.error)) })),
        },
      },
    },

    /** Everything between opening and CONNECT/online: the port is read line by line. */
    commandMode: {
      invoke: { src: 'portEvents' },
      initial: 'probing',
      on: {
        NOISE: { actions: 'recordNoise' },
        PORT_CLOSED: {
          target: 'closed',
          actions: [
            { type: 'failIfUnset', params: ({ context, event }) => failure('error', 'MODEM_VANISHED', `${where(context)}: the port closed under us (${event.message ?? event.reason}); was the device unplugged?`) },
          ],
        },
        ABORT: {
          target: 'abortingDial',
          actions: [{ type: 'failIfUnset', params: ({ context }) => failure('error', 'MODEM_ABORTED', `${where(context)}: interrupted`) }],
        },
      },
      states: {
        /** The reset first, as chat and wvdial begin: a modem in command mode answers it (or
         * echoes it at once and answers after its reset); one still online from an earlier
         * session, or dead, stays silent and gets the guarded escape. */
        probing: {
          entry: [{ type: 'phase', params: { phase: 'probing' } }, { type: 'sending', params: ({ context }) => probeCommand(context) }, { type: 'recordTx', params: ({ context }) => probeCommand(context) }],
          invoke: { src: 'write', input: ({ context }) => ({ text: commandLine(probeCommand(context)) }), onError: { target: '#modem.closing', actions: 'failWrite' } },
          // A modem in command mode echoes in milliseconds; waiting the (long) reset
          // timeout here only delays the escape for one that is online or dead.
          after: {
            probeTimeout: [
              {
                guard: 'probeEchoed',
                target: 'quietRecovery',
                actions: [
                  { type: 'unanswered', params: ({ context }) => probeCommand(context) },
                  { type: 'quietFor', params: 'next' },
                  { type: 'note', params: ({ context }) => `${probeCommand(context)} echoed but not answered within ${formatDuration(context.plan.timeouts.probe)}: a slow reset, or result codes off (quiet mode); trying ${context.plan.quietRecovery}` },
                ],
              },
              {
                target: 'escaping',
                actions: [
                  { type: 'unanswered', params: ({ context }) => probeCommand(context) },
                  { type: 'note', params: ({ context }) => `no answer to ${probeCommand(context)}: the modem may still be online; escaping to command mode` },
                ],
              },
            ],
          },
          on: {
            LINE: [
              { guard: 'isEcho', actions: 'markProbeEchoed' },
              { guard: 'isOk', target: 'preparing.next', actions: 'recordRx' },
              { guard: 'isFinal', target: '#modem.closing', actions: ['recordRx', { type: 'fail', params: ({ context, event }) => stepRefused(context, lineOf(event)?.text ?? '') }] },
              { actions: 'recordRx' },
            ],
          },
        },

        /** The guarded escape (Hayes/V.250 S12): silence, "+++", silence, then OK. */
        escaping: {
          entry: [{ type: 'phase', params: { phase: 'escaping' } }, 'markEscaped'],
          initial: 'guardBefore',
          states: {
            guardBefore: {
              after: { guardTime: 'sendEscape' },
              // Only the probe can be answered here: a slow reset answering after all.
              on: { LINE: [{ guard: 'isOk', target: '#modem.commandMode.preparing.next', actions: ['recordRx', { type: 'note', params: 'a late answer: the modem was resetting' }] }, { actions: 'recordRx' }] },
            },
            sendEscape: {
              entry: [{ type: 'sending', params: '+++' }, { type: 'recordTx', params: '+++' }],
              invoke: { src: 'write', input: { text: '+++' }, onDone: 'guardAfter', onError: { target: '#modem.closing', actions: 'failWrite' } },
            },
            guardAfter: {
              after: { guardTime: 'awaitOk' },
              on: { LINE: [{ guard: 'isOk', target: 'hangup', actions: 'recordRx' }, { actions: 'recordRx' }] },
            },
            // The OK comes right after the second guard time (V.250 S12); one more guard
            // time is margin enough before trying the quiet-mode recovery.
            awaitOk: {
              after: {
                guardTime: {
                  target: '#modem.commandMode.quietRecovery',
                  actions: [
                    { type: 'unanswered', params: 'the +++ escape' },
                    { type: 'quietFor', params: 'retry' },
                    { type: 'note', params: 'no answer to the escape either: trying ATQ0 V1 E1 in case result codes are off (quiet mode)' },
                  ],
                },
              },
              on: { LINE: [{ guard: 'isOk', target: 'hangup', actions: 'recordRx' }, { actions: 'recordRx' }] },
            },
            hangup: {
              entry: [{ type: 'sending', params: 'ATH' }, { type: 'recordTx', params: 'ATH' }],
              invoke: { src: 'write', input: { text: commandLine('ATH') }, onError: { target: '#modem.closing', actions: 'failWrite' } },
              after: { commandTimeout: '#modem.commandMode.preparing' },
              on: { LINE: [{ guard: 'isEcho' }, { guard: 'isFinal', target: '#modem.commandMode.preparing', actions: 'recordRx' }, { actions: 'recordRx' }] },
            },
          },
        },

        /** ATQ0 V1 E1: results on, verbose, echo on. Brings back a modem left in quiet
         * mode (wvdial does the same), then retries the step that went unanswered. */
        quietRecovery: {
          entry: [{ type: 'sending', params: ({ context }) => context.plan.quietRecovery }, { type: 'recordTx', params: ({ context }) => context.plan.quietRecovery }],
          invoke: { src: 'write', input: ({ context }) => ({ text: commandLine(context.plan.quietRecovery) }), onError: { target: '#modem.closing', actions: 'failWrite' } },
          after: {
            probeTimeout: [
              {
                // Echoed but silent, even to this: perhaps the far end of a call still up
                // echoes what we send. The escape is the way back to command mode.
                guard: ({ context }) => !context.escaped,
                target: 'escaping',
                actions: [{ type: 'unanswered', params: ({ context }) => context.plan.quietRecovery }, { type: 'note', params: 'no answer either: the modem may still be online; escaping to command mode' }],
              },
              {
                target: '#modem.closing',
                actions: [
                  { type: 'unanswered', params: ({ context }) => context.plan.quietRecovery },
                  {
                    type: 'fail',
                    params: ({ context }) =>
                      failure('timeout', 'MODEM_NO_RESPONSE', `${where(context)} does not answer: nothing back to ${listOf(context.unanswered)}; check power, cable and baud rate`),
                  },
                ],
              },
            ],
          },
          on: {
            LINE: [
              { guard: 'isEcho' },
              {
                guard: ({ context, event }) => isFinal(event, 'ok') && context.afterQuiet === 'next',
                target: 'preparing.next',
                actions: ['recordRx', { type: 'note', params: 'the modem answers; going on without another reset (one that left it quiet would only do it again)' }],
              },
              {
                guard: and(['isOk', 'quietBeforeReset']),
                // ATH in case the escape left a quiet modem in online command state (the
                // reset would have hung up), then straight on to the init.
                target: 'escaping.hangup',
                actions: ['recordRx', 'skipReset', { type: 'note', params: 'the modem was in quiet mode: skipping the reset, which would bring back Q1' }],
              },
              { guard: 'isOk', target: 'preparing', actions: 'recordRx' },
              {
                guard: 'isFinal',
                target: '#modem.closing',
                actions: ['recordRx', { type: 'fail', params: ({ context }) => failure('error', 'MODEM_INIT_FAILED', `${where(context)} refused ${context.plan.quietRecovery}`) }],
              },
              { actions: 'recordRx' },
            ],
          },
        },

        /** Reset, init and check commands, one at a time; each must answer OK. */
        preparing: {
          initial: 'start',
          entry: { type: 'phase', params: { phase: 'preparing' } },
          states: {
            // Entered at any step (after a skipped reset, or back for an init that rode a
            // refused dial line); past the last line-of-its-own step, the dial is next.
            start: {
              always: [{ guard: ({ context }) => context.stepIndex < stepsBeforeDial(context), target: 'command' }, { target: '#modem.commandMode.dialing' }],
            },
            command: {
              entry: [{ type: 'sending', params: ({ context }) => currentStep(context).command }, { type: 'recordTx', params: ({ context }) => currentStep(context).command }],
              invoke: { src: 'write', input: ({ context }) => ({ text: commandLine(currentStep(context).command) }), onError: { target: '#modem.closing', actions: 'failWrite' } },
              after: {
                stepTimeout: [
                  {
                    guard: 'canRecoverQuiet',
                    target: '#modem.commandMode.quietRecovery',
                    actions: [
                      { type: 'unanswered', params: ({ context }) => currentStep(context).command },
                      { type: 'quietFor', params: ({ context }) => (currentStep(context).purpose === 'reset' ? 'next' : 'retry') },
                      { type: 'note', params: ({ context }) => `no answer to ${currentStep(context).command} within ${formatDuration(currentStep(context).timeoutMs)}` },
                    ],
                  },
                  {
                    target: '#modem.closing',
                    actions: {
                      type: 'fail',
                      params: ({ context }) =>
                        failure('timeout', 'MODEM_NO_RESPONSE', `${where(context)} did not answer ${currentStep(context).command} within ${formatDuration(currentStep(context).timeoutMs)}`),
                    },
                  },
                ],
              },
              on: {
                LINE: [
                  { guard: 'isEcho' },
                  {
                    guard: ({ context, event }) => isFinal(event, 'ok') && currentStep(context).expect !== undefined && !context.info.some((l) => l.includes(currentStep(context).expect as string)),
                    target: '#modem.closing',
                    actions: [
                      'recordRx',
                      {
                        type: 'fail',
                        params: ({ context }) => {
                          const step = currentStep(context);
                          return failure(
                            'error',
                            'MODEM_CHECK_FAILED',
                            `${where(context)}: ${step.failure ?? `${step.command} did not report "${step.expect}"`} (answer: ${context.info.join(' | ') || 'nothing'})`,
                          );
                        },
                      },
                    ],
                  },
                  { guard: 'isOk', target: 'next', actions: 'recordRx' },
                  {
                    guard: 'isFinal',
                    target: '#modem.closing',
                    actions: [
                      'recordRx',
                      {
                        type: 'fail',
                        params: ({ context, event }) => stepRefused(context, lineOf(event)?.text ?? ''),
                      },
                    ],
                  },
                  { guard: 'isInfo', actions: ['recordRx', 'collectInfo'] },
                  { actions: 'recordRx' },
                ],
              },
            },
            next: {
              always: [
                { guard: 'hasMoreSteps', target: 'command', actions: 'nextStep' },
                { target: '#modem.commandMode.dialing' },
              ],
            },
          },
        },

        dialing: {
          exit: 'initApplied',
          entry: [
            'startAttempt',
            { type: 'phase', params: ({ context }) => ({ phase: 'dialing' as const, detail: currentDial(context).number }) },
            { type: 'sending', params: ({ context }) => currentDial(context).command },
            { type: 'recordTx', params: ({ context }) => currentDial(context).command },
          ],
          // holdAtConnect: the port stops reading right after the CONNECT line, so what
          // follows it is left for the login chat or pppd (see read-gate.ts).
          invoke: { src: 'write', input: ({ context }) => ({ text: commandLine(currentDial(context).command), holdAtConnect: true }), onError: { target: '#modem.closing', actions: 'failWrite' } },
          after: {
            dialTimeout: {
              target: 'dialAborting',
              actions: ['recordTimeout', { type: 'note', params: ({ context }) => `no answer to the dial within ${formatDuration(context.plan.timeouts.dial)}: aborting it` }],
            },
          },
          on: {
            LINE: [
              { guard: 'isEcho' },
              { guard: 'isIntermediate', actions: ['recordRx', 'collectIntermediate'] },
              {
                guard: 'isConnect',
                target: 'connected',
                actions: ['recordRx', 'recordConnect'],
              },
              { guard: 'isFinal', target: 'dialFailed', actions: ['recordRx', 'recordDialResult'] },
              { actions: 'recordRx' },
            ],
          },
        },

        /** Any character aborts a dial in progress (V.250 6.3.1); the modem says NO CARRIER. */
        dialAborting: {
          entry: { type: 'recordTx', params: '(abort dial)' },
          invoke: { src: 'write', input: { text: '\r' }, onError: { target: '#modem.closing', actions: 'failWrite' } },
          after: { commandTimeout: 'dialFailed' },
          on: { LINE: [{ guard: 'isFinal', target: 'dialFailed', actions: 'recordRx' }, { actions: 'recordRx' }] },
        },

        dialFailed: {
          always: [
            {
              guard: 'joinedLineRefused',
              target: 'preparing',
              actions: ['separateInit', { type: 'note', params: 'ERROR to the init and dial on one line: sending them one at a time' }],
            },
            {
              guard: 'longBackoff',
              target: '#modem.closing',
              actions: {
                type: 'fail',
                params: ({ context }) =>
                  failure(
                    dialResultOf(context.lastDial as DialOutcome),
                    'MODEM_DIAL_FAILED',
                    `${where(context)}: the modem refuses to dial ${currentDial(context).number} for now (${context.lastDial}); try again in ${formatDuration(context.plan.longBackoffMs)}`,
                    context.plan.longBackoffMs,
                  ),
              },
            },
            {
              guard: 'dialRetryable',
              target: 'redialWait',
              actions: { type: 'note', params: ({ context }) => `${context.lastDial} on ${currentDial(context).number}; next attempt in ${formatDuration(context.plan.redialDelayMs)}` },
            },
            {
              target: '#modem.closing',
              actions: {
                type: 'fail',
                params: ({ context }) => {
                  const outcome = context.lastDial ?? 'error';
                  return failure(
                    dialResultOf(outcome),
                    outcome === 'timeout' ? 'MODEM_TIMEOUT' : 'MODEM_DIAL_FAILED',
                    `${where(context)}: ${outcome} dialing ${currentDial(context).number} (attempt ${context.attempts} of ${context.plan.maxAttempts})`,
                  );
                },
              },
            },
          ],
        },

        /** The redial delay; the next attempt dials the next number (BUSY rotation). */
        redialWait: {
          entry: ['rotateNumber', { type: 'phase', params: { phase: 'redial-wait' } }],
          after: { redialDelay: 'dialing' },
        },

        connected: {
          always: [{ guard: 'hasLogin', target: 'login' }, { target: '#modem.online' }],
        },

        /** The login chat (expect/send, as chat(8)): raw text is matched, prompts need no
         * line end. Secret sends are masked in the transcript before it leaves the machine. */
        login: {
          entry: { type: 'phase', params: { phase: 'login' } },
          // The port held its reads at the end of the CONNECT line; the chat reads on from there.
          invoke: { src: 'resumeReading' },
          on: { ABORT: { target: '#modem.hangingUp', actions: { type: 'failIfUnset', params: ({ context }) => failure('error', 'MODEM_ABORTED', `${where(context)}: interrupted during login`) } } },
          initial: 'waiting',
          states: {
            waiting: {
              after: {
                loginTimeout: {
                  target: '#modem.hangingUp',
                  actions: {
                    type: 'fail',
                    params: ({ context }) =>
                      failure('error', 'MODEM_LOGIN_FAILED', `${where(context)}: login prompt "${context.plan.login[context.loginIndex]?.expect}" not seen within ${formatDuration(context.plan.login[context.loginIndex]?.timeoutMs ?? 0)}`),
                  },
                },
              },
              on: {
                TEXT: [
                  {
                    guard: 'loginFailed',
                    target: '#modem.hangingUp',
                    actions: ['appendChat', { type: 'fail', params: ({ context }) => loginRefused(context) }],
                  },
                  { guard: 'loginMatched', target: 'sending', actions: 'appendChat' },
                  { actions: 'appendChat' },
                ],
                LINE: [
                  {
                    guard: 'isNoCarrier',
                    target: '#modem.closing',
                    actions: ['recordRx', { type: 'fail', params: ({ context }) => failure('no-carrier', 'MODEM_LOGIN_FAILED', `${where(context)}: the line dropped during login`) }],
                  },
                  { actions: 'recordRx' },
                ],
              },
            },
            sending: {
              entry: [
                {
                  type: 'recordTx',
                  params: ({ context }) => {
                    const step = context.plan.login[context.loginIndex];
                    return step?.send === undefined ? '(prompt seen)' : step.secret ? MASK : step.send;
                  },
                },
              ],
              invoke: {
                src: 'write',
                input: ({ context }) => {
                  const step = context.plan.login[context.loginIndex];
                  return { text: step?.send === undefined ? '' : `${step.send}\r` };
                },
                onDone: { target: 'advance', actions: 'consumeChat' },
                onError: { target: '#modem.closing', actions: 'failWrite' },
              },
              on: { TEXT: { actions: 'appendChat' } },
            },
            /** The remote may have answered while we were still writing: look at what
             * is already there before waiting for more. */
            advance: {
              always: [
                {
                  guard: 'loginFailed',
                  target: '#modem.hangingUp',
                  actions: { type: 'fail', params: ({ context }) => loginRefused(context) },
                },
                { guard: 'loginDone', target: 'settling' },
                { guard: 'loginMatched', target: 'sending' },
                { target: 'waiting' },
              ],
            },
            /** After the last answer a refusal ("Login incorrect", the login prompt again)
             * comes within moments; success is PPP starting, the profile's success text, or
             * silence for the settle time (chat(8) would simply stop here). */
            settling: {
              always: [
                { guard: 'loginFailed', target: '#modem.hangingUp', actions: { type: 'fail', params: ({ context }) => loginRefused(context) } },
                { guard: 'loginPromptAgain', target: '#modem.hangingUp', actions: { type: 'fail', params: ({ context }) => loginRefused(context) } },
                { guard: 'loginSucceeded', target: '#modem.online' },
              ],
              after: { loginSettle: '#modem.online' },
              on: {
                TEXT: [
                  { guard: 'loginFailed', target: '#modem.hangingUp', actions: ['appendChat', { type: 'fail', params: ({ context }) => loginRefused(context) }] },
                  { guard: 'loginPromptAgain', target: '#modem.hangingUp', actions: ['appendChat', { type: 'fail', params: ({ context }) => loginRefused(context) }] },
                  { guard: 'loginSucceeded', target: '#modem.online', actions: 'appendChat' },
                  { actions: 'appendChat' },
                ],
              },
            },
          },
        },
      },
    },

    /** The line is up. A dial hangs up at once; a link holds the line for pppd. */
    online: {
      entry: ['markConnected', { type: 'phase', params: { phase: 'online' } }],
      always: { guard: ({ context }) => !context.plan.holdLine, target: 'hangingUp' },
      on: {
        HANGUP: 'hangingUp',
        ABORT: 'hangingUp',
        PORT_CLOSED: 'closed',
      },
    },

    /** Aborting before CONNECT: one character stops a dial in progress, then DTR drop. */
    abortingDial: {
      invoke: { src: 'write', input: { text: '\r' }, onDone: 'closing', onError: 'closing' },
      after: { commandTimeout: 'closing' },
    },

    /** Guarded escape to command mode, ATH, then close with DTR dropped. */
    hangingUp: {
      entry: { type: 'phase', params: { phase: 'hanging-up' } },
      invoke: { src: 'portEvents' },
      initial: 'choosing',
      on: {
        PORT_CLOSED: 'closed',
        NOISE: { actions: 'recordNoise' },
      },
      states: {
        // With &D2 (V.250 6.2.9) the DTR drop of closing the port ends the call at once
        // (on a pty, closing with HUPCL is the hang-up); the escape's two guard times and
        // ATH are only for modems that ignore DTR.
        choosing: {
          always: [
            { guard: 'dtrHangsUp', target: '#modem.closing', actions: { type: 'note', params: 'hanging up by dropping DTR (&D2)' } },
            { target: 'guardBefore' },
          ],
        },
        guardBefore: {
          // the port reads on again after the hold at CONNECT: we need the modem's answers
          invoke: { src: 'resumeReading' },
          after: { guardTime: 'sendEscape' },
        },
        sendEscape: {
          entry: [{ type: 'sending', params: '+++' }, { type: 'recordTx', params: '+++' }],
          invoke: { src: 'write', input: { text: '+++' }, onDone: 'guardAfter', onError: '#modem.closing' },
          // a write that never drains (a wedged line) must not keep the hang-up from ending
          after: { commandTimeout: '#modem.closing' },
        },
        guardAfter: {
          after: { guardTime: 'awaitOk' },
          on: { LINE: [{ guard: 'isOk', target: 'hangup', actions: 'recordRx' }, { actions: 'recordRx' }] },
        },
        // A modem answers the escape right after the second guard time; one that has not
        // after another guard time either lost carrier already (back in command mode, it
        // took "+++" as text) or ignores escapes: ATH and the DTR drop settle both.
        awaitOk: {
          after: { guardTime: 'hangup' },
          on: { LINE: [{ guard: 'isOk', target: 'hangup', actions: 'recordRx' }, { actions: 'recordRx' }] },
        },
        hangup: {
          entry: [{ type: 'sending', params: 'ATH' }, { type: 'recordTx', params: 'ATH' }],
          invoke: { src: 'write', input: { text: commandLine('ATH') }, onError: '#modem.closing' },
          after: { commandTimeout: '#modem.closing' },
          on: { LINE: [{ guard: 'isEcho' }, { guard: 'isFinal', target: '#modem.closing', actions: 'recordRx' }, { actions: 'recordRx' }] },
        },
      },
    },

    /** Close with DTR dropped: with &D2 the modem hangs up whatever state it is in. */
    closing: {
      entry: { type: 'phase', params: { phase: 'closing' } },
      invoke: { src: 'closePort', input: { dropDtr: true }, onDone: 'closed', onError: 'closed' },
    },

    closed: {
      type: 'final',
      entry: { type: 'phase', params: { phase: 'closed' } },
    },
  },
});

export type ModemMachine = typeof modemMachine;
