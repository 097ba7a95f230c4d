import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { lockFileName } from './lock.js';
import { atExchange } from './terminal.js';
import { FakeModemIo } from './testing/fake-io.js';

describe('atExchange (the AT terminal)', () => {
  const lockDir = mkdtempSync(join(tmpdir(), 'dialbond-terminal-'));

  it('sends the command, gathers the answer lines without the echo, and stops at the final result', async () => {
    const clock = new SimulatedClock();
    const io = new FakeModemIo(clock, (text, port) => port.emit(`${text}\r\nU.S. Robotics 56K FAX EXT\r\nRev. 12.1\r\n\r\nOK\r\n`));
    const answer = await atExchange({ device: '/dev/ttyS7', command: ' ATI3 ', io, lockDir, clock });
    expect(answer).toMatchObject({ command: 'ATI3', lines: ['U.S. Robotics 56K FAX EXT', 'Rev. 12.1'], final: 'OK' });
    expect(io.commands).toEqual(['ATI3']);
    expect(io.closed).toEqual({ dropDtr: false });
    expect(existsSync(join(lockDir, lockFileName('/dev/ttyS7')))).toBe(false);
  });

  it('gives up on a silent modem after the timeout, with no final result, and unlocks', async () => {
    const clock = new SimulatedClock();
    const io = new FakeModemIo(clock);
    const pending = atExchange({ device: '/dev/ttyS7', command: 'AT', io, lockDir, clock, timeoutMs: 3000 });
    await new Promise((r) => setImmediate(r));
    clock.increment(3000);
    expect(await pending).toMatchObject({ final: null, lines: [] });
    expect(existsSync(join(lockDir, lockFileName('/dev/ttyS7')))).toBe(false);
  });

  it('refuses what is not an AT command, and dials (they would leave a call no link holds)', async () => {
    const io = new FakeModemIo(new SimulatedClock());
    await expect(atExchange({ device: '/dev/ttyS7', command: 'rm -rf /', io, lockDir })).rejects.toMatchObject({ code: 'HAYES_BAD_COMMAND' });
    await expect(atExchange({ device: '/dev/ttyS7', command: 'ATDT5551234', io, lockDir })).rejects.toMatchObject({ code: 'HAYES_BAD_COMMAND', message: expect.stringContaining('dialbond up') });
    await expect(atExchange({ device: '/dev/ttyS7', command: 'ATE1 D', io, lockDir })).rejects.toMatchObject({ code: 'HAYES_BAD_COMMAND' });
    await expect(atExchange({ device: '/dev/ttyS7', command: 'AT\rATZ', io, lockDir })).rejects.toMatchObject({ code: 'HAYES_BAD_COMMAND' });
    expect(io.writes).toEqual([]);
    // &D (DTR handling) and extended commands are not dials
    const ok = new FakeModemIo(new SimulatedClock(), (_, port) => port.reply('OK'));
    expect(await atExchange({ device: '/dev/ttyS7', command: 'AT&D2', io: ok, lockDir })).toMatchObject({ final: 'OK' });
    expect(await atExchange({ device: '/dev/ttyS7', command: 'AT+CGDCONT=1,"IP","internet"', io: ok, lockDir })).toMatchObject({ final: 'OK' });
  });
});
