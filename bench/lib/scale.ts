/**
 * The scale benchmark's figures (the measuring is in bench/scale.lab.ts): one daemon
 * supervising many modems: how long until all are up, its resident memory and its CPU
 * while idle and while lines drop and come back.
 */
import { barChartSvg } from './chart.js';
import { formatSpread, spread, type Spread } from './stats.js';

/** CPU seconds (user + system) from the text of /proc/PID/stat. */
export function cpuSecondsFromStat(stat: string, ticksPerSecond: number): number {
  // The command name (field 2) may hold spaces and parentheses: count from its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** A field of /proc/PID/status in kB (VmRSS, VmHWM), as MB. */
export function statusMb(status: string, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in the process status`);
  return Number(match[1]) / 1024;
}

/** One daemon run: its figures. */
export interface ScaleRun {
  /** From the daemon's start until every link was up and bundled. */
  allUpMs: number;
  /** Resident memory after all were up and after the idle window, and the peak. */
  rssUpMb: number;
  rssIdleMb: number;
  peakMb: number;
  /** Share of one core over the idle window and over the churn window. */
  idleCpu: number;
  churnCpu: number;
  /** Lines dropped during the churn window, and how many were back in the bundle at its end. */
  drops: number;
  backInMs?: number;
  /** From SIGTERM until the daemon exited, and until every pppd had ended. */
  exitMs?: number;
  stopMs: number;
}

export interface ScaleRow {
  modems: number;
  mode: string;
  idleSeconds: number;
  churnSeconds: number;
  runs: ScaleRun[];
  figures: Partial<Record<keyof ScaleRun, Spread>>;
  /** The lab's CPU is emulated: the same work takes several times longer than on a host. */
  note?: string;
  errors?: string[];
  at: string;
}

export const scaleKey = (r: ScaleRow) => `${r.mode}/${r.modems}`;

const KEYS: Array<keyof ScaleRun> = ['allUpMs', 'rssUpMb', 'rssIdleMb', 'peakMb', 'idleCpu', 'churnCpu', 'drops', 'backInMs', 'exitMs', 'stopMs'];

export function scaleRow(base: Omit<ScaleRow, 'figures' | 'runs' | 'errors' | 'at'>, runs: ScaleRun[], errors: string[], at: string): ScaleRow {
  const figures: ScaleRow['figures'] = {};
  for (const key of KEYS) {
    const s = spread(runs.flatMap((r) => (r[key] === undefined ? [] : [r[key] as number])));
    if (s) figures[key] = s;
  }
  return { ...base, runs, figures, ...(errors.length ? { errors } : {}), at };
}

const s1 = (ms: number) => (ms / 1000).toFixed(1);
const mb = (v: number) => v.toFixed(0);
const pct = (v: number) => (100 * v).toFixed(2);

export function scaleMarkdown(rows: ScaleRow[]): string {
  const out: string[] = [];
  for (const row of rows) {
    const f = row.figures;
    const met = (value: number | undefined, goal: number) => (value === undefined ? 'not measured' : value < goal ? 'met' : 'NOT met');
    out.push(
      `**${row.modems} simulated modems, ${row.mode} bundle**, ${row.runs.length} run(s)${row.errors ? ` (+${row.errors.length} failed)` : ''}; median (min–max); measured ${row.at.slice(0, 10)}.`,
      '',
      '| figure | value | goal |',
      '| --- | --- | --- |',
      `| start to all ${row.modems} up and bundled | ${formatSpread(f.allUpMs, s1, ' s')} | |`,
      `| daemon RSS, all up / after ${row.idleSeconds} s idle | ${formatSpread(f.rssUpMb, mb, ' MB')} / ${formatSpread(f.rssIdleMb, mb, ' MB')} | |`,
      `| daemon peak RSS (VmHWM) | ${formatSpread(f.peakMb, mb, ' MB')} | under 150 MB: ${met(f.peakMb?.max, 150)} |`,
      `| daemon CPU idle (${row.idleSeconds} s) | ${formatSpread(f.idleCpu, pct, '%')} of a core | under 1%: ${met(f.idleCpu?.max, 0.01)} |`,
      `| daemon CPU while lines churn (${row.churnSeconds} s, ${formatSpread(f.drops, (v) => v.toFixed(0))} drops) | ${formatSpread(f.churnCpu, pct, '%')} of a core | |`,
      `| last dropped line back in the bundle after the churn | ${formatSpread(f.backInMs, s1, ' s')} | |`,
      `| SIGTERM to the daemon's exit / to every pppd ended | ${formatSpread(f.exitMs, s1, ' s')} / ${formatSpread(f.stopMs, s1, ' s')} | |`,
      '',
    );
    if (row.note) out.push(row.note, '');
  }
  return out.join('\n');
}

export function scaleSvg(rows: ScaleRow[]): string {
  const groups = rows.map((row) => ({
    label: `${row.modems} modems, ${row.mode}`,
    bars: (['rssUpMb', 'rssIdleMb', 'peakMb'] as const).flatMap((k) => {
      const s = row.figures[k];
      return s ? [{ label: { rssUpMb: 'RSS all up', rssIdleMb: 'RSS idle', peakMb: 'peak RSS' }[k], value: s.median, low: s.min, high: s.max }] : [];
    }),
  }));
  return barChartSvg({ title: 'Daemon memory (MB, median, min-max)', yLabel: 'MB', yMax: 200, groups, goals: [{ value: 150, label: 'goal: under 150 MB' }], unit: ' MB' });
}
