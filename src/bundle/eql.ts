/**
 * eql: the serial line "equalizer" (drivers/net/eql.c). The master device `eql` holds the
 * bundle's address and routes; `eql_enslave eql pppN <bps>` makes a line a slave, and each
 * packet leaves by the slave with the least bytes queued for its speed (the priority is the
 * drain rate in bps, see priorityOf). Per packet, like teql: what one end controls is its upload.
 *
 * Kernel facts this backend follows:
 * - the master exists only in the initial network namespace, made when the module loads;
 * - it starts at MTU 576, and eql_enslave refuses a slave whose MTU differs ("master (576)
 *   and slave (1500) MTU settings do not match"), so the MTU is set before any enslave;
 * - the driver only enslaves while the master is up (eql_enslave: -EINVAL otherwise);
 * - there is no tool to emancipate or re-weigh a slave: src/sys/eql.ts makes those ioctls;
 * - a slave that goes down is dropped by the driver's own timer (eql_timer, every second),
 *   and taking the master down emancipates every slave (eql_close).
 */
import { DialbondError } from '../errors/index.js';
import { systemEqlControl, type EqlControl } from '../sys/index.js';
import type { BundleBackend, BundleConfig, BundleMember } from './backend.js';
import { BundleBase } from './base.js';
import { drainRate, type QueueSettings } from './queue.js';
import type { BundleDeps } from './deps.js';
import { isInterfaceName } from '../sys/ifname.js';

/** What the eql backend needs besides the common deps: the eql ioctls. */
export interface EqlBundleDeps extends BundleDeps {
  eql: EqlControl;
}

/**
 * eql's priority: a positive whole number of bits per second. eql sends each packet by the
 * slave with the least `bytes_queued * 8 - priority` and, once a second, takes `priority / 8`
 * off each slave's `bytes_queued`: the priority is its model of how fast the slave drains.
 * Where the line's rate is known, that is what the line's queue really passes (the
 * shaper's rate); the CONNECT speed would drain the model faster than the line and, over
 * uneven lines, overfeed the slow one (115200 + 57600 bps, shaped: 57% of the summed rate
 * with the CONNECT speeds, 80-82% with the drain rates). Otherwise the link's weight.
 */
function priorityOf(member: { weight: number; rateBps?: number }, queue: QueueSettings | undefined): number {
  const bps = member.rateBps !== undefined && member.rateBps > 0 ? drainRate(queue, member.rateBps) : member.weight;
  return Math.max(1, Math.round(bps));
}

/** True when an eql ioctl failed because the slave is gone or no longer enslaved. */
function isGoneError(error: unknown): boolean {
  const errno = error instanceof DialbondError ? error.details.errno : undefined;
  return errno === 'ENODEV' || errno === 'EINVAL';
}

export class EqlBundle extends BundleBase implements BundleBackend {
  readonly mode = 'eql' as const;
  private readonly device: string;
  private readonly mtu: number;
  /** The master's MTU before the first create() (null: unreadable), put back by destroy(). */
  private savedMtu: number | null | undefined;

  private readonly eql: EqlBundleDeps['eql'];

  constructor(
    private readonly config: BundleConfig,
    deps: Partial<EqlBundleDeps> = {},
  ) {
    super(deps);
    this.eql = deps.eql ?? systemEqlControl;
    this.device = config.device ?? 'eql';
    if (!isInterfaceName(this.device)) throw new DialbondError('BUNDLE_INVALID', `not an interface name for the eql master: "${this.device}"`, { device: this.device });
    this.mtu = config.mtu ?? 1500;
    if (!Number.isInteger(this.mtu) || this.mtu < 68 || this.mtu > 65535) throw new DialbondError('BUNDLE_INVALID', `the eql bundle's mtu must be a whole number from 68 to 65535, not ${this.mtu}`, { mtu: this.mtu });
  }

  async create(): Promise<void> {
    if (!this.exists(this.device)) await this.exec('modprobe', ['eql'], { allowFailure: true });
    if (!this.exists(this.device)) throw new DialbondError('BUNDLE_FAILED', `${this.device} does not exist: the kernel has no eql module (eql masters exist only in the initial network namespace)`, { device: this.device });
    if (this.savedMtu === undefined) this.savedMtu = await this.readMtu();
    // Before any enslave: eql_enslave refuses a slave whose MTU differs from the master's.
    await this.exec('ip', ['link', 'set', this.device, 'mtu', String(this.mtu)]);
    if (this.config.address) await this.exec('ip', ['addr', 'replace', `${this.config.address}/32`, 'dev', this.device]);
    // The driver enslaves only while the master is up.
    await this.exec('ip', ['link', 'set', this.device, 'up']);
    this.sysctl.set('net.ipv4.tcp_reordering', this.config.tcpReordering ?? 127);
    this.sysctl.set('net.ipv4.conf.all.rp_filter', 0);
  }

