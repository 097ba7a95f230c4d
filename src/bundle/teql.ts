/**
 * teql: the "true link equalizer" queueing discipline. Each slave gets `tc qdisc add dev
 * pppN root teql0`; packets leave round robin over the slaves (per packet, so both ends
 * should run it; what one end controls is its upload). teql does not notice a dead line
 * itself: the supervisor removes it. teql has no weights: every slave gets its turn (they
 * are recorded for status only). Reverse-path filtering is turned off on the slaves,
 * since replies may come back over another line than the one a request left by.
 */
import { DialbondError } from '../errors/index.js';
import type { BundleBackend, BundleConfig, BundleMember } from './backend.js';
import { BundleBase } from './base.js';
import type { BundleDeps } from './deps.js';

export class TeqlBundle extends BundleBase implements BundleBackend {
  readonly mode = 'teql' as const;
  private readonly device: string;

  constructor(
    private readonly config: BundleConfig,
    deps: Partial<BundleDeps> = {},
  ) {
    super(deps);
    this.device = config.device ?? 'teql0';
    if (!/^teql\d+$/.test(this.device)) throw new DialbondError('BUNDLE_INVALID', `a teql bundle's device is teqlN, not "${this.device}"`, { device: this.device });
  }

  async create(): Promise<void> {
    if (!this.exists(this.device)) await this.exec('modprobe', ['sch_teql'], { allowFailure: true });
    if (!this.exists(this.device)) throw new DialbondError('BUNDLE_FAILED', `${this.device} does not exist: the kernel has no sch_teql (teql masters exist only in the initial network namespace)`, { device: this.device });
    if (this.config.address) await this.exec('ip', ['addr', 'replace', `${this.config.address}/32`, 'dev', this.device]);
    this.sysctl.set('net.ipv4.tcp_reordering', this.config.tcpReordering ?? 127);
    this.sysctl.set('net.ipv4.conf.all.rp_filter', 0);
  }

  async addLink(member: BundleMember): Promise<void> {
    this.sysctl.set(`net.ipv4.conf.${member.ifname}.rp_filter`, 0);
    await this.exec('tc', ['qdisc', 'replace', 'dev', member.ifname, 'root', this.device]);
    this.members.set(member.name, member);
    // A teql master cannot go up without a slave ("Protocol driver not attached"), and
    // routes need it up: both wait for the first link.
    await this.exec('ip', ['link', 'set', this.device, 'up']);
    for (const route of this.config.routes) await this.exec('ip', ['route', 'replace', route, 'dev', this.device]);
    // teql0's own queue feeds the slaves (whose teql qdiscs hold a few packets each).
    await this.queueOn(this.device, this.config.queue, [...this.members.values()], { splitBy: [...this.members.values()].map(() => 1) });
  }

  async removeLink(name: string, onOut?: () => void): Promise<void> {
    const member = this.members.get(name);
    if (!member) return;
    this.members.delete(name);
    // One command: the line is out at once. Then teql0 is shaped for the lines left.
    if (this.exists(member.ifname)) await this.exec('tc', ['qdisc', 'del', 'dev', member.ifname, 'root'], { allowFailure: true });
    onOut?.();
    if (this.members.size === 0) await this.giveRoutesBack();
    else await this.reshape(this.device, this.config.queue, [...this.members.values()], { splitBy: [...this.members.values()].map(() => 1) });
  }

  protected override statusDevice(): string | null {
    return this.device;
  }

  async destroy(): Promise<void> {
    for (const name of [...this.members.keys()]) await this.removeLink(name);
    for (const route of this.config.routes) await this.exec('ip', ['route', 'del', route, 'dev', this.device], { allowFailure: true });
    await this.queueOff(this.device);
    if (this.exists(this.device)) {
      await this.exec('ip', ['addr', 'flush', 'dev', this.device], { allowFailure: true });
      await this.exec('ip', ['link', 'set', this.device, 'down'], { allowFailure: true });
    }
    await this.sysctl.restore();
  }
}
