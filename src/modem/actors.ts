/**
 * The modem machine's effects, built over one ModemIo: open, write, close, and the port
 * listener that frames and classifies what the modem says. Tests provide the same actors
 * over a fake ModemIo, so the machine's logic is exercised exactly as in production.
 */
import { enqueueActions, fromCallback, fromPromise, type EventObject } from 'xstate';
import { LineFramer, classifyLine } from '../hayes/index.js';
import type { ModemIo } from './io.js';
import { exchangeMachine } from './exchange.js';
import { guardedEscapeMachine } from './guarded-escape.js';
import { loginChatMachine } from './login-chat.js';
import { wakeMachine } from './wake.js';
import { prepareMachine } from './prepare.js';
import { dialAttemptsMachine } from './dial-attempts.js';
import { modemMachine, type ModemEmitted, type ModemEvent } from './machine.js';

/** Printable text of raw bytes for the login chat: latin1, control bytes dropped except
 * line ends (chat matches prompts that have no line end yet). */
function chatText(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1').replace(/[^\x20-\x7e\r\n\t]/g, '');
}

/**
 * The events of one chunk in byte order. The chunk is cut after every line end: each piece's
 * TEXT goes out before the lines that piece completes, so the text *behind* a line (a login
 * prompt in the same read as CONNECT) reaches the machine after that line's LINE, when the
 * machine is already in the state that wants it.
 */
export function chunkEvents(framer: LineFramer, data: Uint8Array): ModemEvent[] {
  const events: ModemEvent[] = [];
  let start = 0;
  for (let i = 0; i <= data.length; i++) {
    const atEnd = i === data.length;
    if (!atEnd && data[i] !== 0x0d && data[i] !== 0x0a) continue;
    const piece = data.subarray(start, atEnd ? i : i + 1);
    start = i + 1;
    if (piece.length === 0) continue;
    const text = chatText(piece);
    if (text) events.push({ type: 'TEXT', text });
    for (const framed of framer.push(piece)) {
      if (framed.type === 'line') events.push({ type: 'LINE', line: classifyLine(framed.text) });
      else events.push({ type: 'NOISE', bytes: framed.bytes, reason: framed.reason });
    }
  }
  return events;
}

export function createModemActors(io: ModemIo) {
  const write = fromPromise<void, { text: string; holdAtConnect?: boolean }>(({ input }) =>
    input.text ? io.write(input.text, input.holdAtConnect ? { holdAtConnect: true } : {}) : Promise.resolve(),
  );
  const exchange = exchangeMachine.provide({ actors: { write } });
  const escape = guardedEscapeMachine.provide({ actors: { write } });
  const wake = wakeMachine.provide({ actors: { exchange, escape } });
  return {
    openPort: fromPromise<void, void>(() => io.open()),
    write,
    // The children write through the same port (each machine's actors are its own).
    exchange,
    escape,
    login: loginChatMachine.provide({ actors: { write } }),
    wake,
    prepare: prepareMachine.provide({ actors: { exchange, wake } }),
    dial: dialAttemptsMachine.provide({ actors: { exchange } }),
    resumeReading: fromPromise<void, void>(async () => io.resumeReading()),
    closePort: fromPromise<void, { dropDtr: boolean }>(({ input }) => io.close({ dropDtr: input.dropDtr })),
    portEvents: fromCallback<EventObject, void>(({ sendBack }) => {
      const framer = new LineFramer();
      return io.subscribe((event) => {
        if (event.type === 'closed') {
          sendBack({ type: 'PORT_CLOSED', reason: event.reason, ...(event.message !== undefined ? { message: event.message } : {}) } satisfies ModemEvent);
          return;
        }
        for (const e of chunkEvents(framer, event.data)) sendBack(e);
      });
    }),
  };
}

/** What a modem machine run as another machine's child tells its parent: all it would
 * emit when run on its own (transcript, phases, unsolicited lines). */
export type ModemSaidEvent = { type: 'MODEM_SAID'; said: ModemEmitted };

/**
 * The modem machine over `io`, to be invoked by a parent (the link machine): what it says
 * goes to the parent as MODEM_SAID events, since a parent does not hear what its
 * children emit. The parent gets the connected line from its `online` phase.
 */
export function modemAsChild(io: ModemIo) {
  return modemMachine.provide({
    actors: createModemActors(io),
    actions: {
      tell: enqueueActions(({ enqueue }, said: readonly ModemEmitted[]) => {
        for (const s of said) enqueue.sendParent({ type: 'MODEM_SAID', said: s } satisfies ModemSaidEvent);
      }),
    },
  });
}
