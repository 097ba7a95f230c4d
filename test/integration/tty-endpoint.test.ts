/**
 * The simulator serving an existing tty: here a pty's slave stands in for a USB gadget
 * port (the lab has the real ones), and the test holds the master, as the dialer's side.
 */
import { closeSync, constants, existsSync, openSync, writeSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedModem } from '../../src/sim/index.js';
import { resolveScenario } from '../../src/sim/scenario.js';
import { TtyEndpoint } from '../../src/sim/tty-endpoint.js';
import { loadPtyNative } from '../../src/sys/index.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A pty: the test's end (master) and the path the endpoint serves. */
function line() {
  const { fd, path } = loadPtyNative().openPty();
  // A slave held open (not read) keeps the pty alive while the endpoint closes its own.
  const keeper = openSync(path, constants.O_RDWR | constants.O_NOCTTY);
  const reader = new ReadStream(fd);
  let seen = '';
  reader.on('data', (chunk) => (seen += chunk.toString('latin1')));
  reader.on('error', () => undefined);
  cleanups.push(() => {
    reader.destroy(); // closes the master
    closeSync(keeper);
  });
  return { path, send: (text: string) => writeSync(fd, text), seen: () => seen };
}

async function until(ok: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a simulated modem on an existing tty', () => {
  it('answers AT commands on it, byte for byte (no newline translation)', async () => {
    const far = line();
    const modem = await SimulatedModem.openTty({ scenario: await resolveScenario('connect'), name: 'modem0', tty: far.path });
    cleanups.push(() => modem.close());
    expect(modem.path).toBe(far.path);
    far.send('ATZ\r');
    await until(() => far.seen().includes('OK'));
    expect(far.seen()).toBe('ATZ\r\r\nOK\r\n');
  });

  it('a carrier drop closes its end and opens it again', async () => {
    const far = line();
    const endpoint = await TtyEndpoint.open({ path: far.path });
    cleanups.push(() => endpoint.close());
    const got: string[] = [];
    endpoint.on('data', (b) => got.push(b.toString()));
    endpoint.dropCarrier();
    await new Promise((r) => setTimeout(r, 400));
    far.send('AT\r');
    await until(() => got.join('') === 'AT\r');
  });

  it('refuses a path that is not there, saying which', async () => {
    await expect(TtyEndpoint.open({ path: '/dev/ttyGS99-missing' })).rejects.toMatchObject({ code: 'SIM_PTY_FAILED', message: expect.stringContaining('/dev/ttyGS99-missing') });
    expect(existsSync('/dev/ttyGS99-missing')).toBe(false);
  });
});
