/**
 * The serial port over a real pty: what it reports when the line is hung up under it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SerialModemIo } from '../../src/modem/serial-io.js';
import type { PortEvent } from '../../src/modem/io.js';
import { startModemBank, type ModemBank } from '../../src/sim/index.js';

function within<T>(ms: number, what: string, start: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    start((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

describe('SerialModemIo on a pty', () => {
  let bank: ModemBank | undefined;
  let io: SerialModemIo | undefined;

  afterEach(async () => {
    await io?.close().catch(() => undefined);
    io = undefined;
    await bank?.close();
    bank = undefined;
  });

  it('reports a line hung up while it waits for input as the line gone, not as a bad descriptor', async () => {
    bank = await startModemBank({ scenarios: [{ echo: false }] });
    io = new SerialModemIo({ device: bank.modems[0]!.path, baudRate: 115200, flowControl: 'none' });
    const received: string[] = [];
    const closed = within<PortEvent>(10_000, 'the port to close', (done) =>
      io!.subscribe((event) => (event.type === 'data' ? received.push(event.data.toString('latin1')) : done(event))),
    );
    await io.open();
    await io.write('AT\r');
    await within(10_000, 'OK', (done) => {
      const check = setInterval(() => /OK\r\n$/.test(received.join('')) && (clearInterval(check), done(undefined)), 5);
    });
    // The port now waits for the tty to be readable. Dropping carrier closes the pty's
    // master: the kernel hangs up our open file, and poll(2) says POLLERR, which libuv
    // passes on as "bad file descriptor".
    await bank.drop('modem0');
    const event = await closed;
    expect(event).toMatchObject({ type: 'closed', reason: 'vanished' });
    expect(event.type === 'closed' && event.message).toMatch(/hung up/);
  });
});
