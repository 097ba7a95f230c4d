/**
 * What every bundle backend keeps the same way: its members by link name, and the
 * system it reaches through (Exec, sysctl journal, sysfs), defaulting to the real one.
 */
import { DEFAULT_QUEUE_PER_LINE, type BundleLinkStatus, type BundleMember, type BundleMode, type BundleStatus } from './backend.js';

import { systemBundleDeps, type BundleDeps } from './deps.js';

export abstract class BundleBase {
  abstract readonly mode: BundleMode;
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

  /**
   * Gives `ifname` an SFQ of `lines` x the per-line queue (see DEFAULT_QUEUE_PER_LINE).
   * tc cannot change an SFQ in place ("Change operation not supported"): when one is
   * there already (a master whose line count changed), it is replaced in two steps.
   */
  protected async queueOn(ifname: string, perLine: number | undefined, lines = 1): Promise<void> {
    const packets = (perLine ?? DEFAULT_QUEUE_PER_LINE) * lines;
    if (packets <= 0) return;
    const sfq = ['root', 'sfq', 'limit', String(packets), 'perturb', '10'];
    const replaced = await this.exec('tc', ['qdisc', 'replace', 'dev', ifname, ...sfq], { allowFailure: true });
    if (replaced.exitCode === 0) return;
    await this.exec('tc', ['qdisc', 'del', 'dev', ifname, 'root'], { allowFailure: true });
    await this.exec('tc', ['qdisc', 'add', 'dev', ifname, ...sfq]);
  }

  /** Gives `ifname` back the kernel's default qdisc (when it still exists). */
  protected async queueOff(ifname: string, perLine: number | undefined): Promise<void> {
    if ((perLine ?? DEFAULT_QUEUE_PER_LINE) <= 0 || !this.exists(ifname)) return;
    await this.exec('tc', ['qdisc', 'del', 'dev', ifname, 'root'], { allowFailure: true });
  }

  /**
   * The bundle has no line left to carry its routes: the router's own routes that they
   * displaced (its default route, above all) come back from the journal until a line is
   * up again, rather than leaving the router routed into a bundle with no line.
   */
  protected async giveRoutesBack(): Promise<void> {
    await this.sysctl.restoreRoutes?.();
  }

  /** The device status() names: the master, or the interface the routes are on. */
  protected statusDevice(): string | null {
    return null;
  }

  async status(): Promise<BundleStatus> {
    return { mode: this.mode, device: this.statusDevice(), links: this.linkStatus() };
  }

  /** Records a weight for status only: for modes that share traffic out by themselves
   * (teql's round robin, pppd's multilink fragments). Backends with weights override it. */
  async setWeight(name: string, weight: number): Promise<void> {
    const member = this.members.get(name);
    if (member) member.weight = weight;
  }

  /** The members as status() shows them: each with its byte counters now. */
  protected linkStatus(): BundleLinkStatus[] {
    return [...this.members.values()].map((m) => ({ ...m, counters: this.counters(m.ifname) ?? null }));
  }
}
