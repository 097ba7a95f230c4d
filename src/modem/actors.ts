/**
 * The modem machine's effects, built over one ModemIo: open, write, close, and the port
 * listener that frames and classifies what the modem says. Tests provide the same actors
 * over a fake ModemIo, so the machine's logic is exercised exactly as in production.
 */
import { fromCallback, fromPromise, type EventObject } from 'xstate';
import { LineFramer, classifyLine } from '../hayes/index.js';
import type { ModemIo } from './io.js';
import type { ModemEvent } from './machine.js';

/** Printable text of a raw chunk for the login chat: latin1, control bytes dropped except
 * line ends (chat matches prompts that have no line end yet). */
function chatText(data: Buffer): string {
  return data.toString('latin1').replace(/[^\x20-\x7e\r\n\t]/g, '');
}

export function createModemActors(io: ModemIo) {
  return {
    openPort: fromPromise<void, void>(() => io.open()),
    write: fromPromise<void, { text: string }>(({ input }) => (input.text ? io.write(input.text) : Promise.resolve())),
    closePort: fromPromise<void, { dropDtr: boolean }>(({ input }) => io.close({ dropDtr: input.dropDtr })),
    portEvents: fromCallback<EventObject, void>(({ sendBack }) => {
      const send = (event: ModemEvent) => sendBack(event);
      const framer = new LineFramer();
      return io.subscribe((event) => {
        if (event.type === 'closed') {
          send({ type: 'PORT_CLOSED', reason: event.reason, ...(event.message !== undefined ? { message: event.message } : {}) });
          return;
        }
        const text = chatText(event.data);
        if (text) send({ type: 'TEXT', text });
        for (const framed of framer.push(event.data)) {
          if (framed.type === 'line') send({ type: 'LINE', line: classifyLine(framed.text) });
          else send({ type: 'NOISE', bytes: framed.bytes, reason: framed.reason });
        }
      });
    }),
  };
}
