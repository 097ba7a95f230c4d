/**
 * ModemIo over a real serial port (node-serialport). Works the same on /dev/ttyS*,
 * /dev/ttyUSB*, /dev/ttyACM* and on the simulator's ptys.
 */
import { closeSync, realpathSync, statSync } from 'node:fs';
import { SerialPortStream } from '@serialport/stream';
import { hangupAwareBinding } from './hangup-binding.js';
import { ConnectReadGate } from './read-gate.js';
import { loadPtyNative, portHolders } from '../sys/index.js';
import { portInUse } from './claim.js';
import { DialbondError, systemErrorCode } from '../errors/index.js';
import type { HandoverIo, PortEvent } from './io.js';

export interface SerialIoOptions {
  device: string;
  baudRate: number;
  flowControl: 'hardware' | 'none';
}

/** Turns an open() failure into a typed error that says what to do. */
export function openError(device: string, error: unknown): DialbondError {
  const message = error instanceof Error ? error.message : String(error);
  // node-serialport reports strerror() text ("No such file or directory, cannot open ..."),
  // not an errno code: map the usual texts back.
  const byText: Array<[RegExp, string]> = [
    [/no such file or directory/i, 'ENOENT'],
    [/no such device/i, 'ENODEV'],
    [/permission denied|operation not permitted/i, 'EACCES'],
    [/resource busy|device or resource busy|cannot lock port|resource temporarily unavailable/i, 'EBUSY'],
    // ENOTTY: node-serialport's "Inappropriate ioctl for device setting custom baud rate"
    [/inappropriate ioctl/i, 'ENOTTY'],
  ];
  const errno = systemErrorCode(error) ?? /\b(E[A-Z]{2,})\b/.exec(message)?.[1] ?? byText.find(([re]) => re.test(message))?.[1];
  switch (errno) {
    case 'ENOENT':
    case 'ENXIO':
    case 'ENODEV':
      return new DialbondError('MODEM_NO_DEVICE', `${device} does not exist (is the modem plugged in, and the path right?)`, { device, errno });
    case 'EACCES':
    case 'EPERM':
      return new DialbondError('MODEM_PERMISSION', `no permission to open ${device} (run as root or add the user to its group, usually "dialout")`, { device, errno });
    case 'EBUSY': {
      // TIOCEXCL (ModemManager sets it): name the holder where /proc shows it.
      const holders = portHolders(device);
      if (holders.length > 0) return portInUse(device, holders);
      return new DialbondError('MODEM_LOCKED', `${device} is held open exclusively by another program`, { device, errno });
    }
    case 'ENOTTY':
      return notSerial(device, 'a character device but not a terminal');
    default:
      return new DialbondError('MODEM_OPEN_FAILED', `cannot open ${device}: ${message}`, { device, errno });
  }
}

function notSerial(device: string, what: string): DialbondError {
  return new DialbondError(
    'MODEM_NOT_SERIAL',
    `${device} is not a serial device (it is ${what}); give the modem's tty, e.g. /dev/ttyS0, /dev/ttyUSB0 or /dev/ttyACM0`,
    { device },
  );
}

/** What kind of thing `device` is when it exists and is no character device (a serial
 * port is one; /dev/null is one too, and is caught by ENOTTY when opened). */
export function nonSerialKind(device: string): string | undefined {
  let stat;
  try {
    stat = statSync(device);
  } catch {
    return undefined; // missing or unreadable: open() says which, with its own code
  }
  if (stat.isCharacterDevice()) return undefined;
  if (stat.isFile()) return 'a regular file';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  if (stat.isBlockDevice()) return 'a block device';
  return 'not a character device';
}

/** Unix98 pty slaves (/dev/pts/N) have majors 136-143 (Documentation/admin-guide/devices.txt). */
const PTY_SLAVE_MAJORS = { from: 136, to: 143 };

/**
 * Whether `device` (or what its symlink points at) is a pty slave, which has no modem
 * lines: no DCD to watch, no DTR to drop. False for anything else, missing devices included.
 */
export function isPseudoTerminal(device: string): boolean {
  try {
    const path = realpathSync(device);
    if (path.startsWith('/dev/pts/')) return true;
    const { major } = deviceNumbers(path);
    return major >= PTY_SLAVE_MAJORS.from && major <= PTY_SLAVE_MAJORS.to;
  } catch {
    return false;
  }
}

/** A device node's major and minor numbers (glibc's dev_t encoding); throws for a missing one. */
export function deviceNumbers(device: string): { major: number; minor: number } {
  const rdev = BigInt(statSync(device).rdev);
  return { major: Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn)), minor: Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn)) };
}

export class SerialModemIo implements HandoverIo {
  readonly device: string;
  private port: SerialPortStream;
  /** The current port's read gate: byte-precise from the dial to CONNECT, then held. */
  private gate = new ConnectReadGate();
  private readonly listeners = new Set<(event: PortEvent) => void>();
  private closing = false;

