/**
 * One AT command line over an open port and the modem's answer, run by the same exchange
 * machine the dialer uses (echo, information lines, final result, a bounded wait). For the
 * callers that talk to an idle modem outside a dial: the AT terminal and `dialbond detect`.
 */
import { createActor, fromPromise } from 'xstate';
import { classifyLine, LineFramer } from '../hayes/index.js';
import { systemClock, type Clock } from '../util/index.js';
import { exchangeMachine, type ExchangeInput, type ExchangeOutput } from './exchange.js';
import type { ModemIo } from './io.js';

/** Sends `input.command` and resolves with the answer; a port that closes under it ends it
 * as a silent one (status timeout). */
export function askModem(io: ModemIo, input: ExchangeInput, clock: Clock = systemClock): Promise<ExchangeOutput> {
  const machine = exchangeMachine.provide({ actors: { write: fromPromise<void, { text: string }>(({ input: w }) => io.write(w.text)) } });
  const actor = createActor(machine, { input, clock });
  const framer = new LineFramer();
  return new Promise<ExchangeOutput>((resolve) => {
    const unsubscribe = io.subscribe((event) => {
      if (event.type === 'closed') {
        actor.stop();
        finish({ status: 'timeout', info: [], intermediates: [], lines: [], echoed: false });
        return;
      }
      for (const e of framer.push(event.data)) if (e.type === 'line') actor.send({ type: 'LINE', line: classifyLine(e.text) });
    });
    function finish(output: ExchangeOutput) {
      unsubscribe();
      resolve(output);
    }
    actor.subscribe({ complete: () => finish(actor.getSnapshot().output as ExchangeOutput) });
    actor.start();
  });
}
