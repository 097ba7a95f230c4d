/**
 * Getting a modem's attention: from whatever state an earlier session or a power-up left
 * it in, to command mode with result codes on. At the start of a session it is the probe,
 * which is the reset itself (ATZ, as chat and wvdial begin): answered, the session goes on;
 * echoed but unanswered after the probe time, it is a slow reset or quiet mode (Q1), and
 * ATQ0 V1 E1 tells which; not even echoed, the modem is online or dead, and the guarded
 * escape and ATH bring an online one back. Later, a step that goes unanswered enters at
 * the quiet-mode recovery. The output says at which step the session resumes, or why not.
 */
import { and, assign, not, sendParent, sendTo, setup } from 'xstate';
import type { Classified } from '../hayes/index.js';
import { formatDuration } from '../util/duration.js';
import { finalIs, isStatus, outputOf, type ChildReport } from './child-output.js';
import { exchangeMachine, type ExchangeInput, type ExchangeOutput } from './exchange.js';
import { guardedEscapeMachine, type EscapeOutput } from './guarded-escape.js';
import type { ModemPlan } from './plan.js';

/** Where the modem's silence began. */
export type WakeFrom =
  /** The session's start: probe with the reset. */
  | { at: 'probe' }
  /** A step went unanswered: try the quiet-mode recovery, then retry it (or skip it, for
   * a reset: one that left the modem quiet would only do it again). */
  | { at: 'step'; stepIndex: number };

/** What is remembered across wakes of one session (each recovery is tried a bounded
 * number of times, and the message names everything that went unanswered). */
export interface WakeMemory {
  escaped: boolean;
  quietRecoveries: number;
  unanswered: string[];
}

export interface WakeInput {
  plan: ModemPlan;
  from: WakeFrom;
  memory: WakeMemory;
}

export type WakeOutput = { memory: WakeMemory } & (
  | { status: 'awake'; resumeAt: number }
  /** The probe (the reset) was answered with a final result other than OK. */
  | { status: 'refused'; answer: string }
  /** The modem refused the recovery, or nothing answered at all: `code` says which. */
  | { status: 'failed'; code: 'MODEM_INIT_FAILED' | 'MODEM_NO_RESPONSE'; message: string }
  | { status: 'write-failed'; error: unknown }
);

export type WakeEvent = { type: 'LINE'; line: Classified } | ChildReport;

interface WakeContext extends WakeInput {
  /** After a good ATQ0 V1 E1: retry the step that went unanswered, or go past it. */
  afterQuiet: 'retry' | 'next';
  stepIndex: number;
  output: WakeOutput | null;
}

const exchangeOutput = (event: unknown): ExchangeOutput => outputOf<ExchangeOutput>(event);

/** "a", "a and b", "a, b and c". */
function listOf(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? 'anything') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function probeCommand(plan: ModemPlan): string {
  return plan.steps[0]?.command ?? 'AT';
}

const exchange = (command: string, timeoutMs: number): ExchangeInput => ({ command, timeoutMs });

