/**
 * What every bundle backend keeps the same way: its members by link name, and the
 * system it reaches through (Exec, sysctl journal, sysfs), defaulting to the real one.
 */
import type { BundleLinkStatus, BundleMember } from './backend.js';
import { systemBundleDeps, type BundleDeps } from './deps.js';

export abstract class BundleBase {
  protected readonly members = new Map<string, BundleMember>();
  protected readonly exec: BundleDeps['exec'];
  protected readonly sysctl: BundleDeps['sysctl'];
  protected readonly exists: BundleDeps['exists'];
  protected readonly counters: BundleDeps['counters'];

  constructor(deps: Partial<BundleDeps>) {
    const all = { ...systemBundleDeps(), ...deps };
    this.exec = all.exec;
    this.sysctl = all.sysctl;
    this.exists = all.exists;
    this.counters = all.counters;
  }

  /** The members as status() shows them: each with its byte counters now. */
  protected linkStatus(): BundleLinkStatus[] {
    return [...this.members.values()].map((m) => ({ ...m, counters: this.counters(m.ifname) ?? null }));
  }
}