  async addLink(member: BundleMember): Promise<void> {
    const known = this.members.get(member.name);
    if (known && known.ifname !== member.ifname) await this.removeLink(member.name);
    this.sysctl.set(`net.ipv4.conf.${member.ifname}.rp_filter`, 0);
    const priority = priorityOf(member, this.config.queue);
    const result = await this.exec('eql_enslave', [this.device, member.ifname, String(priority)], { allowFailure: true });
    if (result.exitCode !== 0) {
      // Already our slave (applying twice, or a restarted daemon finding its leftovers):
      // setting its priority succeeds only then.
      try {
        this.eql.setPriority(this.device, member.ifname, priority);
      } catch {
        const said = (result.stderr || result.stdout).trim();
        const hint = /MTU/.test(said) ? `; the master's MTU is ${this.mtu}: set the bundle's mtu to the line's` : '';
        throw new DialbondError('BUNDLE_FAILED', `cannot enslave ${member.ifname} to ${this.device}: ${said || `eql_enslave status ${result.exitCode}`}${hint}`, {
          device: this.device,
          ifname: member.ifname,
        });
      }
    }
    this.members.set(member.name, { ...member });
    // The routes wait for a slave: a master without one would swallow the router's traffic.
    for (const route of this.config.routes) await this.exec('ip', ['route', 'replace', route, 'dev', this.device]);
    await this.queueOn(member.ifname, this.config.queue, [member]);
    await this.queueOn(this.device, this.config.queue, [...this.members.values()]);
  }

  async removeLink(name: string, onOut?: () => void): Promise<void> {
    const member = this.members.get(name);
    if (!member) return;
    this.members.delete(name);
    if (this.members.size === 0) await this.giveRoutesBack();
    // Out first, tidy after; then the master is shaped for the lines left.
    if (this.exists(member.ifname)) {
      try {
        this.eql.emancipate(this.device, member.ifname);
      } catch (error) {
        // Gone meanwhile, or already dropped by eql's timer because the line went down.
        if (!isGoneError(error)) throw error;
      }
    }
    onOut?.();
    await this.queueOff(member.ifname);
    await this.reshape(this.device, this.config.queue, [...this.members.values()]);
  }

  /** eql shares the load by each slave's priority (priorityOf): a new weight moves it only
   * for a line whose rate is not known. */
  override async setWeight(name: string, weight: number): Promise<void> {
    const member = this.members.get(name);
    if (!member) return;
    if (this.exists(member.ifname)) this.eql.setPriority(this.device, member.ifname, priorityOf({ ...member, weight }, this.config.queue));
    member.weight = weight;
  }

  protected override statusDevice(): string | null {
    return this.device;
  }

  async destroy(): Promise<void> {
    for (const name of [...this.members.keys()]) {
      try {
        await this.removeLink(name);
      } catch {
        /* taking the master down below emancipates every slave anyway (eql_close) */
      }
    }
    for (const route of this.config.routes) await this.exec('ip', ['route', 'del', route, 'dev', this.device], { allowFailure: true });
    await this.queueOff(this.device);
    if (this.exists(this.device)) {
      await this.exec('ip', ['addr', 'flush', 'dev', this.device], { allowFailure: true });
      await this.exec('ip', ['link', 'set', this.device, 'down'], { allowFailure: true });
      if (typeof this.savedMtu === 'number') await this.exec('ip', ['link', 'set', this.device, 'mtu', String(this.savedMtu)], { allowFailure: true });
    }
    this.savedMtu = undefined;
    await this.sysctl.restore();
  }

  private async readMtu(): Promise<number | null> {
    const { stdout } = await this.exec('ip', ['-j', 'link', 'show', 'dev', this.device]);
    try {
      const mtu = (JSON.parse(stdout) as Array<{ mtu?: unknown }>)[0]?.mtu;
      return typeof mtu === 'number' ? mtu : null;
    } catch {
      return null;
    }
  }
}
