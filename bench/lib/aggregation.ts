/**
 * The aggregation benchmark's figures and tables (the measuring is in
 * bench/aggregation.lab.ts): throughput of every bundle mode for 1-4 lines at each line
 * rate and MTU, as a share of the summed line rates, the way the eql HOWTO's 1995 table
 * reported it (its "theory" counted 10 bits per byte: 8N1 framing; so do we).
 */
import { barChartSvg } from './chart.js';
import { formatSpread, spread, type Spread } from './stats.js';

/** The file the 1995 tests moved by ftp, to say how long it would take here. */
export const FILE_1995_BYTES = 289_284;

export type Flows = 'single' | 'multi';

export interface AggregationRow {
  mode: string;
  rate: number;
  mtu: number;
  lines: number;
  flows: Flows;
  /** TCP flows in the upload (1, or 4 per line). */
  flowCount: number;
  /** Received bits per second, over the runs that completed. */
  bps?: Spread;
  /** Median bps over lines x rate x 8/10 (the byte rate 8N1 leaves), and over lines x rate. */
  ofByteRate?: number;
  ofLineRate?: number;
  /** Seconds the 1995 test file would take at the median rate. */
  fileSeconds?: number;
  /** Segments sent again, median over the runs. */
  retransmits?: number;
  /** What failed, for runs that did not complete. */
  errors?: string[];
  at: string;
}

/** Lines of different speeds in one bundle: what each carried against what it could. */
export interface UnevenRow {
  mode: string;
  rates: number[];
  flowCount: number;
  bps?: Spread;
  /** Each line's median share of the bytes sent, and its share of the summed rates. */
  shares?: number[];
  rateShares: number[];
  /** A line carried less than half its rate's share. */
  starved?: boolean;
  errors?: string[];
  at: string;
}

export const aggregationKey = (r: AggregationRow) => `${r.mode}/${r.rate}/${r.mtu}/${r.lines}/${r.flows}`;
export const unevenKey = (r: UnevenRow) => `${r.mode}/${r.rates.join('+')}`;

export const byteRate = (lineRate: number) => (lineRate * 8) / 10;

export function aggregationRow(cell: Omit<AggregationRow, 'bps' | 'ofByteRate' | 'ofLineRate' | 'fileSeconds' | 'retransmits' | 'errors' | 'at'>, runs: Array<{ bps: number; retransmits?: number }>, errors: string[], at: string): AggregationRow {
  const bps = spread(runs.map((r) => r.bps));
  const retransmits = spread(runs.flatMap((r) => (r.retransmits === undefined ? [] : [r.retransmits])));
  return {
    ...cell,
    ...(bps
      ? {
          bps,
          ofByteRate: bps.median / (cell.lines * byteRate(cell.rate)),
          ofLineRate: bps.median / (cell.lines * cell.rate),
          fileSeconds: (FILE_1995_BYTES * 8) / bps.median,
        }
      : {}),
    ...(retransmits ? { retransmits: retransmits.median } : {}),
    ...(errors.length > 0 ? { errors } : {}),
    at,
  };
}

export function unevenRow(mode: string, rates: number[], flowCount: number, runs: Array<{ bps: number; shares: number[] }>, errors: string[], at: string): UnevenRow {
  const total = rates.reduce((a, b) => a + b, 0);
  const rateShares = rates.map((r) => r / total);
  const bps = spread(runs.map((r) => r.bps));
  const shares = runs.length > 0 ? rates.map((_, i) => spread(runs.map((r) => r.shares[i] ?? 0))!.median) : undefined;
  return {
    mode,
    rates,
    flowCount,
    rateShares,
    ...(bps ? { bps } : {}),
    ...(shares ? { shares, starved: shares.some((s, i) => s < 0.5 * (rateShares[i] as number)) } : {}),
    ...(errors.length > 0 ? { errors } : {}),
    at,
  };
}

const pct = (v: number) => `${(100 * v).toFixed(0)}`;

/** The spread of a row's throughput as a share of its lines' summed byte rate. */
function shareSpread(row: AggregationRow): Spread | undefined {
  if (!row.bps) return undefined;
  const of = row.lines * byteRate(row.rate);
  return { ...row.bps, median: row.bps.median / of, min: row.bps.min / of, max: row.bps.max / of };
}

/** "88 (85–89)": the median share of the byte rate in percent, with the range over runs. */
export function shareCell(row: AggregationRow | undefined): string {
  if (!row) return '-';
  const share = shareSpread(row);
  if (!share) return 'failed';
  return formatSpread(share, pct) + (row.errors ? '*' : '');
}

/** The bundle modes in the order the tables and the bench take them. */
export const MODE_ORDER = ['teql', 'eql', 'multipath', 'perconn', 'mlppp'] as const;
/** A mode's place in the tables (any other after those). */
const rank = (mode: string) => ((MODE_ORDER as readonly string[]).includes(mode) ? (MODE_ORDER as readonly string[]).indexOf(mode) : MODE_ORDER.length);
const order = (modes: string[]) => [...modes].sort((a, b) => rank(a) - rank(b));