  constructor(private readonly options: SerialIoOptions) {
    this.device = options.device;
    this.port = this.createPort(true);
  }

  /** `exclusive`: flock the port so no one else opens it. A port reopened after a hand-off
   * shares its open file with the copy pppd holds, whose lock is still in place. */
  private createPort(exclusive: boolean): SerialPortStream {
    this.gate = new ConnectReadGate();
    const port = new SerialPortStream({
      binding: hangupAwareBinding(this.gate),
      path: this.options.device,
      baudRate: this.options.baudRate,
      autoOpen: false,
      rtscts: this.options.flowControl === 'hardware',
      hupcl: true, // closing drops DTR: the modem (with &D2) hangs up
      lock: exclusive,
    });
    port.on('data', (data: Buffer) => this.dispatch({ type: 'data', data }));
    port.on('close', (error?: Error & { disconnected?: boolean }) => {
      if (this.closing) return;
      this.dispatch({ type: 'closed', reason: error?.disconnected ? 'vanished' : 'closed', ...(error ? { message: error.message } : {}) });
    });
    port.on('error', (error: Error) => {
      if (!this.closing) this.dispatch({ type: 'closed', reason: 'error', message: error.message });
    });
    return port;
  }

  private dispatch(event: PortEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  open(): Promise<void> {
    // Checked before opening: opening a regular file "works" and then fails on the first
    // termios call with a message about baud rates.
    const kind = nonSerialKind(this.device);
    if (kind) return Promise.reject(notSerial(this.device, kind));
    return new Promise((resolve, reject) => {
      this.port.open((error) => (error ? reject(openError(this.device, error)) : resolve()));
    });
  }

  write(data: string, options: { holdAtConnect?: boolean } = {}): Promise<void> {
    // Armed before the bytes leave: the answer cannot come before we read precisely.
    if (options.holdAtConnect) this.gate.arm();
    return new Promise((resolve, reject) => {
      if (!this.port.isOpen) {
        reject(new DialbondError('MODEM_IO', `${this.device} is not open`, { device: this.device }));
        return;
      }
      this.port.write(Buffer.from(data, 'latin1'), (error) => {
        if (error) reject(this.writeError(error));
      });
      this.port.drain((error) => (error ? reject(this.writeError(error)) : resolve()));
    });
  }

  /** EIO/ENXIO on write: the device (or, for a pty, its far side) is gone. */
  private writeError(error: Error): DialbondError {
    const gone = /\b(EIO|ENXIO|ENODEV)\b|input\/output error|no such device|not open/i.test(`${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}`);
    return gone
      ? new DialbondError('MODEM_VANISHED', `${this.device} went away while writing to it (${error.message}); was the device unplugged or the line closed?`, { device: this.device })
      : new DialbondError('MODEM_IO', `writing to ${this.device} failed: ${error.message}`, { device: this.device });
  }

  async close(options: { dropDtr?: boolean } = {}): Promise<void> {
    if (!this.port.isOpen) return;
    this.closing = true;
    this.gate.close();
    if (options.dropDtr) {
      // A pty has no modem lines (set() fails there); closing with HUPCL still hangs up.
      await new Promise<void>((resolve) => this.port.set({ dtr: false }, () => resolve()));
    }
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }

  /**
   * Hands the line over (to pppd) without hanging up: returns a duplicate of the port's
   * descriptor, then closes our own. The duplicate keeps the tty open, so HUPCL does not
   * drop DTR, and nothing of ours reads the line any more. The caller owns the descriptor.
   */
  async detach(): Promise<number> {
    const fd = this.port.port && 'fd' in this.port.port ? (this.port.port as { fd: number | null }).fd : null;
    if (!this.port.isOpen || fd === null) throw new DialbondError('MODEM_IO', `${this.device} is not open; nothing to hand over`, { device: this.device });
    const copy = loadPtyNative().dup(fd);
    this.closing = true;
    // No read may start between here and the close: what is left in the tty is pppd's.
    this.gate.close();
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
    return copy;
  }

  /** Opens the port again after a hand-off, to hang up with the modem's own commands. */
  async reattach(): Promise<void> {
    this.closing = false;
    this.port = this.createPort(false);
    await this.open();
  }

  async takeBack(fd: number, options: { reopen: boolean }): Promise<void> {
    // Ours is the last copy once pppd is gone: this close drops DTR (HUPCL) and, if pppd was
    // killed, puts the line discipline back to N_TTY (a line still in PPP discipline would
    // swallow the modem's answers).
    closeSync(fd);
    if (!options.reopen) return;
    try {
      await this.reattach();
    } catch {
      /* the line is gone (device unplugged, pty closed): closing is all that is left */
    }
  }

  resumeReading(): void {
    this.gate.release();
  }

  subscribe(listener: (event: PortEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
