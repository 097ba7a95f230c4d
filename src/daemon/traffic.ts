/**
 * Traffic watch over the bundled links, once a window: starvation and rebalancing.
 *
 * Starvation (the slirp-over-SSH tester's bundle that used one link for days): while the
 * bundle is busy, a link that carries almost none of the bytes is re-added to the bundle
 * (a teql slave whose qdisc was lost, an eql slave the driver forgot); if it still starves
 * a window later it is taken down and redialed.
 *
 * Rebalancing: a busy line that moves clearly less than its CONNECT speed promised (line
 * noise, retrains, a compression ratio the speed assumed) gets its measured rate as its
 * weight; when it recovers it goes back to its speed. Only when no link has a configured
 * weight, and only for modes with weights (eql, perconn, multipath).
 */
import type { InterfaceCounters } from '../sys/index.js';
import type { Supervisor } from '../supervisor/index.js';
import { Periodic, systemClock, type Clock } from '../util/index.js';
import { LinkRateSampler } from './link-rates.js';

export interface TrafficSample {
  name: string;
  /** Bits per second sent during the window. */
  txBps: number;
  /** The line's nominal rate (CONNECT speed or configured weight as bps), if known. */
  lineBps: number | null;
}

export interface TrafficRules {
  /** A link below this share of the bundle's bytes starves. */
  minShare: number;
  /** The bundle is busy above this fraction of the summed line rates. */
  busyAbove: number;
}

export interface TrafficVerdict {
  busy: boolean;
  starving: string[];
  /** New weights for lines that move less than their rate promised (or recovered). */
  weights: Map<string, number>;
}

/** Judges one window (pure). */
export function assessTraffic(samples: TrafficSample[], rules: TrafficRules): TrafficVerdict {
  const total = samples.reduce((sum, s) => sum + s.txBps, 0);
  const capacity = samples.every((s) => s.lineBps !== null) ? samples.reduce((sum, s) => sum + (s.lineBps as number), 0) : null;
  const busy = capacity !== null && capacity > 0 && total >= rules.busyAbove * capacity;
  const verdict: TrafficVerdict = { busy, starving: [], weights: new Map() };
  if (!busy || samples.length < 2) return verdict;
  for (const s of samples) {
    if (s.txBps / total < rules.minShare) verdict.starving.push(s.name);
    else if (s.lineBps !== null) verdict.weights.set(s.name, s.txBps < 0.8 * s.lineBps ? Math.round(s.txBps) : s.lineBps);
  }
  return verdict;
}

export interface TrafficOptions extends TrafficRules {
  window: number;
  rebalance: boolean;
  clock?: Clock;
  counters?: (ifname: string) => InterfaceCounters | undefined;
}

type Watched = Pick<Supervisor, 'bundledLinks' | 'linkStatus' | 'readd' | 'fault' | 'setWeight' | 'notify' | 'currentConfig'>;

export class TrafficMonitor {
  private readonly ticker: Periodic;
  private readonly rates: LinkRateSampler;
  /** Links re-added for starving in the previous window. */
  private readded = new Set<string>();
  private readonly clock: Clock;

  constructor(
    private readonly supervisor: Watched,
    private readonly options: TrafficOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.rates = new LinkRateSampler(supervisor, this.clock, options.counters);
    this.ticker = new Periodic(this.clock, options.window, () => this.window());
  }

  start(): void {
    this.rates.sample();
    this.ticker.start();
  }

  stop(): void {
    this.ticker.stop();
  }

  /** Reads the counters and acts on the window since the previous reading. Exposed for tests. */
  async window(): Promise<TrafficVerdict> {
    // mlppp lines share one interface and pppd spreads the fragments itself.
    const samples: TrafficSample[] = this.supervisor.currentConfig.bundle.mode === 'mlppp' ? [] : this.rates.sample();
    const verdict = assessTraffic(samples, this.options);
    const now = this.clock.now();
    for (const name of [...this.readded]) if (!verdict.starving.includes(name)) this.readded.delete(name);
    for (const name of verdict.starving) {
      const share = samples.find((s) => s.name === name);
      if (this.readded.has(name)) {
        this.readded.delete(name);
        this.supervisor.notify({ type: 'health', link: name, check: 'starvation', ok: false, detail: 'still starving after being re-added: redialing', atMs: now });
        this.supervisor.fault(name, { code: 'LINK_STARVING', message: `carried ${Math.round(share?.txBps ?? 0)} bit/s while the bundle was busy, also after being re-added`, fatal: false });
      } else {
        this.readded.add(name);
        this.supervisor.notify({ type: 'health', link: name, check: 'starvation', ok: false, detail: `carried ${Math.round(share?.txBps ?? 0)} bit/s while the bundle was busy: re-adding it`, atMs: now });
        await this.supervisor.readd(name);
      }
    }
    const mode = this.supervisor.currentConfig.bundle.mode;
    if (this.options.rebalance && (mode === 'eql' || mode === 'perconn' || mode === 'multipath')) {
      for (const [name, weight] of verdict.weights) await this.supervisor.setWeight(name, weight);
    }
    return verdict;
  }
}
