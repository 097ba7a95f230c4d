/**
 * The queue benchmark's figures and tables (the measuring is in bench/queue.lab.ts): for
 * each bundle mode and set of lines, with the lines shaped (dialbond's default) and with
 * the SFQ of old, the steady-state upload as a share of the summed byte rate, the
 * retransmits, and the round trip of a ping under that load beside the idle one.
 */
import { byteRate, MODE_ORDER } from './aggregation.js';
import { barChartSvg } from './chart.js';
import { median, percentile } from './stats.js';

export type QueueKind = 'shaped' | 'sfq';

export interface QueueCell {
  mode: string;
  /** Each line's rate in bit/s. */
  rates: number[];
  mtu: number;
  queue: QueueKind;
  flowCount: number;
}

export interface QueueRun {
  bps: number;
  retransmits?: number;
  /** Round trips of the pings sent under load, and of the idle ones before. */
  rttsMs: number[];
  idleRttsMs: number[];
  lost: number;
  /** Each line's share of the bytes sent. */
  shares: number[];
}

export interface QueueRow extends QueueCell {
  runs: number;
  /** Received bits per second (median over runs), and as a share of the summed byte rate. */
  bps?: number;
  ofByteRate?: number;
  retransmits?: number;
  idleMs?: number;
  rttMedianMs?: number;
  rttP95Ms?: number;
  /** Pings under load that got no reply, of those sent. */
  lost?: number;
  sent?: number;
  /** Each line's median share of the bytes, against its share of the summed rate. */
  shares?: number[];
  rateShares: number[];
  errors?: string[];
  at: string;
}

export const queueKey = (r: QueueCell) => `${r.mode}/${r.rates.join('+')}/${r.mtu}/${r.queue}/${r.flowCount}`;

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/** How long one packet of `mtu` bytes takes on the slowest line, in ms (10 bits a byte). */
export const packetTimeMs = (rates: readonly number[], mtu: number) => ((mtu + 7) * 10 * 1000) / Math.min(...rates);

export function queueRow(cell: QueueCell, runs: QueueRun[], errors: string[], at: string): QueueRow {
  const rateShares = cell.rates.map((r) => r / sum(cell.rates));
  const row: QueueRow = { ...cell, runs: runs.length, rateShares, at, ...(errors.length > 0 ? { errors } : {}) };
  if (runs.length === 0) return row;
  const bps = median(runs.map((r) => r.bps));
  const rtts = runs.flatMap((r) => r.rttsMs);
  const idle = runs.flatMap((r) => r.idleRttsMs);
  const retransmits = runs.flatMap((r) => (r.retransmits === undefined ? [] : [r.retransmits]));
  return {
    ...row,
    bps,
    ofByteRate: bps / sum(cell.rates.map(byteRate)),
    ...(retransmits.length > 0 ? { retransmits: median(retransmits) } : {}),
    ...(idle.length > 0 ? { idleMs: median(idle) } : {}),
    ...(rtts.length > 0 ? { rttMedianMs: median(rtts), rttP95Ms: percentile(rtts, 0.95) } : {}),
    lost: sum(runs.map((r) => r.lost)),
    sent: sum(runs.map((r) => r.lost + r.rttsMs.length)),
    shares: cell.rates.map((_, i) => median(runs.map((r) => r.shares[i] ?? 0))),
  };
}

