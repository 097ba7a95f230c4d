/**
 * What every bundle backend keeps the same way: its members by link name, and the
 * system it reaches through (Exec, sysctl journal, sysfs), defaulting to the real one.
 */
import { type BundleLinkStatus, type BundleMember, type BundleMode, type BundleStatus } from './backend.js';

import { systemBundleDeps, type BundleDeps } from './deps.js';
import { rootQdisc, type QueueSettings } from './queue.js';

export abstract class BundleBase {
  abstract readonly mode: BundleMode;
  protected readonly members = new Map<string, BundleMember>();
  /** Devices queueOn() gave a root qdisc of ours. */
  private readonly queued = new Set<string>();
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
   * Gives `ifname` the root qdisc for `lines` (one line, or a master's slaves): CAKE shaped
   * under their summed rate, else an SFQ (see queue.ts). With no line left it stays as it
   * is (the device is on its way out). CAKE changes in place; tc cannot change an SFQ
   * ("Change operation not supported"), so one that is there already is replaced in two steps.
   */
  protected async queueOn(ifname: string, settings: QueueSettings | undefined, lines: readonly BundleMember[], options: { splitBy?: ReadonlyArray<number> } = {}): Promise<void> {
    if (lines.length === 0) return;
    const qdisc = rootQdisc(settings, lines.map((m) => m.rateBps), options);
    if (!qdisc) return;
    this.queued.add(ifname);
    const replaced = await this.exec('tc', ['qdisc', 'replace', 'dev', ifname, 'root', ...qdisc], { allowFailure: true });
    if (replaced.exitCode === 0) return;
    await this.exec('tc', ['qdisc', 'del', 'dev', ifname, 'root'], { allowFailure: true });
    await this.exec('tc', ['qdisc', 'add', 'dev', ifname, 'root', ...qdisc]);
  }

  /** A master's lines changed: its shaper follows their summed rate. An unshaped master
   * (an SFQ) keeps its size instead, because tc can only replace an SFQ, dropping what it
   * holds, and a line leaving is no time for that. */
  protected async reshape(ifname: string, settings: QueueSettings | undefined, lines: readonly BundleMember[], options: { splitBy?: ReadonlyArray<number> } = {}): Promise<void> {
    if (rootQdisc(settings, lines.map((m) => m.rateBps), options)?.[0] === 'cake') await this.queueOn(ifname, settings, lines, options);
  }

  /** Gives `ifname` back the kernel's default qdisc, if queueOn() gave it another (and it
   * still exists). */
  protected async queueOff(ifname: string): Promise<void> {
    if (!this.queued.delete(ifname) || !this.exists(ifname)) return;
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
