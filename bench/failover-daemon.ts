/**
 * The failover benchmarks' shared half (bench/failover.lab.ts over ptys, bench/failover-
 * usb.lab.ts over USB cdc-acm ttys): dialbond's daemon on the lab's lines with its default
 * supervisor settings, faults made one line at a time, and how long from each fault until
 * the line was detected down, out of the bundle, redialing and back in; and the results
 * file both write their rows into.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { failoverKey, failoverMarkdown, failoverRow, failoverSvg, type Fault, type FailoverRow, type FailoverRun } from './lib/failover.js';
import { errorLine } from './lib/harness.js';
import { runsFromEnv, wordsFromEnv } from './lib/options.js';
import { mergeRows, readResults, writeResults } from './lib/results.js';
import type { SupervisorStatus } from '../src/supervisor/index.js';
import { BUNDLE_ADDRESS, ISP_HOST } from '../test/lab/helpers/bundle-lab.js';
import { DaemonProcess } from '../test/lab/helpers/daemon.js';
import type { LabLines } from '../test/lab/helpers/lines.js';

const RESULTS = join(import.meta.dirname, 'results');

export const DAEMON_SETUP = 'dialbond daemon, its defaults: pppd LCP echo 1 s x 3, pppd exit seen at once, redial after 2 s (doubling up to 5 min)';

export interface DaemonFailoverOptions {
  lab: LabLines;
  dir: string;
  runs: number;
  kinds: readonly Fault[];
  /** The links' dialer profile (a name or a file). */
  profile: string;
  /** How each link names its modem (its path by default). */
  linkDevice?: (line: LabLines['lines'][number], i: number) => Record<string, unknown>;
  /** Makes the fault on line i; the function returned ends it. */
  fault: (kind: Fault, i: number) => Promise<() => Promise<void>>;
}

/** Runs the daemon on the lab's lines and measures `runs` faults of each kind. */
export async function daemonFailover(options: DaemonFailoverOptions): Promise<Array<{ kind: Fault; runs: FailoverRun[]; errors: string[] }>> {
  const { lab, dir } = options;
  const config = join(dir, 'dialbond.yaml');
  const socket = join(dir, 'control.sock');
  const names = lab.lines.map((_, i) => `line${i}`);
  const device = options.linkDevice ?? ((line) => ({ device: line.path }));
  // The supervisor's defaults: LCP echo 1 s x 3, redial after 2 s growing to 5 min.
  writeFileSync(config, stringify({ bundle: { mode: 'eql', address: BUNDLE_ADDRESS, routes: [`${ISP_HOST}/32`] }, links: lab.lines.map((l, i) => ({ name: names[i], ...device(l, i), profile: options.profile, numbers: ['5551234'] })), control: { socket } }));
  const allIn = (s: SupervisorStatus) => names.every((n) => s.links.some((l) => l.name === n && l.state === 'up' && l.bundled));
  const daemon = await DaemonProcess.start({ config, socket, runDir: join(dir, 'run') });
  const results: Array<{ kind: Fault; runs: FailoverRun[]; errors: string[] }> = [];
  try {
    await daemon.until(allIn, 120_000, 'all up and bundled');
    for (const kind of options.kinds) {
      const runs: FailoverRun[] = [];
      const errors: string[] = [];
      for (let run = 0; run < options.runs; run++) {
        const link = names[run % names.length]!;
        const at = Date.now();
        const end = await options.fault(kind, run % names.length);
        try {
          const seen = async (match: Parameters<DaemonProcess['event']>[0], what: string, ms: number) => (await daemon.event(match, at, ms, what)).atMs - at;
          const detected = await seen((e) => e.type === 'link' && e.link === link && e.state === 'down', `${link} down`, 30_000);
          const out = await seen((e) => e.type === 'bundle' && e.link === link && e.action === 'removed', `${link} out`, 30_000);
          await end();
          const redial = await seen((e) => e.type === 'link' && e.link === link && e.state === 'dialing', `${link} dialing`, 60_000);
          const back = await seen((e) => e.type === 'bundle' && e.link === link && e.action === 'added', `${link} back`, 120_000);
          runs.push({ detected, out, redial, back });
        } catch (error) {
          errors.push(errorLine(error));
        } finally {
          await end();
        }
        await daemon.until(allIn, 120_000, 'all bundled again');
      }
      results.push({ kind, runs, errors });
    }
  } finally {
    daemon.signal('SIGTERM');
    await daemon.exited(20_000).catch(() => daemon.signal('SIGKILL'));
  }
  return results;
}

/** The bench's setting, the same for every side: faults of each kind (DIALBOND_BENCH_RUNS),
 * which sides run (DIALBOND_BENCH_FAILOVER: dialbond and classic over ptys, usb), the lines. */
export const FAILOVER_RUNS = runsFromEnv();
export const FAILOVER_SIDES = wordsFromEnv('DIALBOND_BENCH_FAILOVER', ['dialbond', 'classic', 'usb'] as const);
export const FAILOVER_LINES = 3;
export const FAILOVER_RATE = 115200;

/** A bench file's rows and failures, merged into bench/results/failover.* when it ends. */
export class FailoverRecorder {
  private readonly rows: FailoverRow[] = [];
  private readonly failures: string[] = [];
  private readonly started = new Date().toISOString();

  /** Adds one row (and its errors to the failures), printing it. */
  record(approach: string, setup: string, kind: Fault, runs: FailoverRun[], errors: string[]): void {
    this.rows.push(failoverRow(approach, setup, kind, runs, errors, new Date().toISOString()));
    if (errors.length) this.failures.push(`${approach} ${kind}: ${errors.join('; ')}`);
    console.log(`bench: failover ${approach} ${kind}: ${runs.map((r) => JSON.stringify(r)).join(' ')}${errors.length ? ` failed: ${errors.join('; ')}` : ''}`);
  }

  /** Merges the rows into the results (rows of other runs kept by approach and fault);
   * throws when a measurement failed. */
  finish(): void {
    if (this.rows.length > 0) {
      const old = readResults<FailoverRow>(RESULTS, 'failover');
      const all = mergeRows(old?.rows ?? [], this.rows, failoverKey);
      const markdown = `Failover (lab, ${FAILOVER_LINES} lines at ${FAILOVER_RATE} bps in an eql bundle; latest run ${this.started}).\n\n${failoverMarkdown(all)}`;
      writeResults(RESULTS, 'failover', { at: this.started, rows: all }, markdown, failoverSvg(all));
      console.log(`\n${markdown}`);
    }
    if (this.failures.length > 0) throw new Error(`measurements failed:\n${this.failures.join('\n')}`);
  }
}
