/**
 * One AT exchange, the unit every modem conversation is made of (V.250 5.6): write one
 * command line, skip its echo, collect what answers it, and end at its final result or
 * its timeout with a typed output. Like zwave-js's one-command machine, it knows nothing of
 * what the command is for: the caller decides what OK, ERROR or silence means.
 *
 * House rule 5: the write is invoked in the state that already listens, so a fast modem
 * cannot answer before the waiter exists; unsolicited lines (RING, +CMTI, ...) are not
 * part of the answer. The exchange does no I/O of its own: `write` is provided, and the
 * lines come from the owner of the port, which forwards its LINE events.
 */
import { assign, fromPromise, setup } from 'xstate';
import { commandLine, isEcho, startsCall, type Classified, type FinalResult } from '../hayes/index.js';

export type FinalLine = Extract<Classified, { kind: 'final' }>;
export type IntermediateLine = Extract<Classified, { kind: 'intermediate' }>;

export interface ExchangeInput {
  /** The command line, without CR: what is written, and what its echo looks like. */
  command: string;
  /** What to write instead of `command` + CR: "\r" to abort a dial (no echo expected). */
  send?: string;
  timeoutMs: number;
  /** A dial: the port holds its reads at the end of the CONNECT line (see read-gate.ts). */
  holdAtConnect?: boolean;
}

/** What the answer had besides its final result. */
interface Answer {
  /** Information lines: a query's answer (+CPIN: READY, ATI3's text). */
  info: string[];
  /** CARRIER, PROTOCOL and COMPRESSION reports before a CONNECT. */
  intermediates: IntermediateLine[];
  /** The modem echoed the command: it is in command mode and reads us. */
  echoed: boolean;
  /** Every line before the final result but the echo, unsolicited ones included, in
   * order: what the AT terminal shows. */
  lines: string[];
}

export type ExchangeOutput =
  | ({ status: 'final'; final: FinalLine } & Answer)
  /** No final result within timeoutMs. */
  | ({ status: 'timeout' } & Answer)
  | { status: 'write-failed'; error: unknown };

export type ExchangeEvent = { type: 'LINE'; line: Classified };

interface ExchangeContext extends Answer {
  input: ExchangeInput;
  final: FinalLine | null;
  error: unknown;
}

/**
 * Whether a line answers the command: information lines do; so does a line that reads as
 * unsolicited but carries the command's own name (+CREG: answers AT+CREG?, as
 * ModemManager matches a reply's prefix). RING and other unsolicited lines do not.
 */
export function answersCommand(line: Classified, command: string): boolean {
  if (line.kind === 'info' || line.kind === 'notice' || line.kind === 'numeric-unknown') return true;
  if (line.kind !== 'urc') return false;
  const name = /^AT([+^$%][A-Z0-9]+)/i.exec(command.replace(/\s/g, ''))?.[1];
  return name !== undefined && line.text.toUpperCase().startsWith(`${name.toUpperCase()}:`);
}

/** The final results only a call command can have (V.250 6.3.1, 3GPP 27.007 6.2). */
const CALL_RESULTS: ReadonlySet<FinalResult> = new Set(['no-carrier', 'busy', 'no-dialtone', 'no-answer', 'delayed', 'blacklisted', 'blacklist-full', 'voice']);

/**
 * Whether a final result is the answer to `command`, not the leftover of a call: the
 * NO CARRIER a modem prints when the last call's carrier goes may reach the port just as
 * the next ATZ is written, and it does not answer ATZ (which then still says OK).
 */
export function answersAsFinal(line: Classified, command: string): boolean {
  if (line.kind !== 'final') return false;
  return !CALL_RESULTS.has(line.result) || startsCall(command);
}

export const exchangeMachine = setup({
  types: {
    context: {} as ExchangeContext,
    events: {} as ExchangeEvent,
    input: {} as ExchangeInput,
    output: {} as ExchangeOutput,
  },
  actors: {
    write: fromPromise<void, { text: string; holdAtConnect?: boolean }>(async () => {
      throw new Error('exchange actor "write" was not provided (use createModemActors)');
    }),
  },
  delays: {
    answerTimeout: ({ context }) => context.input.timeoutMs,
  },
  guards: {
    isEcho: ({ context, event }) => isEcho(event.line.text, context.input.command),
    isFinal: ({ context, event }) => answersAsFinal(event.line, context.input.command),
  },
}).createMachine({
  id: 'exchange',
  context: ({ input }) => ({ input, info: [], intermediates: [], lines: [], echoed: false, final: null, error: null }),
  initial: 'awaiting',
  states: {
    awaiting: {
      invoke: {
        src: 'write',
        input: ({ context }) => ({
          text: context.input.send ?? commandLine(context.input.command),
          ...(context.input.holdAtConnect ? { holdAtConnect: true } : {}),
        }),
        onError: { target: 'done', actions: assign({ error: ({ event }) => event.error ?? new Error('write failed') }) },
      },
      after: { answerTimeout: 'done' },
      on: {
        LINE: [
          { guard: 'isEcho', actions: assign({ echoed: true }) },
          { guard: 'isFinal', target: 'done', actions: assign({ final: ({ event }) => event.line as FinalLine }) },
          {
            actions: assign(({ context, event }) => {
              const { line } = event;
              const lines = line.text.trim() === '' ? context.lines : [...context.lines, line.text.trim()];
              if (line.kind === 'intermediate') return { lines, intermediates: [...context.intermediates, line] };
              if (answersCommand(line, context.input.command)) return { lines, info: [...context.info, line.text] };
              return { lines };
            }),
          },
        ],
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }): ExchangeOutput => {
    if (context.error !== null) return { status: 'write-failed', error: context.error };
    const answer = { info: context.info, intermediates: context.intermediates, lines: context.lines, echoed: context.echoed };
    return context.final ? { status: 'final', final: context.final, ...answer } : { status: 'timeout', ...answer };
  },
});

export type ExchangeMachine = typeof exchangeMachine;
