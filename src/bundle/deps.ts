/**
 * What a bundle backend needs from the system, in one place so unit tests can give
 * backends a recording Exec and a fake sysfs instead of the real ones.
 */
import { interfaceExists, readCounters, SysctlJournal, systemExec, type Exec, type InterfaceCounters } from '../sys/index.js';

/**
 * Where a backend records what it changes, to put it back: sysctls it sets, and (the
 * router journal) routes it gives back when its last line is gone. SysctlJournal covers
 * sysctls only; the daemon gives every backend one RouterJournal as this and its Exec.
 */
export interface SettingsJournal {
  set(key: string, value: string | number): void;
  /** Puts back everything recorded (at destroy). */
  restore(): unknown;
  /** Puts back the routes recorded so far (no line left to carry them). */
  restoreRoutes?(): Promise<unknown>;
}

export interface BundleDeps {
  exec: Exec;
  sysctl: SettingsJournal;
  exists: (ifname: string) => boolean;
  counters: (ifname: string) => InterfaceCounters | undefined;
}

export function systemBundleDeps(): BundleDeps {
  return { exec: systemExec, sysctl: new SysctlJournal(), exists: interfaceExists, counters: readCounters };
}
