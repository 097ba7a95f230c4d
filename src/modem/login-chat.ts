/**
 * The login chat after CONNECT, expect/send as chat(8) does it: raw text is matched, so a
 * prompt needs no line end ("login: " waits for us mid-line), and only the recent past is
 * looked at. After the last answer a refusal ("Login incorrect", the first prompt again)
 * comes within moments; success is PPP starting, the profile's success text, or silence for
 * the settle time (chat(8) would simply stop there). Secret answers are masked in what it
 * tells its parent; the machine does no I/O of its own (`write` is provided, text and
 * lines come from the owner of the port).
 */
import { assign, fromPromise, sendParent, setup } from 'xstate';
import type { Classified } from '../hayes/index.js';
import { MASK } from '../log/index.js';
import type { PlanLoginStep } from './plan.js';

export interface LoginInput {
  steps: PlanLoginStep[];
  /** Text that, seen at any point, means the login was refused. */
  failures: string[];
  /** Text that, seen after the last answer, means we are in. */
  success: string[];
  settleMs: number;
}

export type LoginOutput =
  | { status: 'in' }
  | { status: 'refused'; seen: string }
  | { status: 'no-prompt'; expect: string; timeoutMs: number }
  | { status: 'no-carrier' }
  | { status: 'write-failed'; error: unknown };

export type LoginEvent = { type: 'TEXT'; text: string } | { type: 'LINE'; line: Classified };

/** What the chat tells its parent: what it sent (masked), for the transcript. */
export type LoginSent = { type: 'TX'; text: string };

/** How much recent text the chat looks at (chat(8) looks at the recent past only). */
const CHAT_WINDOW = 2048;

interface LoginContext {
  input: LoginInput;
  index: number;
  /** Text seen since the last match. */
  chat: string;
  output: LoginOutput | null;
}

/** The text seen so far, with the event's own text if it brings some. */
function seen(context: LoginContext, event: LoginEvent): string {
  return context.chat + (event.type === 'TEXT' ? event.text : '');
}

/** A refusal, with the text that said so (appendChat has run before it). */
const refusedOutput = ({ context }: { context: LoginContext }): LoginOutput => ({ status: 'refused', seen: context.chat });

export const loginChatMachine = setup({
  types: {
    context: {} as LoginContext,
    events: {} as LoginEvent,
    input: {} as LoginInput,
    output: {} as LoginOutput,
  },
  actors: {
    write: fromPromise<void, { text: string }>(async () => {
      throw new Error('login actor "write" was not provided (use createModemActors)');
    }),
  },
  delays: {
    promptTimeout: ({ context }) => context.input.steps[context.index]?.timeoutMs ?? 0,
    settle: ({ context }) => context.input.settleMs,
  },
  guards: {
    refused: ({ context, event }) => {
      const text = seen(context, event).toLowerCase();
      return context.input.failures.some((f) => text.includes(f.toLowerCase()));
    },
    promptSeen: ({ context, event }) => {
      const step = context.input.steps[context.index];
      return !!step && seen(context, event).includes(step.expect);
    },
    allAnswered: ({ context }) => context.index >= context.input.steps.length,
    /** The first prompt again after our last answer: the remote wants a new login. */
    promptAgain: ({ context, event }) => {
      const first = context.input.steps[0]?.expect;
      return !!first && seen(context, event).includes(first);
    },
    /** Success text, or the start of a PPP frame (7E FF 7D 23: flag, address, escaped
     * control) showing through the printable filter as "~}#". */
    inAlready: ({ context, event }) => {
      const text = seen(context, event);
      return text.includes('~}#') || context.input.success.some((s) => text.includes(s));
    },
    noCarrier: ({ event }) => event.type === 'LINE' && event.line.kind === 'final' && event.line.result === 'no-carrier',
  },
  actions: {
    appendChat: assign({ chat: ({ context, event }) => (event.type === 'TEXT' ? (context.chat + event.text).slice(-CHAT_WINDOW) : context.chat) }),
    /** Past the matched prompt: only what followed it counts from now on. */
    consumePrompt: assign(({ context, event }) => {
      const step = context.input.steps[context.index];
      const text = seen(context, event);
      const at = step ? text.indexOf(step.expect) : -1;
      return { chat: at >= 0 && step ? text.slice(at + step.expect.length) : '', index: context.index + 1 };
    }),
    refuse: assign({ output: refusedOutput }),
  },
}).createMachine({
  id: 'login',
  context: ({ input }) => ({ input, index: 0, chat: '', output: null }),
  initial: 'waiting',
  on: {
    LINE: { guard: 'noCarrier', target: '.done', actions: assign({ output: { status: 'no-carrier' } }) },
  },
  states: {
    waiting: {
      after: {
        promptTimeout: {
          target: 'done',
          actions: assign({ output: ({ context }) => ({ status: 'no-prompt' as const, expect: context.input.steps[context.index]?.expect ?? '', timeoutMs: context.input.steps[context.index]?.timeoutMs ?? 0 }) }),
        },
      },
      on: {
        TEXT: [
          { guard: 'refused', target: 'done', actions: ['appendChat', 'refuse'] },
          { guard: 'promptSeen', target: 'answering', actions: 'appendChat' },
          { actions: 'appendChat' },
        ],
      },
    },
    answering: {
      entry: sendParent(({ context }): LoginSent => {
        const step = context.input.steps[context.index];
        return { type: 'TX', text: step?.send === undefined ? '(prompt seen)' : step.secret ? MASK : step.send };
      }),
      invoke: {
        src: 'write',
        input: ({ context }) => {
          const step = context.input.steps[context.index];
          return { text: step?.send === undefined ? '' : `${step.send}\r` };
        },
        onDone: { target: 'next', actions: 'consumePrompt' },
        onError: { target: 'done', actions: assign({ output: ({ event }) => ({ status: 'write-failed' as const, error: event.error ?? new Error('write failed') }) }) },
      },
      on: { TEXT: { actions: 'appendChat' } },
    },
    /** The remote may have answered while we were still writing: look at what is
     * already there before waiting for more. */
    next: {
      always: [
        { guard: 'refused', target: 'done', actions: 'refuse' },
        { guard: 'allAnswered', target: 'settling' },
        { guard: 'promptSeen', target: 'answering' },
        { target: 'waiting' },
      ],
    },
    settling: {
      always: [
        { guard: 'refused', target: 'done', actions: 'refuse' },
        { guard: 'promptAgain', target: 'done', actions: 'refuse' },
        { guard: 'inAlready', target: 'done', actions: assign({ output: { status: 'in' } }) },
      ],
      after: { settle: { target: 'done', actions: assign({ output: { status: 'in' } }) } },
      on: {
        TEXT: [
          { guard: 'refused', target: 'done', actions: ['appendChat', 'refuse'] },
          { guard: 'promptAgain', target: 'done', actions: ['appendChat', 'refuse'] },
          { guard: 'inAlready', target: 'done', actions: ['appendChat', assign({ output: { status: 'in' } })] },
          { actions: 'appendChat' },
        ],
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }): LoginOutput => context.output ?? { status: 'in' },
});

export type LoginChatMachine = typeof loginChatMachine;
