/**
 * What the modem's machines share to compose: a child's done event carries its typed
 * output, and a child tells its parent what it sent, noted or reached (the parent owns the
 * transcript and the phase that observers see, so every report goes up the chain).
 */
import type { ExchangeOutput } from './exchange.js';
import { writeFailed, type ModemOutcome } from './outcome.js';
import type { ModemPlan } from './plan.js';

/** The done event of an invoked child, as a guard or action sees it. */
export type DoneEvent<T> = { output: T };

/** A child's output, from its done event. */
export function outputOf<T>(event: unknown): T {
  return (event as DoneEvent<T>).output;
}

/** A guard: the child ended with `status`. */
export const isStatus =
  <T extends { status: string }>(status: T['status']) =>
  ({ event }: { event: unknown }): boolean =>
    outputOf<T>(event).status === status;

/** A guard: the exchange ended with a final result, one of `results` when given. */
export const finalIs =
  (...results: string[]) =>
  ({ event }: { event: unknown }): boolean => {
    const output = outputOf<ExchangeOutput>(event);
    return output.status === 'final' && (results.length === 0 || results.includes(output.final.result));
  };

/** The text of the exchange's final result ('' when there was none). */
export function answerText(event: unknown): string {
  const output = outputOf<ExchangeOutput>(event);
  return output.status === 'final' ? output.final.text : '';
}

/** The outcome of a child that ended with `write-failed`: the port's own reason. */
export function childWriteFailed({ context, event }: { context: { plan: ModemPlan }; event: unknown }): ModemOutcome {
  return writeFailed(context.plan.device, outputOf<{ error: unknown }>(event).error);
}

/** The progress a session shows (status, the console). */
export type ModemPhase = 'opening' | 'probing' | 'escaping' | 'preparing' | 'dialing' | 'redial-wait' | 'login' | 'online' | 'hanging-up' | 'closing' | 'closed';

/** What a child reports to its parent, and the parent passes on up. */
export type ChildReport = { type: 'TX'; text: string } | { type: 'NOTE'; text: string } | { type: 'PHASE'; phase: ModemPhase; detail?: string };
