/**
 * The modem end of a real serial line: an existing tty the simulator serves instead of a
 * pty, such as a USB gadget's /dev/ttyGSn, whose far end is the /dev/ttyACMn a dialer
 * opens (cdc-acm, as USB modems and phones are driven). Unlike a pty, that line has a
 * carrier the kernel acts on: closing our end drops DCD on the dialer's side, and the
 * dialer's tty is hung up (unless it set CLOCAL), exactly as a real modem losing its call.
 *
 * What the gadget side cannot see: the dialer's DTR (f_acm keeps the host's control line
 * state to itself), so a DTR-drop hang-up is not noticed here; modems on such lines are
 * hung up with the escape and ATH, which keeps the line open.
 */
import { EventEmitter } from 'node:events';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { autoDetect } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';
import { DialbondError } from '../errors/index.js';
import { silentLogger, type Logger } from '../log/index.js';
import type { PtyEndpointEvents } from '../sys/index.js';
import { sleep, systemClock, type Clock } from '../util/index.js';

export interface TtyEndpointOptions {
  /** The tty to serve, e.g. /dev/ttyGS0. */
  path: string;
  baudRate?: number;
  clock?: Clock;
  logger?: Logger;
}

/** How long our end stays closed for a carrier drop: long enough for the DCD change to
 * reach the dialer's side before it rises again. */
export const TTY_CARRIER_DROP_MS = 200;

export class TtyEndpoint extends EventEmitter<PtyEndpointEvents> {
  readonly path: string;
  private readonly baudRate: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private port: SerialPortStream | undefined;
  private attached = false;
  private closed = false;
  private paused = false;
  private watcher: FSWatcher | undefined;

  private constructor(options: TtyEndpointOptions) {
    super();
    this.path = options.path;
    this.baudRate = options.baudRate ?? 115200;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger();
  }

  /** Opens `path`. Rejects with SIM_PTY_FAILED when it is missing or no tty. */
  static async open(options: TtyEndpointOptions): Promise<TtyEndpoint> {
    const endpoint = new TtyEndpoint(options);
    await endpoint.openPort();
    return endpoint;
  }

  /** The tty itself: it never changes (a pty's slave does). */
  get ptsPath(): string {
    return this.path;
  }

  write(bytes: Buffer): boolean {
    if (!this.port?.isOpen) return true; // nobody to hear it: a modem talks into a dead line too
    return this.port.write(bytes);
  }

  pause(): void {
    this.paused = true;
    this.port?.pause();
  }

  resume(): void {
    this.paused = false;
    this.port?.resume();
  }

  /** The line loses its carrier: our end closes (DCD drops on the dialer's side) and opens
   * again a moment later, ready for the next call. */
  dropCarrier(): void {
    void (async () => {
      await this.closePort();
      await sleep(this.clock, TTY_CARRIER_DROP_MS);
      if (!this.closed && !this.watcher) await this.openPort().catch((error: unknown) => this.logger.warn({ err: error, path: this.path }, 'could not reopen the line after a carrier drop'));
    })();
  }

  /**
   * The device is about to go away (a USB modem unplugged): our end closes, which the
   * kernel needs before the device can go, and opens again once the device has gone and
   * come back (watched on its directory, no polling).
   */
  async unplug(): Promise<void> {
    await this.closePort();
    if (this.closed || this.watcher) return;
    let gone = !existsSync(this.path);
    this.watcher = watch(dirname(this.path), (_event, name) => {
      if (name !== null && name !== basename(this.path)) return;
      if (!gone) {
        gone = !existsSync(this.path);
        if (!gone) return;
      }
      if (!existsSync(this.path)) return;
      this.stopWatching();
      void this.openPort().catch((error: unknown) => this.logger.warn({ err: error, path: this.path }, 'could not reopen the line after a replug'));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopWatching();
    await this.closePort();
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private async openPort(): Promise<void> {
    const port = new SerialPortStream({ binding: autoDetect(), path: this.path, baudRate: this.baudRate, autoOpen: false, lock: false, hupcl: false });
    await new Promise<void>((resolve, reject) =>
      port.open((error) => (error ? reject(new DialbondError('SIM_PTY_FAILED', `cannot serve ${this.path}: ${error.message}`, { path: this.path })) : resolve())),
    );
    if (this.closed) {
      await new Promise<void>((resolve) => port.close(() => resolve()));
      return;
    }
    this.port = port;
    this.attached = false;
    port.on('data', (chunk: Buffer) => {
      if (!this.attached) {
        this.attached = true;
        this.emit('attach');
      }
      this.emit('data', chunk);
    });
    port.on('drain', () => this.emit('drain'));
    port.on('error', (error: Error) => this.logger.warn({ err: error, path: this.path }, 'line error'));
    if (this.paused) port.pause();
  }

  private async closePort(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (!port?.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
