/**
 * One AT command to an idle modem and its answer, for the console's AT terminal (what
 * minicom is for): lock the port, open it, send the command, gather the lines up to the
 * final result code, close, unlock. The command is checked first (printable, no CR in the
 * middle), and a modem that says nothing is given up on after the timeout.
 */
import { DialbondError } from '../errors/index.js';
import { validateCommand } from '../hayes/index.js';
import { systemClock, type Clock } from '../util/index.js';
import { askModem } from './ask.js';
import type { ModemIo } from './io.js';
import { claimPort } from './claim.js';
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
  const lock = claimPort(options.device, options.lockDir !== undefined ? { dir: options.lockDir } : {});
  const io = options.io ?? new SerialModemIo({ device: options.device, baudRate: options.baudRate ?? 115200, flowControl: 'hardware' });
  try {
    await io.open();
    const output = await askModem(io, { command, timeoutMs: options.timeoutMs ?? 5000 }, clock);
    const lines = output.status === 'write-failed' ? [] : output.lines;
    const final = output.status === 'final' ? output.final.text.trim() : null;
    return { command, lines, final, elapsedMs: clock.now() - started };
  } finally {
    await io.close({ dropDtr: false }).catch(() => undefined);
    lock.release();
  }
}
