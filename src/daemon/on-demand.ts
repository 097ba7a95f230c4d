/**
 * Bandwidth on demand (supervisor.onDemand): the first `minLinks` links in the
 * configuration are always up; the others wait idle. When the bundle stays busier than
 * `upAbove` of its lines' summed rates for `for`, the next waiting link is dialed; when it
 * stays below half of that for `idleDown`, the link dialed last on demand is hung up. Use
 * is the larger of the bundle's send and receive rates: downloads fill lines too.
 * One link at a time each way, so a burst does not dial every modem at once.
 */
import type { InterfaceCounters } from '../sys/index.js';
import type { Supervisor } from '../supervisor/index.js';
import { Periodic, systemClock, type Clock } from '../util/index.js';
import { LinkRateSampler } from './link-rates.js';

export interface OnDemandOptions {
  minLinks: number;
  upAbove: number;
  forMs: number;
  idleDownMs: number;
  /** How often use is measured. */
  sampleMs: number;
  clock?: Clock;
  counters?: (ifname: string) => InterfaceCounters | undefined;
}

type Watched = Pick<Supervisor, 'bundledLinks' | 'linkStatus' | 'dial' | 'hangUp' | 'notify' | 'currentConfig'>;

export class OnDemand {
  private readonly ticker: Periodic;
  private readonly rates: LinkRateSampler;
  private busySince: number | undefined;
  private quietSince: number | undefined;
  /** Links dialed on demand, in the order they were dialed. */
  private readonly raised: string[] = [];
  private readonly clock: Clock;

  constructor(
    private readonly supervisor: Watched,
    private readonly options: OnDemandOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.rates = new LinkRateSampler(supervisor, this.clock, options.counters);
    this.ticker = new Periodic(this.clock, options.sampleMs, () => this.step());
  }

  /** Links that wait until use asks for them. */
  static deferred(linkNames: readonly string[], minLinks: number): string[] {
    return linkNames.slice(minLinks);
  }

  start(): void {
    this.use();
    this.ticker.start();
  }

  stop(): void {
    this.ticker.stop();
  }

  /** One measurement and what follows from it; returns the use (0..1) or null when unknown. */
  step(): number | null {
    const now = this.clock.now();
    // a busy window began at the previous reading, not at its end
    const windowStart = this.rates.lastAtMs ?? now;
    const use = this.use();
    if (use === null) return null;
    const { upAbove, forMs, idleDownMs } = this.options;
    this.busySince = use > upAbove ? (this.busySince ?? windowStart) : undefined;
    this.quietSince = use < upAbove / 2 ? (this.quietSince ?? windowStart) : undefined;
    if (this.busySince !== undefined && now - this.busySince >= forMs) {
      const next = this.waiting()[0];
      if (next) {
        this.raised.push(next);
        this.supervisor.notify({ type: 'on-demand', link: next, action: 'dial', detail: `bundle at ${Math.round(use * 100)}% for ${Math.round((now - this.busySince) / 1000)} s`, atMs: now });
        this.supervisor.dial(next);
      }
      this.busySince = now;
    }
    if (this.quietSince !== undefined && now - this.quietSince >= idleDownMs) {
      const last = this.raised.pop();
      if (last) {
        this.supervisor.notify({ type: 'on-demand', link: last, action: 'hangup', detail: `bundle below ${Math.round((upAbove / 2) * 100)}% for ${Math.round((now - this.quietSince) / 1000)} s`, atMs: now });
        this.supervisor.hangUp(last);
      }
      this.quietSince = now;
    }
    return use;
  }

  /** Links beyond the always-up ones that are not up or on their way: idle, or hung up.
   * Not one parked for a reason of its own (BLACKLISTED, a refused password, too many
   * failures) nor one whose modem said DELAYED, even if hung up since: dialing those on
   * demand is the redial storm that gets a number blacklisted. */
  private waiting(): string[] {
    const names = this.supervisor.currentConfig.links.map((l) => l.name).slice(this.options.minLinks);
    return names.filter((name) => {
      if (this.raised.includes(name)) return false;
      const { state, reason, holdOffUntilMs } = this.supervisor.linkStatus(name);
      if (holdOffUntilMs && holdOffUntilMs > this.clock.now()) return false;
      return state === 'idle' || (state === 'parked' && (!reason || reason.code === 'LINK_HUNG_UP'));
    });
  }

  /** max(send, receive) rate over the summed line rates of the bundled links, since the last call. */
  private use(): number | null {
    const rates = this.rates.sample().filter((r) => r.lineBps);
    const capacity = rates.reduce((sum, r) => sum + (r.lineBps as number), 0);
    const tx = rates.reduce((sum, r) => sum + r.txBps, 0);
    const rx = rates.reduce((sum, r) => sum + r.rxBps, 0);
    return capacity > 0 ? Math.max(tx, rx) / capacity : null;
  }
}
