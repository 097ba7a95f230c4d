/**
 * The failover benchmark's figures (the measuring is in bench/failover.lab.ts): for a line
 * that hangs up and a line that goes silent, how long from the fault until it was
 * detected, until the bundle stopped using it, until the redial started and until it was
 * back in the bundle; dialbond's daemon beside the classic cron check.
 */
import { barChartSvg } from './chart.js';
import { formatSpread, spread, type Spread } from './stats.js';

export type Fault = 'hangup' | 'silent';
export const PHASES = ['detected', 'out', 'redial', 'back'] as const;
export type Phase = (typeof PHASES)[number];

/** One fault: ms after it for each phase seen (a phase never seen is missing). */
export type FailoverRun = Partial<Record<Phase, number>>;

export interface FailoverRow {
  approach: string;
  /** How the approach was set up (checks, timers), for the table. */
  setup: string;
  fault: Fault;
  phases: Partial<Record<Phase, Spread>>;
  runs: FailoverRun[];
  errors?: string[];
  at: string;
}

export const failoverKey = (r: FailoverRow) => `${r.approach}/${r.fault}`;

export function failoverRow(approach: string, setup: string, fault: Fault, runs: FailoverRun[], errors: string[], at: string): FailoverRow {
  const phases: FailoverRow['phases'] = {};
  for (const phase of PHASES) {
    const s = spread(runs.flatMap((r) => (r[phase] === undefined ? [] : [r[phase] as number])));
    if (s) phases[phase] = s;
  }
  return { approach, setup, fault, phases, runs, ...(errors.length > 0 ? { errors } : {}), at };
}

/** Milliseconds as seconds: 2 decimals under 10 s, 1 under 100 s, whole above. */
export function seconds(ms: number): string {
  const s = ms / 1000;
  return s < 10 ? s.toFixed(2) : s < 100 ? s.toFixed(1) : s.toFixed(0);
}

const PHASE_TITLES: Record<Phase, string> = { detected: 'detected', out: 'out of the bundle', redial: 'redial starts', back: 'back in the bundle' };

export function failoverMarkdown(rows: FailoverRow[]): string {
  const out = ['| approach | fault | runs | ' + PHASES.map((p) => PHASE_TITLES[p]).join(' | ') + ' |', `| --- | --- | --- | ${PHASES.map(() => '---').join(' | ')} |`];
  for (const row of rows) {
    out.push(`| ${row.approach} | ${row.fault === 'hangup' ? 'hang-up' : 'silent line'} | ${row.runs.length}${row.errors ? ` (+${row.errors.length} failed)` : ''} | ${PHASES.map((p) => formatSpread(row.phases[p], seconds, ' s')).join(' | ')} |`);
  }
  const setups = [...new Map(rows.map((r) => [r.approach, r.setup])).entries()].map(([a, s]) => `- ${a}: ${s}`);
  return [...goalLines(rows), '', 'Seconds after the fault, median (min–max) over runs.', '', ...out, '', ...setups, ''].join('\n');
}

export function goalLines(rows: FailoverRow[]): string[] {
  const ours = (fault: Fault) => rows.find((r) => r.approach === 'dialbond' && r.fault === fault);
  const worst = (row: FailoverRow | undefined, phase: Phase) => row?.phases[phase]?.max;
  const afterDetection = (row: FailoverRow | undefined) => {
    const gaps = (row?.runs ?? []).flatMap((r) => (r.out !== undefined && r.detected !== undefined ? [r.out - r.detected] : []));
    return gaps.length ? Math.max(...gaps) : undefined;
  };
  const check = (value: number | undefined, goal: number) => (value === undefined ? 'not measured' : `${seconds(value)} s at worst: ${value < goal ? 'met' : 'NOT met'}`);
  const hangup = ours('hangup');
  const silent = ours('silent');
  const outGap = [afterDetection(hangup), afterDetection(silent)].filter((v): v is number => v !== undefined);
  return [
    `- Hang-up detected in under 1 s: ${check(worst(hangup, 'detected'), 1000)}.`,
    `- Silent line detected in under 10 s: ${check(worst(silent, 'detected'), 10_000)}.`,
    `- Out of the bundle under 1 s after detection: ${check(outGap.length ? Math.max(...outGap) : undefined, 1000)}.`,
  ];
}

export function failoverSvg(rows: FailoverRow[]): string {
  const groups = rows.map((row) => ({
    label: `${row.approach}, ${row.fault === 'hangup' ? 'hang-up' : 'silent'}`,
    bars: PHASES.flatMap((p) => (row.phases[p] ? [{ label: PHASE_TITLES[p], value: row.phases[p]!.median / 1000, low: row.phases[p]!.min / 1000, high: row.phases[p]!.max / 1000 }] : [])),
  }));
  const top = Math.max(10, ...groups.flatMap((g) => g.bars.map((b) => b.high ?? b.value)));
  return barChartSvg({ title: 'Failover: seconds from the fault (median, min-max)', yLabel: 'seconds after the fault', yMax: Math.ceil(top / 10) * 10, groups, unit: ' s' });
}
