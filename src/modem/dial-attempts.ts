/**
 * The dial: ATD and its final result, attempt after attempt. BUSY, NO CARRIER and the
 * other outcomes the profile retries dial the next number after the redial delay (the
 * rotation wvdial does); a dial unanswered within the dial timeout is aborted with a
 * keypress (V.250 6.3.1: any character aborts it; the modem says NO CARRIER); DELAYED and
 * BLACKLISTED stop at once with the long back-off, since a GSM modem refuses the number for
 * a while and every refused attempt brings BLACKLISTED closer. The first dial may carry the
 * last init on its line; an ERROR to that line is handed back, so that the init runs alone
 * and tells which of the two the modem refused.
 */
import { assign, sendParent, sendTo, setup } from 'xstate';
import { mergeConnectDetails, parseConnect, type Classified, type ConnectInfo } from '../hayes/index.js';
import type { DialOutcome } from '../profiles/index.js';
import { formatDuration } from '../util/duration.js';
import { childWriteFailed, finalIs, isStatus, outputOf, type ChildReport } from './child-output.js';
import { exchangeMachine, type ExchangeOutput, type IntermediateLine } from './exchange.js';
import { dialOutcomeOf, dialResultOf, failure, modemOn, type ModemOutcome } from './outcome.js';
import type { ModemPlan } from './plan.js';

export interface DialAttemptsInput {
  plan: ModemPlan;
  /** The first dial carries the last init (plan.initOnDial), until it has been sent. */
  withInit: boolean;
  /** Attempts made and the number reached so far in this session. */
  attempts: number;
  numberIndex: number;
}

export type Connect = ConnectInfo & { carrierSpeed?: number };

export type DialAttemptsOutput = { attempts: number; numberIndex: number } & (
  | { status: 'connected'; connect: Connect }
  | { status: 'failed'; outcome: ModemOutcome }
  /** ERROR to the init and the dial on one line: send them apart. */
  | { status: 'init-refused' }
);

export type DialAttemptsEvent = { type: 'LINE'; line: Classified };

interface DialContext extends DialAttemptsInput {
  lastDial: DialOutcome | null;
  dialedWithInit: boolean;
  output: DialAttemptsOutput | null;
}

/** The number and command line of the dial in turn. */
export function dialOf(plan: ModemPlan, numberIndex: number, withInit: boolean): { number: string; command: string } {
  const dial = plan.dials[numberIndex % plan.dials.length] as ModemPlan['dials'][number];
  return { number: dial.number, command: withInit && dial.withInit ? dial.withInit : dial.command };
}

const current = (context: DialContext) => dialOf(context.plan, context.numberIndex, context.withInit);
const ended = (context: DialContext, rest: { status: 'connected'; connect: Connect } | { status: 'failed'; outcome: ModemOutcome } | { status: 'init-refused' }): DialAttemptsOutput => ({
  attempts: context.attempts,
  numberIndex: context.numberIndex,
  ...rest,
});

