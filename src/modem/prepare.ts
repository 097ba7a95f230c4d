/**
 * The preparation before a dial: the plan's reset, init and check commands, one AT
 * exchange each, from a given step on; each must answer OK (and a check must say what it
 * expects, e.g. "+CPIN: READY"). A step that goes unanswered wakes the modem (wake.ts: it
 * may have result codes off) and is tried again, twice at most in a session.
 */
import { assign, sendParent, sendTo, setup } from 'xstate';
import type { Classified } from '../hayes/index.js';
import { formatDuration } from '../util/duration.js';
import { answerText, childWriteFailed, finalIs, isStatus, outputOf, type ChildReport } from './child-output.js';
import { exchangeMachine, type ExchangeOutput } from './exchange.js';
import { failure, modemOn, stepRefused, writeFailed, type ModemOutcome } from './outcome.js';
import type { ModemPlan, PlanStep } from './plan.js';
import { wakeMachine, type WakeMemory, type WakeOutput } from './wake.js';

export interface PrepareInput {
  plan: ModemPlan;
  /** The first step to run. */
  from: number;
  /** Steps from this one on are not run here (the last init rides the dial's line). */
  until: number;
  memory: WakeMemory;
}

export type PrepareOutput = { memory: WakeMemory } & ({ status: 'ready' } | { status: 'failed'; outcome: ModemOutcome });

export type PrepareEvent = { type: 'LINE'; line: Classified } | ChildReport;

interface PrepareContext extends PrepareInput {
  stepIndex: number;
  output: PrepareOutput | null;
}

function stepOf(context: PrepareContext): PlanStep {
  const step = context.plan.steps[context.stepIndex];
  if (!step) throw new Error(`modem plan has no step ${context.stepIndex}`);
  return step;
}

/** A check answered OK, but without the line it must report (SIM not ready, ...). */
function checkUnmet(context: PrepareContext, output: ExchangeOutput): boolean {
  const expect = stepOf(context).expect;
  return output.status === 'final' && output.final.result === 'ok' && expect !== undefined && !output.info.some((line) => line.includes(expect));
}

export const prepareMachine = setup({
  types: {
    context: {} as PrepareContext,
    events: {} as PrepareEvent,
    input: {} as PrepareInput,
    output: {} as PrepareOutput,
  },
  actors: { exchange: exchangeMachine, wake: wakeMachine },
  guards: {
    moreSteps: ({ context }) => context.stepIndex < context.until,
    canRecoverQuiet: ({ context }) => context.memory.quietRecoveries < 2,
  },
  actions: {
    report: sendParent(({ event }) => event as ChildReport),
    toChild: sendTo((_, child: string) => child, ({ event }) => event),
    fail: assign(({ context }, outcome: ModemOutcome) => ({ output: { status: 'failed' as const, outcome, memory: context.memory } })),
  },
}).createMachine({
  id: 'prepare',
  context: ({ input }) => ({ ...input, stepIndex: input.from, output: null }),
  initial: 'next',
  on: {
    TX: { actions: 'report' },
    NOTE: { actions: 'report' },
    PHASE: { actions: 'report' },
  },
  states: {
    next: {
      always: [{ guard: 'moreSteps', target: 'command' }, { target: 'done', actions: assign(({ context }) => ({ output: { status: 'ready' as const, memory: context.memory } })) }],
    },
    command: {
      entry: sendParent(({ context }): ChildReport => ({ type: 'TX', text: stepOf(context).command })),
      invoke: {
        src: 'exchange',
        id: 'exchange',
        input: ({ context }) => ({ command: stepOf(context).command, timeoutMs: stepOf(context).timeoutMs }),
        onDone: [
          { guard: isStatus<ExchangeOutput>('write-failed'), target: 'done', actions: { type: 'fail', params: childWriteFailed } },
          {
            guard: ({ context, event }) => checkUnmet(context, outputOf(event)),
            target: 'done',
            actions: {
              type: 'fail',
              params: ({ context, event }) => {
                const step = stepOf(context);
                const info = outputOf<{ info: string[] }>(event).info;
                return failure('error', 'MODEM_CHECK_FAILED', `${modemOn(context.plan.device)}: ${step.failure ?? `${step.command} did not report "${step.expect}"`} (answer: ${info.join(' | ') || 'nothing'})`);
              },
            },
          },
          { guard: finalIs('ok'), target: 'next', actions: assign(({ context }) => ({ stepIndex: context.stepIndex + 1 })) },
          { guard: finalIs(), target: 'done', actions: { type: 'fail', params: ({ context, event }) => stepRefused(context.plan.device, stepOf(context), answerText(event)) } },
          { guard: 'canRecoverQuiet', target: 'waking' },
          {
            target: 'done',
            actions: {
              type: 'fail',
              params: ({ context }) => failure('timeout', 'MODEM_NO_RESPONSE', `${modemOn(context.plan.device)} did not answer ${stepOf(context).command} within ${formatDuration(stepOf(context).timeoutMs)}`),
            },
          },
        ],
      },
      on: { LINE: { actions: { type: 'toChild', params: 'exchange' } } },
    },
    /** Unanswered: perhaps result codes are off (quiet mode). */
    waking: {
      invoke: {
        src: 'wake',
        id: 'wake',
        input: ({ context }) => ({ plan: context.plan, from: { at: 'step' as const, stepIndex: context.stepIndex }, memory: context.memory }),
        onDone: [
          { guard: isStatus<WakeOutput>('awake'), target: 'next', actions: assign(({ event }) => ({ stepIndex: outputOf<{ resumeAt: number }>(event).resumeAt, memory: outputOf<WakeOutput>(event).memory })) },
          { target: 'done', actions: assign(({ context, event }) => ({ output: { status: 'failed' as const, outcome: wakeFailure(context.plan, outputOf(event)), memory: outputOf<WakeOutput>(event).memory } })) },
        ],
      },
      on: { LINE: { actions: { type: 'toChild', params: 'wake' } } },
    },
    done: { type: 'final' },
  },
  output: ({ context }): PrepareOutput => context.output ?? { status: 'ready', memory: context.memory },
});

/** Why a wake that did not end awake ends the session. */
export function wakeFailure(plan: ModemPlan, wake: WakeOutput): ModemOutcome {
  switch (wake.status) {
    case 'write-failed':
      return writeFailed(plan.device, wake.error);
    case 'refused':
      return stepRefused(plan.device, plan.steps[0] as PlanStep, wake.answer);
    case 'failed':
      return failure(wake.code === 'MODEM_NO_RESPONSE' ? 'timeout' : 'error', wake.code, `${modemOn(plan.device)} ${wake.message}`);
    case 'awake':
      throw new Error('an awake modem is no failure');
  }
}

export type PrepareMachine = typeof prepareMachine;
