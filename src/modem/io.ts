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
  /** Writes and resolves once the bytes left our buffers (drained to the driver). */
  write(data: string): Promise<void>;
  /** Closes the port; with `dropDtr` DTR is lowered first, which hangs up a modem set to &D2. */
  close(options?: { dropDtr?: boolean }): Promise<void>;
  /** Subscribes to port events; returns the unsubscribe function. */
  subscribe(listener: (event: PortEvent) => void): () => void;
}
