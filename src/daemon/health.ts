/**
 * The active health probe. pppd's LCP echo already tells when the peer stops answering;
 * this catches a line whose PPP peer answers but which carries nothing beyond it (an ISP
 * whose routing broke). Passive first: a link that received packets during the last
 * interval needs no probe. Only a quiet link is pinged, through its own interface;
 * `failures` probes unanswered, with no answered one between them, take it down for a
 * redial.
 */
import { silentLogger, type Logger } from '../log/index.js';
import { readCounters, systemExec, type Exec, type InterfaceCounters } from '../sys/index.js';
import type { Supervisor } from '../supervisor/index.js';
import { Periodic, systemClock, type Clock } from '../util/index.js';

export interface HealthOptions {
  /** Address to ping; the link's peer by default. */
  target?: string | undefined;
  interval: number;
  timeout: number;
  failures: number;
  clock?: Clock;
  exec?: Exec;
  counters?: (ifname: string) => InterfaceCounters | undefined;
  logger?: Logger;
}

type Watched = Pick<Supervisor, 'upLinks' | 'fault' | 'notify'>;

export class HealthMonitor {
  private readonly ticker: Periodic;
  private readonly lastRx = new Map<string, number>();
  private readonly missed = new Map<string, number>();
  private readonly clock: Clock;
  private readonly exec: Exec;
  private readonly counters: (ifname: string) => InterfaceCounters | undefined;
  private readonly log: Logger;

  constructor(
    private readonly supervisor: Watched,
    private readonly options: HealthOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.exec = options.exec ?? systemExec;
    this.counters = options.counters ?? readCounters;
    this.log = options.logger ?? silentLogger();
    this.ticker = new Periodic(this.clock, options.interval, () => this.round(), (error) => this.log.error({ err: error }, 'health round failed'));
  }

  start(): void {
    this.ticker.start();
  }

  stop(): void {
    this.ticker.stop();
  }

  /** One round: every up link, passively or by probe. Exposed for tests. */
  async round(): Promise<void> {
    const links = this.supervisor.upLinks();
    const current = new Set(links.map((l) => l.name));
    for (const name of [...this.lastRx.keys()]) if (!current.has(name)) this.forget(name);
    await Promise.all(links.map((link) => this.check(link)));
  }


  private forget(name: string): void {
    this.lastRx.delete(name);
    this.missed.delete(name);
  }

  private async check(link: { name: string; ifname: string; remoteIp: string | null; remoteLinkLocal?: string | null }): Promise<void> {
    const rx = this.counters(link.ifname)?.rxPackets;
    const previous = this.lastRx.get(link.name);
    if (rx !== undefined) this.lastRx.set(link.name, rx);
    // Received something: no need to probe now. It does not clear earlier misses, though:
    // a stray frame (the lab sees one every few seconds on a line whose IP goes nowhere)
    // must not hide a line that does not answer.
    if (rx !== undefined && previous !== undefined && rx > previous) return;
    // The configured target (IPv4 or IPv6), else the peer: its IPv4 address, or its IPv6
    // link-local one where IPCP gave none (`-I` gives the link-local address its scope).
    const target = this.options.target ?? link.remoteIp ?? link.remoteLinkLocal ?? null;
    if (!target) return;
    const seconds = Math.max(1, Math.ceil(this.options.timeout / 1000));
    const result = await this.exec('ping', ['-n', '-q', '-c', '1', '-W', String(seconds), '-I', link.ifname, target], { allowFailure: true });
    // The probe's own answer is not traffic: the next round compares from here.
    const after = this.counters(link.ifname)?.rxPackets;
    if (after !== undefined) this.lastRx.set(link.name, after);
    if (result.exitCode === 0) return this.ok(link.name, `${target} answered`);
    const missed = (this.missed.get(link.name) ?? 0) + 1;
    this.missed.set(link.name, missed);
    const detail = `no answer from ${target} through ${link.ifname} (${missed} of ${this.options.failures})`;
    this.supervisor.notify({ type: 'health', link: link.name, check: 'probe', ok: false, detail, atMs: this.clock.now() });
    if (missed >= this.options.failures) {
      this.forget(link.name);
      this.supervisor.fault(link.name, { code: 'LINK_PROBE_FAILED', message: `${missed} probes to ${target} through ${link.ifname} went unanswered`, fatal: false });
    }
  }

  private ok(name: string, detail: string): void {
    if ((this.missed.get(name) ?? 0) > 0) this.supervisor.notify({ type: 'health', link: name, check: 'probe', ok: true, detail, atMs: this.clock.now() });
    this.missed.set(name, 0);
  }
}
