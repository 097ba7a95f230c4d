/**
 * Claiming a modem port before talking to it: its UUCP lock (lock.ts), then a look at who
 * else has it open. A lock only keeps out the programs that take locks too; ModemManager,
 * which probes every new ttyACM and ttyUSB and keeps the ports of the modems it finds,
 * takes none, and a dial over a port it reads as well fails in ways that look like a bad
 * modem. Such a port is refused with a word that names the holder and what to do.
 * Only the kernel's serial ttys are looked at. Not ptys: the program that serves one (a
 * simulator, socat) keeps its slave open while nobody is attached, and ModemManager never
 * probes them. Not what is no tty at all (/dev/null, open everywhere): opening it says so.
 */
import { DialbondError } from '../errors/index.js';
import { describeHolders, isModemManager, portHolders, type PortHolder } from '../sys/index.js';
import { acquireDeviceLock, type DeviceLock, type LockOptions } from './lock.js';
import { realpathSync } from 'node:fs';
import { deviceNumbers, isPseudoTerminal } from './serial-io.js';

export interface ClaimOptions extends LockOptions {
  /** Who has a device open (tests give their own; /proc by default). */
  holders?: (device: string) => PortHolder[];
}

/** What to tell the user about the programs holding a port. */
export function holdersAdvice(device: string, holders: readonly PortHolder[]): string {
  const advice = holders.some(isModemManager)
    ? 'ModemManager probes and keeps modem ports: "dialbond udev-rules" prints a udev rule that makes it leave the configured modems alone (or stop it: systemctl stop ModemManager)'
    : 'stop it, or give dialbond another port';
  return `${device} is open in ${describeHolders(holders)}, which took no UUCP lock: ${advice}`;
}

/** The error for a port other programs hold. */
export function portInUse(device: string, holders: readonly PortHolder[]): DialbondError {
  return new DialbondError('MODEM_IN_USE', holdersAdvice(device, holders), { device, holders: holders.map((h) => ({ ...h })) });
}

/** Whether `device` is a tty of the kernel's tty class (/sys/dev/char/MAJOR:MINOR/subsystem). */
function isKernelTty(device: string): boolean {
  try {
    const { major, minor } = deviceNumbers(device);
    return realpathSync(`/sys/dev/char/${major}:${minor}/subsystem`).endsWith('/tty');
  } catch {
    return false;
  }
}

/** The programs other than ours holding a serial port open (see above for what is looked at). */
export function otherHolders(device: string): PortHolder[] {
  return isPseudoTerminal(device) || !isKernelTty(device) ? [] : portHolders(device);
}

/** Takes the port's lock and checks nobody else has it open; throws MODEM_LOCKED or
 * MODEM_IN_USE (the lock released again) when somebody does. */
export function claimPort(device: string, options: ClaimOptions = {}): DeviceLock {
  const lock = acquireDeviceLock(device, options);
  const holders = (options.holders ?? otherHolders)(device);
  if (holders.length > 0) {
    lock.release();
    throw portInUse(device, holders);
  }
  return lock;
}
