/**
 * Kernel settings through /proc/sys, remembered so a bundle can put back what it changed
 * (net.ipv4.tcp_reordering, rp_filter, fib_multipath_hash_policy) when it is destroyed.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { DialbondError, systemErrorCode } from '../errors/index.js';

function pathOf(key: string): string {
  if (!/^[a-z0-9_.\-]+$/i.test(key)) throw new DialbondError('BUNDLE_INVALID', `not a sysctl name: ${key}`, { key });
  return `/proc/sys/${key.replace(/\./g, '/')}`;
}

export function readSysctl(key: string): string {
  try {
    return readFileSync(pathOf(key), 'utf8').trim();
  } catch (error) {
    throw new DialbondError('SYS_COMMAND_FAILED', `cannot read sysctl ${key}: ${systemErrorCode(error) ?? String(error)}`, { key });
  }
}

export function writeSysctl(key: string, value: string | number): void {
  try {
    writeFileSync(pathOf(key), `${value}\n`);
  } catch (error) {
    throw new DialbondError('SYS_COMMAND_FAILED', `cannot set sysctl ${key}=${value}: ${systemErrorCode(error) ?? String(error)} (root needed)`, { key });
  }
}

/**
 * Sets sysctls and remembers their first value, to restore them all later. With a state
 * file the first values are also kept on disk: a daemon killed before it could restore
 * them leaves the file, and the next run starts from it, so it restores the values from
 * before the crash, not the ones the crashed run had set.
 */
export class SysctlJournal {
  private readonly saved = new Map<string, string>();
  /** Settings a previous run changed and did not restore (read from the state file). */
  readonly inherited: string[] = [];

  constructor(
    private readonly read: (key: string) => string = readSysctl,
    private readonly write: (key: string, value: string | number) => void = writeSysctl,
    private readonly stateFile?: string,
  ) {
    if (stateFile === undefined) return;
    let previous: unknown;
    try {
      previous = JSON.parse(readFileSync(stateFile, 'utf8'));
    } catch {
      return; // none (the usual case), or unreadable: nothing to inherit
    }
    if (previous && typeof previous === 'object' && !Array.isArray(previous)) {
      for (const [key, value] of Object.entries(previous)) {
        if (typeof value !== 'string' || !/^[a-z0-9_.\-]+$/i.test(key)) continue;
        this.saved.set(key, value);
        this.inherited.push(key);
      }
    }
  }

  set(key: string, value: string | number): void {
    if (!this.saved.has(key)) {
      this.saved.set(key, this.read(key));
      this.persist();
    }
    this.write(key, value);
  }

  /** Puts every changed setting back (best effort: a device that is gone is skipped). */
  restore(): void {
    for (const [key, value] of [...this.saved].reverse()) {
      try {
        this.write(key, value);
      } catch {
        /* e.g. net.ipv4.conf.ppp0.rp_filter after ppp0 went away */
      }
    }
    this.saved.clear();
    if (this.stateFile !== undefined) rmSync(this.stateFile, { force: true });
  }

  private persist(): void {
    if (this.stateFile === undefined) return;
    const temporary = `${this.stateFile}.tmp`;
    writeFileSync(temporary, JSON.stringify(Object.fromEntries(this.saved)), { mode: 0o600 });
    renameSync(temporary, this.stateFile);
  }

  get changed(): string[] {
    return [...this.saved.keys()];
  }
}
