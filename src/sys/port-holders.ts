/**
 * Which processes hold a device open, read from /proc/PID/fd (what fuser and lsof do).
 * UUCP locks only speak for the programs that take them: ModemManager, a screen session or
 * a getty open modem ports without one, and two readers of one tty steal each other's
 * bytes. A process whose descriptors we may not read (someone else's, when we are not
 * root) is not seen; that is the most this can know without privileges.
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

export interface PortHolder {
  pid: number;
  /** The process's name (/proc/PID/comm), e.g. "ModemManager". */
  command: string;
}

export interface PortHolderOptions {
  /** Where procfs is (tests give a tree of their own). */
  proc?: string;
  /** Processes not to count (our own, by default: the port we reopen ourselves). */
  exceptPids?: readonly number[];
}

function realPathOf(device: string): string {
  try {
    return realpathSync(device);
  } catch {
    return device;
  }
}

function commandOf(proc: string, pid: string): string {
  try {
    return readFileSync(join(proc, pid, 'comm'), 'utf8').trim() || `pid ${pid}`;
  } catch {
    return `pid ${pid}`;
  }
}

/** The processes other than ours that have `device` (or what its link points at) open. */
export function portHolders(device: string, options: PortHolderOptions = {}): PortHolder[] {
  const proc = options.proc ?? '/proc';
  const except = new Set(options.exceptPids ?? [process.pid]);
  const target = realPathOf(device);
  let pids: string[];
  try {
    pids = readdirSync(proc).filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const holders: PortHolder[] = [];
  for (const pid of pids) {
    if (except.has(Number(pid))) continue;
    let fds: string[];
    try {
      fds = readdirSync(join(proc, pid, 'fd'));
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      let path: string;
      try {
        path = readlinkSync(join(proc, pid, 'fd', fd));
      } catch {
        continue;
      }
      if (path === target) {
        holders.push({ pid: Number(pid), command: commandOf(proc, pid) });
        break;
      }
    }
  }
  return holders.sort((a, b) => a.pid - b.pid);
}

/** "ModemManager (pid 812), minicom (pid 4410)", for messages. */
export function describeHolders(holders: readonly PortHolder[]): string {
  return holders.map((h) => `${h.command} (pid ${h.pid})`).join(', ');
}

/** The ModemManager daemon, which probes every new ttyACM/ttyUSB with AT commands and keeps
 * the ports of the modems it finds. */
export function isModemManager(holder: PortHolder): boolean {
  return holder.command === 'ModemManager';
}

/** The running ModemManager daemons (their PIDs), from /proc/PID/comm. */
export function modemManagerPids(options: Pick<PortHolderOptions, 'proc'> = {}): number[] {
  const proc = options.proc ?? '/proc';
  let pids: string[];
  try {
    pids = readdirSync(proc).filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return pids.filter((pid) => commandOf(proc, pid) === 'ModemManager').map(Number).sort((a, b) => a - b);
}
