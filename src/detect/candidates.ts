/**
 * The ports `dialbond detect` looks at: the serial ports sysfs lists (ttyS*, ttyUSB*,
 * ttyACM*) and the paths given, each with the reason not to touch it when there is one: a
 * UART slot with no chip (the kernel's port type 0), the system console, a port another
 * program has locked or open. A port in use is never written to: an AT probe on a line
 * pppd is running on would break its call.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultLockDir, kernelNameOf, listSerialPorts, otherHolders, lockOwner, lockFileName, type SerialPortInfo, type SysfsRoots } from '../modem/index.js';
import { describeHolders, type PortHolder } from '../sys/index.js';

/** The kinds of port a scan looks at (wvdialconf's set). */
const SCANNED = /^tty(S|USB|ACM)\d+$/;

export interface Candidate {
  device: string;
  /** The USB device behind it (for a `match:` in the configuration). */
  usb?: SerialPortInfo['usb'];
  /** Set when the port is not probed, saying why. */
  skip?: string;
  /** Who has it open, when that is the reason. */
  holders?: PortHolder[];
}

export interface CandidateOptions {
  /** Ports to probe besides (or, with scan false, instead of) the scanned ones. */
  paths?: readonly string[];
  scan?: boolean;
  roots?: SysfsRoots;
  /** The serial ports sysfs lists, when the caller has read them already. */
  listed?: readonly SerialPortInfo[];
  lockDir?: string;
  holders?: (device: string) => PortHolder[];
}

function readSys(roots: SysfsRoots, ...parts: string[]): string | undefined {
  try {
    return readFileSync(join(roots.sys ?? '/sys', ...parts), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Why a listed port is no modem port at all, before anyone opens it. */
function hardwareSkip(name: string, roots: SysfsRoots, consoles: ReadonlySet<string>): string | undefined {
  if (consoles.has(name)) return 'the system console';
  // serial8250 registers every legacy slot (ttyS0-3 and more); an empty one has type 0.
  if (/^ttyS\d+$/.test(name) && readSys(roots, 'class', 'tty', name, 'type') === '0') return 'no UART at this port';
  return undefined;
}

/** Why a port must not be touched now: locked, or open in another program. */
function usageSkip(device: string, options: CandidateOptions): Pick<Candidate, 'skip' | 'holders'> {
  const dir = options.lockDir ?? defaultLockDir();
  const owner = lockOwner(device, dir);
  if (owner !== undefined) return { skip: `locked by pid ${owner} (${join(dir, lockFileName(device))})` };
  const holders = (options.holders ?? otherHolders)(device);
  if (holders.length > 0) return { skip: `open in ${describeHolders(holders)}`, holders };
  return {};
}

/** The ports to probe, in name order (given paths after the scanned ones, each once). */
export function detectCandidates(options: CandidateOptions = {}): Candidate[] {
  const roots = options.roots ?? {};
  const consoles = new Set((readSys(roots, 'class', 'tty', 'console', 'active') ?? '').split(/\s+/).filter(Boolean));
  const listed = options.listed ?? listSerialPorts(roots);
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  const add = (device: string, info: SerialPortInfo | undefined) => {
    if (seen.has(device)) return;
    seen.add(device);
    const candidate: Candidate = { device, ...(info?.usb ? { usb: info.usb } : {}) };
    const skip = hardwareSkip(kernelNameOf(device), roots, consoles);
    candidates.push(skip !== undefined ? { ...candidate, skip } : { ...candidate, ...usageSkip(device, options) });
  };
  if (options.scan !== false) for (const port of listed) if (SCANNED.test(port.name)) add(port.device, port);
  for (const path of options.paths ?? []) add(path, listed.find((p) => p.name === kernelNameOf(path)));
  return candidates;
}
