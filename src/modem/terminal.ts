/**
 * One AT command to an idle modem and its answer, for the console's AT terminal (what
 * minicom is for): lock the port, open it, send the command, gather the lines up to the
 * final result code, close, unlock. The command is checked first (printable, no CR in the
 * middle), and a modem that says nothing is given up on after the timeout.
 */
import { DialbondError } from '../errors/index.js';
import { createActor, fromPromise } from 'xstate';
import { classifyLine, LineFramer, validateCommand } from '../hayes/index.js';
import { systemClock, type Clock } from '../util/index.js';
import { exchangeMachine, type ExchangeInput, type ExchangeOutput } from './exchange.js';
import type { ModemIo } from './io.js';
import { acquireDeviceLock } from './lock.js';
import { SerialModemIo } from './serial-io.js';

export interface AtExchangeOptions {
  device: string;
  command: string;
  baudRate?: number;
  lockDir?: string;
  timeoutMs?: number;
  /** The port (tests); a serial port on `device` by default. */
  io?: ModemIo;
  clock?: Clock;
}

export interface AtAnswer {
  command: string;
  /** What the modem said, echo left out. */
  lines: string[];
  /** The final result (OK, ERROR, ...), or null when the modem said none in time. */
  final: string | null;
  elapsedMs: number;
}

/** Sends one command line and resolves with the modem's answer. */
export async function atExchange(options: AtExchangeOptions): Promise<AtAnswer> {
  const command = validateCommand(options.command.trim(), 'AT terminal command');
  if (!/^AT/i.test(command) && command !== 'A/') throw new DialbondError('HAYES_BAD_COMMAND', `an AT terminal command starts with AT (got "${command}")`, { command });
  // A dial from the terminal would leave a call up that no link holds. D among the basic
  // commands dials (&D is DTR handling; extended +commands may contain any letter).
  if (/^AT(?:&.|[^&+D])*D/i.test(command)) throw new DialbondError('HAYES_BAD_COMMAND', `"${command}" dials: dial a link with "dialbond up LINK" instead`, { command });
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const lock = acquireDeviceLock(options.device, options.lockDir !== undefined ? { dir: options.lockDir } : {});
  const io = options.io ?? new SerialModemIo({ device: options.device, baudRate: options.baudRate ?? 115200, flowControl: 'hardware' });
  try {
    await io.open();
    const output = await runExchange(io, clock, { command, timeoutMs: options.timeoutMs ?? 5000 });
    const lines = output.status === 'write-failed' ? [] : output.lines;
    const final = output.status === 'final' ? output.final.text.trim() : null;
    return { command, lines, final, elapsedMs: clock.now() - started };
  } finally {
    await io.close({ dropDtr: false }).catch(() => undefined);
    lock.release();
  }
}

/** The same AT exchange the modem machine runs, on its own, over `io`. A port that closes
 * under it ends it as a silent one. */
function runExchange(io: ModemIo, clock: Clock, input: ExchangeInput): Promise<ExchangeOutput> {
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
