/**
 * The guarded escape from online data mode to command mode (Hayes; V.250 leaves the
 * sequence to the DCE, S2 and S12 on every Hayes-compatible modem): a guard time of
 * silence, "+++", another guard time, and the modem's OK. A modem that has not answered
 * after one more guard time either lost its carrier already (back in command mode, it
 * took "+++" as text) or ignores escapes: the caller decides what follows (ATH, the
 * quiet-mode recovery, the DTR drop).
 */
import { assign, fromPromise, sendParent, setup } from 'xstate';
import type { Classified } from '../hayes/index.js';

export const ESCAPE = '+++';

export interface EscapeInput {
  /** S12, 1 s by default. */
  guardMs: number;
  /** A write that never drains (a wedged line) gives up after this long. */
  writeTimeoutMs: number;
  /** An OK before "+++" is sent answers the command before the escape (a slow reset
   * answering after all); where nothing can be pending, such a line is just ignored. */
  acceptLateAnswer: boolean;
}

export type EscapeOutput = { status: 'ok' | 'late-answer' | 'silent' } | { status: 'write-failed'; error: unknown };

export type EscapeEvent = { type: 'LINE'; line: Classified };

/** What the escape tells its parent: what it sent, for the transcript. */
export type EscapeSent = { type: 'TX'; text: string };

const isOk = ({ event }: { event: EscapeEvent }) => event.line.kind === 'final' && event.line.result === 'ok';

export const guardedEscapeMachine = setup({
  types: {
    context: {} as { input: EscapeInput; output: EscapeOutput },
    events: {} as EscapeEvent,
    input: {} as EscapeInput,
    output: {} as EscapeOutput,
  },
  actors: {
    write: fromPromise<void, { text: string }>(async () => {
      throw new Error('escape actor "write" was not provided (use createModemActors)');
    }),
  },
  delays: {
    guard: ({ context }) => context.input.guardMs,
    writeTimeout: ({ context }) => context.input.writeTimeoutMs,
  },
  guards: {
    isOk,
    lateAnswer: ({ context, event }) => context.input.acceptLateAnswer && isOk({ event }),
  },
}).createMachine({
  id: 'escape',
  context: ({ input }) => ({ input, output: { status: 'silent' } }),
  initial: 'guardBefore',
  states: {
    guardBefore: {
      after: { guard: 'sending' },
      on: { LINE: { guard: 'lateAnswer', target: 'done', actions: assign({ output: { status: 'late-answer' } }) } },
    },
    sending: {
      entry: sendParent({ type: 'TX', text: ESCAPE } satisfies EscapeSent),
      invoke: {
        src: 'write',
        input: { text: ESCAPE },
        onDone: 'guardAfter',
        onError: { target: 'done', actions: assign({ output: ({ event }) => ({ status: 'write-failed' as const, error: event.error ?? new Error('write failed') }) }) },
      },
      after: { writeTimeout: { target: 'done', actions: assign({ output: { status: 'write-failed', error: new Error(`"${ESCAPE}" was not written in time`) } }) } },
    },
    // The OK comes right after the second guard time; one more guard time is margin enough.
    guardAfter: {
      after: { guard: 'awaitingOk' },
      on: { LINE: { guard: 'isOk', target: 'done', actions: assign({ output: { status: 'ok' } }) } },
    },
    awaitingOk: {
      after: { guard: 'done' },
      on: { LINE: { guard: 'isOk', target: 'done', actions: assign({ output: { status: 'ok' } }) } },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => context.output,
});

export type GuardedEscapeMachine = typeof guardedEscapeMachine;
