/**
 * The modem machine's only window on the world. The real one is a serial port
 * (serial-io.ts); tests give the machine a fake that implements this same interface.
 */

/** What the port reports: bytes from the modem, or that it is gone. */
export type PortEvent =
  | { type: 'data'; data: Buffer }
  | { type: 'closed'; reason: 'closed' | 'vanished' | 'error'; message?: string };

export interface ModemIo {
  /** The device path, for messages. */
  readonly device: string;
  open(): Promise<void>;
  /** Writes and resolves once the bytes left our buffers (drained to the driver). With
   * `holdAtConnect` (the dial command) the port reads byte by byte from then on and stops
   * reading right after the end of a CONNECT line, until resumeReading(): the bytes behind
   * CONNECT stay in the tty for the login chat or for pppd. */
  write(data: string, options?: { holdAtConnect?: boolean }): Promise<void>;
  /** Reads on after the hold at CONNECT (the login chat and the hang-up need the bytes). */
  resumeReading(): void;
  /** Closes the port; with `dropDtr` DTR is lowered first, which hangs up a modem set to &D2. */
  close(options?: { dropDtr?: boolean }): Promise<void>;
  /** Subscribes to port events; returns the unsubscribe function. */
  subscribe(listener: (event: PortEvent) => void): () => void;
}

/**
 * A port whose connected line can be handed over (to pppd) and taken back to hang up: the
 * serial port of a link. The descriptor detach() gives is the caller's until takeBack().
 */
export interface HandoverIo extends ModemIo {
  /** A descriptor of the open, connected line for pppd; our own reads stop, the line stays up. */
  detach(): Promise<number>;
  /** Closes that descriptor (with pppd gone, the tty's last close: DTR drops) and, with
   * `reopen`, opens the port again to hang up in words (a modem that ignores DTR). A port
   * that cannot be reopened (unplugged) is left closed: that is no error here. */
  takeBack(fd: number, options: { reopen: boolean }): Promise<void>;
}
