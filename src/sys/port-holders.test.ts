import { closeSync, mkdirSync, mkdtempSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeHolders, isModemManager, modemManagerPids, portHolders } from './port-holders.js';

/** A /proc of our own: process 812 (ModemManager) holds /dev/ttyACM0, 4410 (minicom) holds /dev/ttyS0. */
function fakeProc() {
  const proc = mkdtempSync(join(tmpdir(), 'dialbond-proc-'));
  const process_ = (pid: number, comm: string, fds: string[]) => {
    mkdirSync(join(proc, String(pid), 'fd'), { recursive: true });
    writeFileSync(join(proc, String(pid), 'comm'), `${comm}\n`);
    fds.forEach((target, i) => symlinkSync(target, join(proc, String(pid), 'fd', String(i))));
  };
  process_(812, 'ModemManager', ['/dev/null', '/dev/ttyACM0', 'socket:[1234]']);
  process_(4410, 'minicom', ['/dev/ttyS0', '/dev/ttyS0']);
  mkdirSync(join(proc, 'self'));
  return proc;
}

describe('who holds a port open', () => {
  it('finds the processes with the device among their descriptors, once each', () => {
    const proc = fakeProc();
    expect(portHolders('/dev/ttyACM0', { proc })).toEqual([{ pid: 812, command: 'ModemManager' }]);
    expect(portHolders('/dev/ttyS0', { proc })).toEqual([{ pid: 4410, command: 'minicom' }]);
    expect(portHolders('/dev/ttyS0', { proc, exceptPids: [4410] })).toEqual([]);
    expect(portHolders('/dev/ttyUSB0', { proc })).toEqual([]);
    expect(describeHolders(portHolders('/dev/ttyACM0', { proc }))).toBe('ModemManager (pid 812)');
    expect(isModemManager({ pid: 812, command: 'ModemManager' })).toBe(true);
    expect(modemManagerPids({ proc })).toEqual([812]);
  });

  it('sees a file this very process holds through the real /proc, unless told to leave us out', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dialbond-held-')), 'port');
    writeFileSync(file, '');
    const fd = openSync(file, 'r');
    try {
      expect(portHolders(file, { exceptPids: [] })).toContainEqual({ pid: process.pid, command: expect.any(String) });
      expect(portHolders(file)).toEqual([]);
    } finally {
      closeSync(fd);
    }
    expect(portHolders(file, { exceptPids: [] })).toEqual([]);
  });
});
