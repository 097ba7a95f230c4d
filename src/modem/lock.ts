/**
 * UUCP lock files, the convention every Linux serial program shares (pppd, minicom, cu,
 * wvdial): /var/lock/LCK..ttyS0 holds the owner's PID as 10 ASCII characters and a newline
 * (the HDB UUCP format, FHS 5.9). A lock whose PID is dead is stale: it is removed (and
 * reported). A live one means "in use": we do not dial. The file is created atomically (a
 * temp file linked into place), so two programs racing for a port cannot both win.
 */
import { closeSync, linkSync, openSync, readFileSync, realpathSync, unlinkSync, writeSync, constants } from 'node:fs';
import { basename, join } from 'node:path';
import { DialbondError, systemErrorCode } from '../errors/index.js';

/** Where lock files go: $DIALBOND_LOCK_DIR, else /var/lock (a link to /run/lock on Debian). */
export function defaultLockDir(): string {
  return process.env.DIALBOND_LOCK_DIR || '/var/lock';
}

/** The kernel's name of a device given by a path that may be a link: /dev/modem and
 * /dev/serial/by-id/usb-... give ttyS0 or ttyUSB1 (a missing one, its own base name). */
export function kernelNameOf(device: string): string {
  try {
    return basename(realpathSync(device));
  } catch {
    return basename(device); // a missing device still gets a well-defined name
  }
}

/** The lock file name for a device: LCK.. plus the name of the real device node, so
 * /dev/modem -> /dev/ttyS0 and /dev/ttyS0 lock the same file. */
export function lockFileName(device: string): string {
  return `LCK..${kernelNameOf(device)}`;
}

/** The PID in a lock file's contents: ASCII (HDB) or the old 4-byte binary form. */
export function parseLockPid(content: Buffer): number | undefined {
  if (content.length === 4 && !/^\s*\d+\s*$/.test(content.toString('latin1'))) return content.readInt32LE(0);
  const text = content.toString('latin1').trim();
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/** The 11 bytes of an HDB lock for `pid`. */
export function formatLockPid(pid: number): string {
  return `${String(pid).padStart(10, ' ')}\n`;
}

/** Whether a process with this PID exists (EPERM means it exists but is someone else's). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return systemErrorCode(error) === 'EPERM';
  }
}

export interface LockOptions {
  dir?: string;
  /** The PID written into the lock (ours by default; pppd's when handing a line over). */
  pid?: number;
  /** Told about a stale lock that was removed. */
  onStale?: (info: { file: string; pid: number | undefined }) => void;
}

/** A held lock; `release()` is idempotent and only removes the file if it is still ours. */
export interface DeviceLock {
  readonly file: string;
  readonly pid: number;
  release(): void;
}

const held = new Set<DeviceLock>();
let exitHookInstalled = false;

/** Releases every lock this process holds (also run on process exit). */
export function releaseAllLocks(): void {
  for (const lock of [...held]) lock.release();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: unlinkSync is. Signals are turned into an orderly
  // exit by the CLI (which then lands here).
  process.on('exit', releaseAllLocks);
}

function lockError(code: 'MODEM_LOCK_FAILED', file: string, error: unknown): DialbondError {
  const sys = systemErrorCode(error);
  const hint = sys === 'EACCES' || sys === 'EPERM' ? ' (no permission: run as root or a member of the lock directory\'s group, or set DIALBOND_LOCK_DIR)' : sys === 'ENOENT' ? ' (the lock directory does not exist)' : '';
  return new DialbondError(code, `cannot create lock file ${file}: ${sys ?? String(error)}${hint}`, { file, errno: sys });
}

/** Takes the UUCP lock for `device`, or throws MODEM_LOCKED naming the live owner. */
export function acquireDeviceLock(device: string, options: LockOptions = {}): DeviceLock {
  const dir = options.dir ?? defaultLockDir();
  const file = join(dir, lockFileName(device));
  const pid = options.pid ?? process.pid;
  const temp = join(dir, `LTMP.${process.pid}.${Math.random().toString(36).slice(2, 8)}`);
  let fd: number;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  } catch (error) {
    throw lockError('MODEM_LOCK_FAILED', file, error);
  }
  try {
    writeSync(fd, formatLockPid(pid));
  } finally {
    closeSync(fd);
  }
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(temp, file);
        const lock: DeviceLock = {
          file,
          pid,
          release() {
            if (!held.delete(lock)) return;
            try {
              if (parseLockPid(readFileSync(file)) === pid) unlinkSync(file);
            } catch {
              /* already gone */
            }
          },
        };
        held.add(lock);
        installExitHook();
        return lock;
      } catch (error) {
        if (systemErrorCode(error) !== 'EEXIST') throw lockError('MODEM_LOCK_FAILED', file, error);
      }
      let owner: number | undefined;
      try {
        owner = parseLockPid(readFileSync(file));
      } catch {
        continue; // removed between link() and read: try again
      }
      if (owner !== undefined && pidAlive(owner)) {
        const name = basename(file).slice(5);
        throw new DialbondError('MODEM_LOCKED', `${name} is locked by pid ${owner} (${file})`, { device, file, pid: owner });
      }
      try {
        unlinkSync(file);
      } catch (error) {
        if (systemErrorCode(error) !== 'ENOENT') throw lockError('MODEM_LOCK_FAILED', file, error);
      }
      options.onStale?.({ file, pid: owner });
    }
    throw new DialbondError('MODEM_LOCK_FAILED', `could not take lock ${file}: it keeps reappearing`, { file });
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      /* ignore */
    }
  }
}

/** The PID holding the lock of `device`, if a live process does. */
export function lockOwner(device: string, dir = defaultLockDir()): number | undefined {
  try {
    const pid = parseLockPid(readFileSync(join(dir, lockFileName(device))));
    return pid !== undefined && pidAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}