export const wakeMachine = setup({
  types: {
    context: {} as WakeContext,
    events: {} as WakeEvent,
    input: {} as WakeInput,
    output: {} as WakeOutput,
  },
  actors: { exchange: exchangeMachine, escape: guardedEscapeMachine },
  guards: {
    escaped: ({ context }) => context.memory.escaped,
    retryingStep: ({ context }) => context.afterQuiet === 'retry',
    /** Found quiet before its reset: ATZ would restore the stored Q1 and answer nothing,
     * so the reset is skipped (the init that follows sets Q0 V1 E1 itself). */
    quietBeforeReset: ({ context }) => context.from.at === 'probe' && context.plan.steps[0]?.purpose === 'reset' && context.plan.steps.length > 1,
  },
  actions: {
    tx: sendParent((_, text: string): ChildReport => ({ type: 'TX', text })),
    note: sendParent((_, text: string): ChildReport => ({ type: 'NOTE', text })),
    /** A child's report goes up as it is. */
    report: sendParent(({ event }) => event as ChildReport),
    toChild: sendTo((_, child: string) => child, ({ event }) => event),
    unanswered: assign(({ context }, what: string) => ({ memory: { ...context.memory, unanswered: [...context.memory.unanswered, what] } })),
    quietFor: assign(({ context }, afterQuiet: 'retry' | 'next') => ({ afterQuiet, memory: { ...context.memory, quietRecoveries: context.memory.quietRecoveries + 1 } })),
    awake: assign(({ context }, resumeAt: number) => ({ output: { status: 'awake' as const, resumeAt, memory: context.memory } })),
    failed: assign(({ context }, failure: { code: 'MODEM_INIT_FAILED' | 'MODEM_NO_RESPONSE'; message: string }) => ({ output: { status: 'failed' as const, ...failure, memory: context.memory } })),
    writeFailed: assign(({ context, event }) => ({ output: { status: 'write-failed' as const, error: outputOf<{ error?: unknown }>(event).error, memory: context.memory } })),
    /** Past the step that went unanswered (or past the reset the probe was). */
    resumeNext: assign(({ context }) => ({ output: { status: 'awake' as const, resumeAt: context.stepIndex + 1, memory: context.memory } })),
  },
}).createMachine({
  id: 'wake',
  context: ({ input }) => ({ ...input, afterQuiet: 'next', stepIndex: input.from.at === 'step' ? input.from.stepIndex : 0, output: null }),
  initial: 'start',
  on: {
    LINE: { actions: { type: 'toChild', params: 'exchange' } },
    TX: { actions: 'report' },
    NOTE: { actions: 'report' },
    PHASE: { actions: 'report' },
  },
  states: {
    start: {
      always: [
        { guard: ({ context }) => context.from.at === 'probe', target: 'probing' },
        {
          target: 'quietRecovery',
          actions: [
            { type: 'unanswered', params: ({ context }) => context.plan.steps[context.stepIndex]?.command ?? '?' },
            { type: 'quietFor', params: ({ context }) => (context.plan.steps[context.stepIndex]?.purpose === 'reset' ? 'next' : 'retry') },
            {
              type: 'note',
              params: ({ context }) => {
                const step = context.plan.steps[context.stepIndex];
                return `no answer to ${step?.command} within ${formatDuration(step?.timeoutMs ?? 0)}`;
              },
            },
          ],
        },
      ],
    },

    // A modem in command mode echoes in milliseconds; waiting the (long) reset timeout
    // here would only delay the escape for one that is online or dead.
    probing: {
      entry: { type: 'tx', params: ({ context }) => probeCommand(context.plan) },
      invoke: {
        src: 'exchange',
        id: 'exchange',
        input: ({ context }) => exchange(probeCommand(context.plan), context.plan.timeouts.probe),
        onDone: [
          { guard: isStatus<ExchangeOutput>('write-failed'), target: 'done', actions: 'writeFailed' },
          { guard: finalIs('ok'), target: 'done', actions: 'resumeNext' },
          {
            guard: finalIs(),
            target: 'done',
            actions: assign(({ context, event }) => {
              const output = exchangeOutput(event);
              return { output: { status: 'refused' as const, answer: output.status === 'final' ? output.final.text : '', memory: context.memory } };
            }),
          },
          {
            guard: ({ event }) => (exchangeOutput(event) as { echoed?: boolean }).echoed === true,
            target: 'quietRecovery',
            actions: [
              { type: 'unanswered', params: ({ context }) => probeCommand(context.plan) },
              { type: 'quietFor', params: 'next' },
              { type: 'note', params: ({ context }) => `${probeCommand(context.plan)} echoed but not answered within ${formatDuration(context.plan.timeouts.probe)}: a slow reset, or result codes off (quiet mode); trying ${context.plan.quietRecovery}` },
            ],
          },
          {
            target: 'escaping',
            actions: [{ type: 'unanswered', params: ({ context }) => probeCommand(context.plan) }, { type: 'note', params: ({ context }) => `no answer to ${probeCommand(context.plan)}: the modem may still be online; escaping to command mode` }],
          },
        ],
      },
    },

    escaping: {
      entry: [assign(({ context }) => ({ memory: { ...context.memory, escaped: true } })), sendParent({ type: 'PHASE', phase: 'escaping' } satisfies ChildReport)],
      invoke: {
        src: 'escape',
        id: 'escape',
        input: ({ context }) => ({ guardMs: context.plan.timeouts.guard, writeTimeoutMs: context.plan.timeouts.command, acceptLateAnswer: true }),
        onDone: [
          { guard: isStatus<EscapeOutput>('write-failed'), target: 'done', actions: 'writeFailed' },
          // Only the probe can be answered before "+++": a slow reset answering after all.
          { guard: isStatus<EscapeOutput>('late-answer'), target: 'done', actions: [{ type: 'note', params: 'a late answer: the modem was resetting' }, 'resumeNext'] },
          { guard: isStatus<EscapeOutput>('ok'), target: 'hangingUp' },
          {
            target: 'quietRecovery',
            actions: [{ type: 'unanswered', params: 'the +++ escape' }, { type: 'quietFor', params: 'retry' }, { type: 'note', params: 'no answer to the escape either: trying ATQ0 V1 E1 in case result codes are off (quiet mode)' }],
          },
        ],
      },
      on: { LINE: { actions: { type: 'toChild', params: 'escape' } } },
    },

    /** ATH after the escape (or after a quiet modem came back: it may have been online),
     * then the session resumes at `stepIndex`. */
    hangingUp: {
      entry: { type: 'tx', params: 'ATH' },
      invoke: {
        src: 'exchange',
        id: 'exchange',
        input: ({ context }) => exchange('ATH', context.plan.timeouts.command),
        onDone: [{ guard: isStatus<ExchangeOutput>('write-failed'), target: 'done', actions: 'writeFailed' }, { target: 'done', actions: { type: 'awake', params: ({ context }) => context.stepIndex } }],
      },
    },

    /** ATQ0 V1 E1: results on, verbose, echo on. Brings back a modem left in quiet mode
     * (wvdial does the same). */
    quietRecovery: {
      entry: { type: 'tx', params: ({ context }) => context.plan.quietRecovery },
      invoke: {
        src: 'exchange',
        id: 'exchange',
        input: ({ context }) => exchange(context.plan.quietRecovery, context.plan.timeouts.probe),
        onDone: [
          { guard: isStatus<ExchangeOutput>('write-failed'), target: 'done', actions: 'writeFailed' },
          {
            // ATH in case the escape left a quiet modem in online command state (the reset
            // would have hung up), then straight on to the init.
            guard: and([finalIs('ok'), 'retryingStep', 'quietBeforeReset']),
            target: 'hangingUp',
            actions: [assign({ stepIndex: 1 }), { type: 'note', params: 'the modem was in quiet mode: skipping the reset, which would bring back Q1' }],
          },
          { guard: and([finalIs('ok'), 'retryingStep']), target: 'done', actions: { type: 'awake', params: ({ context }) => context.stepIndex } },
          { guard: finalIs('ok'), target: 'done', actions: [{ type: 'note', params: 'the modem answers; going on without another reset (one that left it quiet would only do it again)' }, 'resumeNext'] },
          { guard: finalIs(), target: 'done', actions: { type: 'failed', params: ({ context }) => ({ code: 'MODEM_INIT_FAILED' as const, message: `refused ${context.plan.quietRecovery}` }) } },
          {
            // Echoed but silent, even to this: perhaps the far end of a call still up
            // echoes what we send. The escape is the way back to command mode.
            guard: not('escaped'),
            target: 'escaping',
            actions: [{ type: 'unanswered', params: ({ context }) => context.plan.quietRecovery }, { type: 'note', params: 'no answer either: the modem may still be online; escaping to command mode' }],
          },
          {
            target: 'done',
            actions: [
              { type: 'unanswered', params: ({ context }) => context.plan.quietRecovery },
              { type: 'failed', params: ({ context }) => ({ code: 'MODEM_NO_RESPONSE' as const, message: `does not answer: nothing back to ${listOf(context.memory.unanswered)}; check power, cable and baud rate` }) },
            ],
          },
        ],
      },
    },

    done: { type: 'final' },
  },
  output: ({ context }): WakeOutput => context.output ?? { status: 'awake', resumeAt: context.stepIndex, memory: context.memory },
});

export type WakeMachine = typeof wakeMachine;
