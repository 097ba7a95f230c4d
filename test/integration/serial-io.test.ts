/**
 * The serial port and a held line over real ptys: what the port reports when the line is
 * hung up under it, and how a held line is given back.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DTR_HANGUP_HOLD_MS, dialAndHold } from '../../src/modem/session.js';
import { lockFileName } from '../../src/modem/index.js';
import { SerialModemIo } from '../../src/modem/serial-io.js';
import { loadProfile } from '../../src/profiles/index.js';
import type { PortEvent } from '../../src/modem/io.js';
import { startModemBank, type ModemBank } from '../../src/sim/index.js';
import { within } from './helpers/within.js';


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

describe('dialAndHold on a simulated modem', () => {
  let bank: ModemBank | undefined;
  let lockDir: string | undefined;

  afterEach(async () => {
    await bank?.close();
    bank = undefined;
    if (lockDir) rmSync(lockDir, { recursive: true, force: true });
    lockDir = undefined;
  });

  it('hangs up with &D2 by keeping DTR low long enough for the modem to notice before the port is free again', async () => {
    bank = await startModemBank({ scenarios: ['connect'] });
    lockDir = mkdtempSync(join(tmpdir(), 'dialbond-lock-'));
    const device = bank.modems[0]!.path;
    const profile = loadProfile('generic');
    expect(profile.init.join(' ')).toMatch(/&D2/);
    const held = await dialAndHold({ profile, device, numbers: ['5551234'], lockDir });
    if (!('fd' in held)) throw new Error(`the dial failed: ${JSON.stringify(held)}`);
    let modemHungUp = false;
    bank.get('modem0').once('hangup', () => (modemHungUp = true));
    const started = Date.now();
    await held.hangUp();
    // A redial right now must find a modem that has hung up, not raise DTR before it noticed.
    expect(Date.now() - started).toBeGreaterThanOrEqual(DTR_HANGUP_HOLD_MS - 20);
    expect(modemHungUp).toBe(true);
    expect(existsSync(join(lockDir, lockFileName(device)))).toBe(false);
  });
});
