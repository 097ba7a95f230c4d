/**
 * mlppp: Multilink PPP (RFC 1990). The bundle is pppd's own: each link's pppd runs with
 * `multilink` and a common `endpoint` (see PppdOptions.multilink), the first one creates a
 * ppp unit for the bundle and the next ones attach their channels to it (pppd matches them
 * through the peer's endpoint discriminator and authenticated name, in /run/pppd2.tdb).
 * The peer must run multilink too. Fragments carry sequence numbers and the receiver
 * reorders them, so one TCP flow gets the sum of the lines and tcp_reordering is left alone.
 * The kernel shares the traffic out by itself: it sizes each fragment by its channel's
 * speed, which is the tty's rate as pppd attached it (the link sets that to the line's
 * rate where the port's rate moves nothing: src/link/actors.ts), so link weights are
 * recorded for status only. The bundle is shaped at its lines' sum where those rates
 * follow the lines' (queue.ts), and keeps an SFQ where they do not.
 *
 * What is left to this backend: route the configured destinations (and put the optional
 * address) on the bundle interface, which is the first member's interface. Every member of
 * one bundle reports the same interface; should the one the routes use leave while others
 * remain, they are re-pointed at the next member's.
 */
import { DialbondError } from '../errors/index.js';
import type { BundleBackend, BundleConfig, BundleMember } from './backend.js';
import { BundleBase } from './base.js';
import type { BundleDeps } from './deps.js';
import { multilinkSplit } from './queue.js';

export class MlpppBundle extends BundleBase implements BundleBackend {
  readonly mode = 'mlppp' as const;
  /** The interface the routes (and address) are on, once a link is in. */
  private device: string | null = null;

  constructor(
    private readonly config: BundleConfig,
    deps: Partial<BundleDeps> = {},
  ) {
    super(deps);
  }

  /** Nothing to create: pppd makes the bundle interface when the first link comes up. */
  async create(): Promise<void> {}

  async addLink(member: BundleMember): Promise<void> {
    this.members.set(member.name, { ...member });
    await this.point();
  }

  async removeLink(name: string): Promise<void> {
    if (!this.members.delete(name)) return;
    await this.point();
  }

  protected override statusDevice(): string | null {
    return this.device;
  }

  async destroy(): Promise<void> {
    this.members.clear();
    await this.point();
  }

  /** Puts the routes and address on the first member's interface, taking them off the one they were on. */
  private async point(): Promise<void> {
    const first = this.members.values().next();
    const target = first.done ? null : first.value.ifname;
    const previous = this.device;
    if (target) {
      const lines = [...this.members.values()];
      await this.queueOn(target, this.config.queue, lines, { splitBy: multilinkSplit(lines) });
      if (this.config.address) await this.exec('ip', ['addr', 'replace', `${this.config.address}/32`, 'dev', target]);
      await this.route(target);
    }
    this.device = target;
    if (previous && previous !== target && this.exists(previous)) {
      if (!target) for (const route of this.config.routes) await this.exec('ip', ['route', 'del', route, 'dev', previous], { allowFailure: true });
      if (this.config.address) await this.exec('ip', ['addr', 'del', `${this.config.address}/32`, 'dev', previous], { allowFailure: true });
    }
    if (previous && previous !== target) await this.queueOff(previous);
    if (!target) await this.giveRoutesBack();
  }

  /**
   * Routes the destinations over `target`, unless it is not up yet. pppd says a link joined
   * ("Link attached to pppN") as soon as its channel is in the bundle, which may be before
   * the bundle's own IPCP has brought the interface up (seen in the lab: 3.3 s between the
   * two, when the bundle's first NCP packets went out before the ISP's end had joined its
   * own bundle): the routes then come with the link whose IPCP brings it up.
   */
  private async route(target: string): Promise<void> {
    for (const route of this.config.routes) {
      const result = await this.exec('ip', ['route', 'replace', route, 'dev', target], { allowFailure: true });
      if (result.exitCode === 0) continue;
      if (!(await this.isUp(target))) return;
      throw new DialbondError('SYS_COMMAND_FAILED', `ip route replace ${route} dev ${target} failed (status ${result.exitCode}): ${result.stderr.trim()}`, { command: 'ip' });
    }
  }

  private async isUp(ifname: string): Promise<boolean> {
    const { stdout, exitCode } = await this.exec('ip', ['-j', 'link', 'show', 'dev', ifname], { allowFailure: true });
    if (exitCode !== 0) return false;
    try {
      return ((JSON.parse(stdout) as Array<{ flags?: string[] }>)[0]?.flags ?? []).includes('UP');
    } catch {
      return true; // not what ip prints: report the route's own error
    }
  }
}