export function aggregationMarkdown(rows: AggregationRow[], uneven: UnevenRow[]): string {
  const out: string[] = [];
  const modes = order([...new Set(rows.map((r) => r.mode))]);
  const lineCounts = [...new Set(rows.map((r) => r.lines))].sort((a, b) => a - b);
  const combos = [...new Set(rows.map((r) => `${r.rate}/${r.mtu}`))]
    .map((k) => k.split('/').map(Number) as [number, number])
    .sort((a, b) => b[0] - a[0] || b[1] - a[1]);
  out.push(...goalLines(rows, uneven), '');
  for (const [rate, mtu] of combos) {
    const at = rows.filter((r) => r.rate === rate && r.mtu === mtu).map((r) => r.at.slice(0, 10));
    out.push(`**${rate} bps, MTU ${mtu}**: % of the summed byte rate (${(byteRate(rate) / 1000).toFixed(2)} kbit/s a line), many flows (4 a line) / one flow; median (min–max) over runs; measured ${[...new Set(at)].sort().join(', ')}`, '');
    out.push(`| mode | ${lineCounts.map((n) => `${n} line${n > 1 ? 's' : ''}`).join(' | ')} |`, `| --- | ${lineCounts.map(() => '---').join(' | ')} |`);
    for (const mode of modes) {
      const find = (lines: number, flows: Flows) => rows.find((r) => r.mode === mode && r.rate === rate && r.mtu === mtu && r.lines === lines && r.flows === flows);
      if (!lineCounts.some((n) => find(n, 'multi') || find(n, 'single'))) continue;
      out.push(`| ${mode} | ${lineCounts.map((n) => `${shareCell(find(n, 'multi'))} / ${shareCell(find(n, 'single'))}`).join(' | ')} |`);
    }
    out.push('');
  }
  if (uneven.length > 0) {
    out.push('**Lines of different speeds** (4 flows a line): each line\'s share of the bytes against its share of the summed rates', '');
    out.push('| mode | rates (bps) | kbit/s | % of the summed byte rate | shares carried | shares of rate | starved line |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (const row of [...uneven].sort((a, b) => rank(a.mode) - rank(b.mode))) {
      out.push(`| ${row.mode} | ${row.rates.join(' + ')} | ${formatSpread(row.bps, (v) => (v / 1000).toFixed(1))} | ${row.bps ? pct(row.bps.median / row.rates.reduce((sum, r) => sum + byteRate(r), 0)) : '-'} | ${row.shares ? row.shares.map(pct).join(' / ') : 'failed'} | ${row.rateShares.map(pct).join(' / ')} | ${row.starved === undefined ? '-' : row.starved ? 'yes' : 'no'} |`);
    }
    out.push('');
  }
  if (rows.some((r) => r.errors) || uneven.some((r) => r.errors)) out.push('\\* some runs failed; their errors are in aggregation.json.', '');
  return out.join('\n');
}

/** The goals of the benchmark, each with what was measured against it. */
export function goalLines(rows: AggregationRow[], uneven: UnevenRow[]): string[] {
  const measured = (r: AggregationRow) => r.ofByteRate !== undefined;
  const multi = rows.filter((r) => measured(r) && r.flows === 'multi' && r.lines > 1);
  const mlpppSingle = rows.filter((r) => measured(r) && r.mode === 'mlppp' && r.flows === 'single' && r.lines > 1);
  const lowest = (list: AggregationRow[]) => list.reduce<AggregationRow | undefined>((lo, r) => (!lo || (r.ofByteRate as number) < (lo.ofByteRate as number) ? r : lo), undefined);
  const describe = (r: AggregationRow | undefined) => (r ? `${pct(r.ofByteRate as number)}% (${r.mode}, ${r.lines} lines, ${r.rate} bps, MTU ${r.mtu})` : 'not measured');
  const bestMulti = [...new Set(multi.map((r) => r.mode))].map((mode) => {
    const of = multi.filter((r) => r.mode === mode && r.mtu === 1500);
    return `${mode} ${of.length ? `${pct(Math.min(...of.map((r) => r.ofByteRate as number)))}-${pct(Math.max(...of.map((r) => r.ofByteRate as number)))}%` : '-'}`;
  });
  const starved = uneven.filter((r) => r.starved);
  return [
    `- Many flows, 2-4 equal lines, MTU 1500, goal at least 90%: ${bestMulti.join(', ') || 'not measured'}; lowest anywhere ${describe(lowest(multi))}.`,
    `- One flow over multilink PPP, 2-4 lines, goal at least 85%: lowest ${describe(lowest(mlpppSingle))}.`,
    `- Lines 4x apart in speed, goal no starved line: ${uneven.length === 0 ? 'not measured' : starved.length === 0 ? `none starved in ${uneven.filter((r) => r.shares).length} modes` : `starved in ${starved.map((r) => r.mode).join(', ')}`}.`,
  ];
}

/** Bars for one rate and MTU: per line count and flow kind, one bar a mode. */
export function aggregationSvg(rows: AggregationRow[], rate: number, mtu: number): string {
  const modes = order([...new Set(rows.map((r) => r.mode))]);
  const groups = [];
  for (const flows of ['multi', 'single'] as const) {
    for (const lines of [...new Set(rows.map((r) => r.lines))].sort((a, b) => a - b)) {
      const bars = modes.flatMap((mode) => {
        const row = rows.find((r) => r.mode === mode && r.rate === rate && r.mtu === mtu && r.lines === lines && r.flows === flows);
        const share = row && shareSpread(row);
        return share ? [{ label: mode, value: 100 * share.median, low: 100 * share.min, high: 100 * share.max }] : [];
      });
      if (bars.length) groups.push({ label: `${lines} line${lines > 1 ? 's' : ''}, ${flows === 'multi' ? 'many flows' : 'one flow'}`, bars });
    }
  }
  return barChartSvg({
    title: `Aggregation at ${rate} bps, MTU ${mtu}: % of the summed byte rate (median, min-max)`,
    yLabel: '% of lines x rate x 8/10',
    yMax: 100,
    groups,
    goals: [
      { value: 90, label: 'goal, many flows: 90%' },
      { value: 85, label: 'goal, one flow (mlppp): 85%' },
    ],
    unit: '%',
  });
}