export const dialAttemptsMachine = setup({
  types: {
    context: {} as DialContext,
    events: {} as DialAttemptsEvent,
    input: {} as DialAttemptsInput,
    output: {} as DialAttemptsOutput,
  },
  actors: { exchange: exchangeMachine },
  delays: {
    redialDelay: ({ context }) => context.plan.redialDelayMs,
  },
  guards: {
    joinedLineRefused: ({ context }) => context.dialedWithInit && context.lastDial === 'error',
    longBackoff: ({ context }) => context.lastDial === 'delayed' || context.lastDial === 'blacklisted',
    retryable: ({ context }) => context.lastDial !== null && context.plan.retryOn.includes(context.lastDial) && context.attempts < context.plan.maxAttempts,
  },
  actions: {
    report: sendParent((_, report: ChildReport) => report),
    toExchange: sendTo('exchange', ({ event }) => event),
    fail: assign(({ context }, outcome: ModemOutcome) => ({ output: ended(context, { status: 'failed', outcome }) })),
  },
}).createMachine({
  id: 'dialAttempts',
  context: ({ input }) => ({ ...input, lastDial: null, dialedWithInit: false, output: null }),
  initial: 'dialing',
  on: { LINE: { actions: 'toExchange' } },
  states: {
    dialing: {
      entry: [
        assign(({ context }) => ({ attempts: context.attempts + 1, lastDial: null, dialedWithInit: context.withInit })),
        { type: 'report', params: ({ context }) => ({ type: 'PHASE', phase: 'dialing', detail: current(context).number }) },
        { type: 'report', params: ({ context }) => ({ type: 'TX', text: current(context).command }) },
      ],
      // Whatever the result, the modem has seen the init (or refused the line).
      exit: assign({ withInit: false }),
      // holdAtConnect: the port stops reading right after the CONNECT line, so what
      // follows it is left for the login chat or pppd (see read-gate.ts).
      invoke: {
        src: 'exchange',
        id: 'exchange',
        input: ({ context }) => ({ command: current(context).command, timeoutMs: context.plan.timeouts.dial, holdAtConnect: true }),
        onDone: [
          { guard: isStatus<ExchangeOutput>('write-failed'), target: 'done', actions: { type: 'fail', params: childWriteFailed } },
          {
            guard: finalIs('connect'),
            target: 'done',
            actions: assign(({ context, event }) => {
              const output = outputOf<Extract<ExchangeOutput, { status: 'final' }>>(event);
              const connect = mergeConnectDetails(output.final.connect ?? parseConnect(output.final.text), output.intermediates as IntermediateLine[]);
              return { output: ended(context, { status: 'connected', connect }) };
            }),
          },
          { guard: finalIs(), target: 'judged', actions: assign(({ event }) => ({ lastDial: dialOutcomeOf(outputOf<Extract<ExchangeOutput, { status: 'final' }>>(event).final.result) })) },
          {
            target: 'aborting',
            actions: [assign({ lastDial: 'timeout' as DialOutcome }), { type: 'report', params: ({ context }) => ({ type: 'NOTE', text: `no answer to the dial within ${formatDuration(context.plan.timeouts.dial)}: aborting it` }) }],
          },
        ],
      },
    },

    aborting: {
      entry: { type: 'report', params: { type: 'TX', text: '(abort dial)' } },
      invoke: {
        src: 'exchange',
        id: 'exchange',
        // Named after the dial it aborts: its NO CARRIER is that call's result.
        input: ({ context }) => ({ command: current(context).command, send: '\r', timeoutMs: context.plan.timeouts.command }),
        onDone: [{ guard: isStatus<ExchangeOutput>('write-failed'), target: 'done', actions: { type: 'fail', params: childWriteFailed } }, { target: 'judged' }],
      },
    },

    judged: {
      always: [
        // The refused line was no dial attempt.
        { guard: 'joinedLineRefused', target: 'done', actions: assign(({ context }) => ({ output: ended({ ...context, attempts: context.attempts - 1 }, { status: 'init-refused' }) })) },
        {
          guard: 'longBackoff',
          target: 'done',
          actions: {
            type: 'fail',
            params: ({ context }) =>
              failure(
                dialResultOf(context.lastDial as DialOutcome),
                'MODEM_DIAL_FAILED',
                `${modemOn(context.plan.device)}: the modem refuses to dial ${current(context).number} for now (${context.lastDial}); try again in ${formatDuration(context.plan.longBackoffMs)}`,
                context.plan.longBackoffMs,
              ),
          },
        },
        { guard: 'retryable', target: 'redialWait', actions: { type: 'report', params: ({ context }) => ({ type: 'NOTE', text: `${context.lastDial} on ${current(context).number}; next attempt in ${formatDuration(context.plan.redialDelayMs)}` }) } },
        {
          target: 'done',
          actions: {
            type: 'fail',
            params: ({ context }) => {
              const outcome = context.lastDial ?? 'error';
              return failure(dialResultOf(outcome), outcome === 'timeout' ? 'MODEM_TIMEOUT' : 'MODEM_DIAL_FAILED', `${modemOn(context.plan.device)}: ${outcome} dialing ${current(context).number} (attempt ${context.attempts} of ${context.plan.maxAttempts})`);
            },
          },
        },
      ],
    },

    /** The redial delay; the next attempt dials the next number (BUSY rotation). */
    redialWait: {
      entry: [assign(({ context }) => ({ numberIndex: context.numberIndex + 1 })), { type: 'report', params: { type: 'PHASE', phase: 'redial-wait' } }],
      after: { redialDelay: 'dialing' },
    },

    done: { type: 'final' },
  },
  output: ({ context }): DialAttemptsOutput => context.output ?? ended(context, { status: 'failed', outcome: failure('error', 'MODEM_DIAL_FAILED', `${modemOn(context.plan.device)}: the dial ended without a result`) }),
});

export type DialAttemptsMachine = typeof dialAttemptsMachine;
