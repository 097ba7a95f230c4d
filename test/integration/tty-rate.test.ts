/**
 * A tty's rate as any number of bit/s, on a real pty: set through one descriptor, seen
 * through another and after a reopen (the pty lives as long as its master), and kept by a
 * program that sets the line up with glibc's tcsetattr and no rate of its own, as pppd does
 * on a handed-over line (stty here).
 */
import { closeSync, constants, openSync } from 'node:fs';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPtyNative, setTtyRate, ttyRate } from '../../src/sys/index.js';

describe('tty rate (termios2, BOTHER) on a pty', () => {
  const open: number[] = [];
  afterEach(() => {
    for (const fd of open.splice(0)) closeSync(fd);
  });
  const slave = (path: string) => {
    const fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY);
    open.push(fd);
    return fd;
  };

  it('sets 28800 bit/s, which no Bnnn constant names, and keeps it across a reopen and a tcsetattr without a rate', async () => {
    const pty = loadPtyNative().openPty();
    open.push(pty.fd);
    const fd = slave(pty.path);
    expect(setTtyRate(fd, 28800)).toBe(28800);
    expect(ttyRate(pty.fd)).toBe(28800); // a pty's termios are the slave's, seen from the master too
    expect(ttyRate(slave(pty.path))).toBe(28800);
    await execa('stty', ['-F', pty.path, 'raw', '-echo', 'crtscts']);
    expect(ttyRate(fd)).toBe(28800);
    expect(setTtyRate(fd, 115200)).toBe(115200);
  });

  it('says what is wrong with a descriptor that is no tty, and with a rate that is none', () => {
    const fd = openSync('/dev/null', constants.O_RDONLY);
    open.push(fd);
    expect(() => setTtyRate(fd, 28800)).toThrow(/setting the tty rate on descriptor \d+: TCGETS2: .*\(not a tty\)/);
    expect(() => ttyRate(fd)).toThrow(expect.objectContaining({ code: 'SYS_COMMAND_FAILED', details: expect.objectContaining({ errno: 'ENOTTY' }) }));
    expect(() => setTtyRate(fd, 0)).toThrow(/a tty rate is a positive whole number of bit\/s, not 0/);
  });
});