const rank = (mode: string) => ((MODE_ORDER as readonly string[]).includes(mode) ? (MODE_ORDER as readonly string[]).indexOf(mode) : MODE_ORDER.length);
const ms = (v: number | undefined) => (v === undefined ? '-' : v >= 10_000 ? `${(v / 1000).toFixed(0)} s` : v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(0)} ms`);
const pct = (v: number | undefined) => (v === undefined ? '-' : `${(100 * v).toFixed(0)}%`);
const ratesText = (rates: readonly number[]) => (rates.every((r) => r === rates[0]) ? `${rates.length} x ${rates[0]}` : rates.join(' + '));

/** The goals: RTT under load under 400 ms at 115200 bps, and under two packet times plus
 * the idle RTT on any line. */
export function rttGoalMs(row: QueueRow): number {
  const twoPackets = 2 * packetTimeMs(row.rates, row.mtu) + (row.idleMs ?? 0);
  return Math.min(...row.rates) >= 115200 ? Math.min(400, twoPackets) : twoPackets;
}

/** One line per mode over the equal 115200 bps lines: the shaped and unshaped figures. */
export function queueSummary(rows: QueueRow[]): string[] {
  const equal = rows.filter((r) => r.rates.length > 1 && r.rates.every((x) => x === 115200) && r.flowCount > 1 && r.bps !== undefined);
  const modes = [...new Set(equal.map((r) => r.mode))].sort((a, b) => rank(a) - rank(b));
  const range = (values: number[], f: (v: number) => string) => (values.length === 0 ? '-' : `${f(Math.min(...values))}-${f(Math.max(...values))}`);
  const p = (v: number) => `${(100 * v).toFixed(0)}%`;
  const lines = modes.map((mode) => {
    const of = (queue: QueueKind) => equal.filter((r) => r.mode === mode && r.queue === queue);
    const [shaped, sfq] = [of('shaped'), of('sfq')];
    const fig = (set: QueueRow[]) => `${range(set.map((r) => r.ofByteRate as number), p)} of the summed byte rate, p95 RTT ${range(set.flatMap((r) => (r.rttP95Ms === undefined ? [] : [r.rttP95Ms])), (v) => ms(v))}`;
    return `- ${mode}: shaped ${fig(shaped)}; unshaped ${fig(sfq)}`;
  });
  return lines.length > 0 ? ['2 and 4 equal lines at 115200 bps, many flows (goals: p95 RTT under 400 ms, at least 90% of the summed byte rate):', '', ...lines] : [];
}

export function queueMarkdown(rows: QueueRow[]): string {
  const sorted = [...rows].sort((a, b) => rank(a.mode) - rank(b.mode) || a.rates.length - b.rates.length || sum(b.rates) - sum(a.rates) || a.mtu - b.mtu || a.flowCount - b.flowCount || a.queue.localeCompare(b.queue));
  const out = [
    '| mode | lines (bps) | MTU | flows | queue | % of the summed byte rate | retransmits | RTT idle | RTT under load, median | 95th percentile | goal | pings lost | shares carried (of rate) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of sorted) {
    const shares = r.shares ? `${r.shares.map(pct).join(' / ')} (${r.rateShares.map(pct).join(' / ')})` : '-';
    const goal = r.rttP95Ms === undefined ? '-' : `${r.rttP95Ms <= rttGoalMs(r) ? 'met' : 'missed'} (${ms(rttGoalMs(r))})`;
    out.push(`| ${r.mode} | ${ratesText(r.rates)} | ${r.mtu} | ${r.flowCount} | ${r.queue} | ${r.bps === undefined ? 'failed' : pct(r.ofByteRate)}${r.errors ? '*' : ''} | ${r.retransmits ?? '-'} | ${ms(r.idleMs)} | ${ms(r.rttMedianMs)} | ${ms(r.rttP95Ms)} | ${goal} | ${r.sent === undefined ? '-' : `${r.lost}/${r.sent}`} | ${shares} |`);
  }
  const summary = queueSummary(rows);
  return [...summary, ...(summary.length > 0 ? [''] : []), ...out].join('\n');
}

/** The chart: the 95th percentile RTT under load at 2 lines of 115200 bps, shaped and not, per mode. */
export function queueSvg(rows: QueueRow[]): string {
  const pick = rows.filter((r) => r.rates.length === 2 && r.rates.every((x) => x === 115200) && r.mtu === 1500 && r.flowCount > 1 && r.rttP95Ms !== undefined);
  const modes = [...new Set(pick.map((r) => r.mode))].sort((a, b) => rank(a) - rank(b));
  const groups = modes.map((mode) => ({
    label: mode,
    bars: (['sfq', 'shaped'] as const).flatMap((queue) => {
      const row = pick.find((r) => r.mode === mode && r.queue === queue);
      return row ? [{ label: queue === 'shaped' ? 'shaped (CAKE)' : 'SFQ, unshaped', value: row.rttP95Ms as number }] : [];
    }),
  }));
  const top = Math.max(500, ...pick.map((r) => r.rttP95Ms as number));
  return barChartSvg({ title: 'Ping under full load, 2 lines at 115200 bps: 95th percentile RTT', yLabel: 'ms', yMax: Math.ceil(top / 500) * 500, groups, goals: [{ value: 400, label: 'goal 400 ms' }] });
}
