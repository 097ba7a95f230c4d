import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DialbondError } from '../errors/index.js';
import { claimPort, otherHolders } from './claim.js';

describe('claiming a port', () => {
  it('takes the lock when nobody else has the port open', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dialbond-claim-'));
    const lock = claimPort('/dev/ttyDIALBOND9', { dir, holders: () => [] });
    expect(existsSync(lock.file)).toBe(true);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a port ModemManager holds, says how to keep it off, and leaves no lock', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dialbond-claim-'));
    let error: unknown;
    try {
      claimPort('/dev/ttyDIALBOND9', { dir, holders: () => [{ pid: 812, command: 'ModemManager' }] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DialbondError);
    expect((error as DialbondError).code).toBe('MODEM_IN_USE');
    expect((error as DialbondError).message).toMatch(/^\/dev\/ttyDIALBOND9 is open in ModemManager \(pid 812\), which took no UUCP lock: .*dialbond udev-rules/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('names any other holder and asks to stop it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dialbond-claim-'));
    expect(() => claimPort('/dev/ttyDIALBOND9', { dir, holders: () => [{ pid: 4410, command: 'minicom' }] })).toThrow(/open in minicom \(pid 4410\).*stop it/);
  });

  it('looks only at the kernel\'s ttys: /dev/null, open in every process, is no modem port in use', () => {
    expect(otherHolders('/dev/null')).toEqual([]);
    expect(otherHolders('/nonexistent/ttyS9')).toEqual([]);
  });
});
