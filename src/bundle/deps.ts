/**
 * What a bundle backend needs from the system, in one place so unit tests can give
 * backends a recording Exec and a fake sysfs instead of the real ones.
 */
import { interfaceExists, readCounters, SysctlJournal, systemExec, type Exec, type InterfaceCounters } from '../sys/index.js';

export interface BundleDeps {
  exec: Exec;
  sysctl: SysctlJournal;
  exists: (ifname: string) => boolean;
  counters: (ifname: string) => InterfaceCounters | undefined;
}

export function systemBundleDeps(): BundleDeps {
  return { exec: systemExec, sysctl: new SysctlJournal(), exists: interfaceExists, counters: readCounters };
}
