import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DialbondError } from '../errors/index.js';
import { acquireDeviceLock, lockFileName, lockOwner, parseLockPid } from './lock.js';

const lockDir = () => mkdtempSync(join(tmpdir(), 'dialbond-lock-'));

/** A PID that is certainly dead: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.on('exit', r));
  return child.pid as number;
}

describe('UUCP device locks', () => {
  it('writes our PID as 10 ASCII characters and a newline, and removes it on release', () => {
    const dir = lockDir();
    const lock = acquireDeviceLock('/dev/ttyS0', { dir });
    const file = join(dir, 'LCK..ttyS0');
    expect(readFileSync(file, 'latin1')).toBe(`${String(process.pid).padStart(10)}\n`);
    expect(lockOwner('/dev/ttyS0', dir)).toBe(process.pid);
    lock.release();
    expect(existsSync(file)).toBe(false);
    lock.release(); // idempotent
  });

  it('refuses a device locked by a live process, naming the pid', () => {
    const dir = lockDir();
    writeFileSync(join(dir, 'LCK..ttyS1'), `${String(process.ppid).padStart(10)}\n`);
    try {
      acquireDeviceLock('/dev/ttyS1', { dir });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DialbondError);
      expect((error as DialbondError).code).toBe('MODEM_LOCKED');
      expect((error as DialbondError).message).toContain(`ttyS1 is locked by pid ${process.ppid}`);
    }
    expect(readFileSync(join(dir, 'LCK..ttyS1'), 'latin1').trim()).toBe(String(process.ppid));
  });

  it('removes a stale lock (dead pid), reports it, and takes the device', async () => {
    const dir = lockDir();
    const dead = await deadPid();
    writeFileSync(join(dir, 'LCK..ttyS2'), `${String(dead).padStart(10)}\n`);
    const stale: Array<number | undefined> = [];
    const lock = acquireDeviceLock('/dev/ttyS2', { dir, onStale: ({ pid }) => stale.push(pid) });
    expect(stale).toEqual([dead]);
    expect(parseLockPid(readFileSync(lock.file))).toBe(process.pid);
    lock.release();
  });

  it('treats a garbage lock file as stale', () => {
    const dir = lockDir();
    writeFileSync(join(dir, 'LCK..ttyS3'), 'not a pid at all');
    const lock = acquireDeviceLock('/dev/ttyS3', { dir });
    lock.release();
  });

  it('reads the old binary (4-byte) lock format', () => {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32LE(4242);
    expect(parseLockPid(buffer)).toBe(4242);
    expect(parseLockPid(Buffer.from('      4242\n'))).toBe(4242);
  });

  it('locks the real device behind a symlink, so two names share one lock', () => {
    const dir = lockDir();
    const target = join(dir, 'ttyFAKE9');
    writeFileSync(target, '');
    const link = join(dir, 'modem');
    symlinkSync(target, link);
    expect(lockFileName(link)).toBe('LCK..ttyFAKE9');
  });

  it('fails clearly when the lock directory is missing', () => {
    try {
      acquireDeviceLock('/dev/ttyS4', { dir: '/nonexistent/lock' });
      expect.unreachable();
    } catch (error) {
      expect((error as DialbondError).code).toBe('MODEM_LOCK_FAILED');
      expect((error as DialbondError).message).toContain('/nonexistent/lock');
    }
  });

  it('does not remove a lock that another process took over after ours', () => {
    const dir = lockDir();
    const lock = acquireDeviceLock('/dev/ttyS5', { dir });
    writeFileSync(lock.file, `${String(process.ppid).padStart(10)}\n`);
    lock.release();
    expect(existsSync(lock.file)).toBe(true);
  });
});
