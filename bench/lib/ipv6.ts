/**
 * The IPv6 bench's rows and table (pure): each mode's steady-state upload over IPv6 with
 * IPv4 beside it, through the daemon, as a share of the summed byte rate of the lines.
 */
import { byteRate } from './aggregation.js';

export type Family = 4 | 6;
/** Where the flows start: the router itself, or a LAN behind it (forwarded). */
export type Source = 'router' | 'lan';

export interface Ipv6Row {
  mode: string;
  family: Family;
  source: Source;
  flows: number;
  /** The lines' rates, bit/s. */
  rates: number[];
  seconds: number;
  /** The receiver's rate, bit/s; null when the run failed. */
  bps: number | null;
  /** bps as a share of the summed byte rate (8N1: 8 of every 10 bits). */
  ofByteRate: number | null;
  /** Each line's share of the bytes the modems carried toward the ISP. */
  shares: number[] | null;
  retransmits: number | null;
  error?: string;
  at: string;
}

export const ipv6Key = (r: Ipv6Row): string => `${r.mode}/${r.family}/${r.source}/${r.flows}/${r.rates.join('+')}`;

/** A row from one run (or its error). */
export function ipv6Row(cell: Omit<Ipv6Row, 'bps' | 'ofByteRate' | 'shares' | 'retransmits' | 'error' | 'at'>, run: { bps: number; shares: number[]; retransmits?: number } | { error: string }, at: string): Ipv6Row {
  if ('error' in run) return { ...cell, bps: null, ofByteRate: null, shares: null, retransmits: null, error: run.error, at };
  const summed = cell.rates.reduce((a, r) => a + byteRate(r), 0);
  return { ...cell, bps: run.bps, ofByteRate: run.bps / summed, shares: run.shares, retransmits: run.retransmits ?? null, at };
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

/** The table: one row a mode, family, source and flow count, IPv6 first. */
export function ipv6Markdown(rows: Ipv6Row[], modeOrder: readonly string[]): string {
  const sorted = [...rows].sort((a, b) => modeOrder.indexOf(a.mode) - modeOrder.indexOf(b.mode) || b.family - a.family || a.source.localeCompare(b.source) || a.flows - b.flows);
  const lines = [
    '| mode | family | from | flows | kbit/s | of the summed byte rate | line shares | retransmits | measured |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...sorted.map((r) =>
      [r.mode, `IPv${r.family}`, r.source, String(r.flows), r.bps === null ? `failed: ${r.error ?? '?'}` : (r.bps / 1000).toFixed(1), r.ofByteRate === null ? '-' : pct(r.ofByteRate), r.shares ? r.shares.map(pct).join(' / ') : '-', r.retransmits === null ? '-' : String(r.retransmits), r.at.slice(0, 10)]
        .join(' | ')
        .replace(/^/, '| ')
        .replace(/$/, ' |'),
    ),
  ];
  return lines.join('\n');
}
