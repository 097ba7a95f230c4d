/**
 * Send and receive rates of the bundled links between two readings of their interface
 * counters: what the traffic watch and bandwidth on demand both decide by.
 */
import { readCounters, type InterfaceCounters } from '../sys/index.js';
import type { Supervisor } from '../supervisor/index.js';
import type { Clock } from '../util/index.js';

export interface LinkRate {
  name: string;
  /** Bits per second sent and received since the previous reading. */
  txBps: number;
  rxBps: number;
  /** The line's nominal rate (its CONNECT speed), if known. */
  lineBps: number | null;
}

export class LinkRateSampler {
  private last = new Map<string, { tx: number; rx: number; atMs: number }>();
  /** When the previous reading was taken (a window measured now began there). */
  lastAtMs: number | undefined;

  constructor(
    private readonly supervisor: Pick<Supervisor, 'bundledLinks' | 'linkStatus'>,
    private readonly clock: Clock,
    private readonly counters: (ifname: string) => InterfaceCounters | undefined = readCounters,
  ) {}

  /** Reads the counters; rates for the links that also had a previous reading. */
  sample(): LinkRate[] {
    const now = this.clock.now();
    const next = new Map<string, { tx: number; rx: number; atMs: number }>();
    const rates: LinkRate[] = [];
    for (const link of this.supervisor.bundledLinks()) {
      const c = this.counters(link.ifname);
      if (!c) continue;
      next.set(link.name, { tx: c.txBytes, rx: c.rxBytes, atMs: now });
      const before = this.last.get(link.name);
      if (!before || now <= before.atMs) continue;
      const seconds = (now - before.atMs) / 1000;
      rates.push({ name: link.name, txBps: ((c.txBytes - before.tx) * 8) / seconds, rxBps: ((c.rxBytes - before.rx) * 8) / seconds, lineBps: this.supervisor.linkStatus(link.name).speed ?? null });
    }
    this.last = next;
    this.lastAtMs = now;
    return rates;
  }
}
