/**
 * A link's port: a fresh port at every open(). A link dials many times over its life and
 * its modem machine is given one port for good, while a serial port object serves one
 * session (open, hand over, take back, close). Listeners stay across ports.
 */
import { DialbondError } from '../errors/index.js';
import type { HandoverIo, PortEvent } from './io.js';

export class ReopeningIo implements HandoverIo {
  private current: HandoverIo | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly listeners = new Set<(event: PortEvent) => void>();

  constructor(
    readonly device: string,
    private readonly make: () => HandoverIo,
  ) {}

  async open(): Promise<void> {
    this.unsubscribe?.();
    const port = this.make();
    this.current = port;
    this.unsubscribe = port.subscribe((event) => {
      for (const listener of [...this.listeners]) listener(event);
    });
    await port.open();
  }

  write(data: string, options?: { holdAtConnect?: boolean }): Promise<void> {
    return this.current ? this.current.write(data, options) : Promise.reject(this.notOpen());
  }

  resumeReading(): void {
    this.current?.resumeReading();
  }

  async close(options?: { dropDtr?: boolean }): Promise<void> {
    await this.current?.close(options);
  }

  subscribe(listener: (event: PortEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  detach(): Promise<number> {
    return this.current ? this.current.detach() : Promise.reject(this.notOpen());
  }

  takeBack(fd: number, options: { reopen: boolean }): Promise<void> {
    return this.current ? this.current.takeBack(fd, options) : Promise.reject(this.notOpen());
  }

  private notOpen(): DialbondError {
    return new DialbondError('MODEM_IO', `${this.device} is not open`, { device: this.device });
  }
}
