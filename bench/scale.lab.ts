/**
 * Benchmark (lab): one daemon supervising 64 simulated modems in a teql bundle. Per run:
 * the daemon starts, all 64 lines come up and join; its memory and CPU over an idle window;
 * then lines drop one after another (churn) and its CPU and peak memory meanwhile; then
 * SIGTERM, and how long until it and every pppd are gone.
 *
 * Run: npm run bench (boots the lab); DIALBOND_BENCH_MODEMS (default 64),
 * DIALBOND_BENCH_RUNS (default 3). Writes bench/results/scale.{json,md,svg}.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { errorLine, errorMessage, pollFor, sleep } from './lib/harness.js';
import { numbersFromEnv, runsFromEnv } from './lib/options.js';
import { mergeRows, readResults, writeResults } from './lib/results.js';
import { cpuSecondsFromStat, scaleKey, scaleMarkdown, scaleRow, scaleSvg, statusMb, type ScaleRow, type ScaleRun } from './lib/scale.js';
import { sh } from '../src/lab/shell.js';
import type { SupervisorStatus } from '../src/supervisor/index.js';
import { BUNDLE_ADDRESS, ISP_HOST } from '../test/lab/helpers/bundle-lab.js';
import { DaemonProcess } from '../test/lab/helpers/daemon.js';
import { startLabLines, type LabLines } from '../test/lab/helpers/lines.js';

const RESULTS = join(import.meta.dirname, 'results');
const [MODEMS] = numbersFromEnv('DIALBOND_BENCH_MODEMS', [64]) as [number];
const RUNS = runsFromEnv();
const IDLE_SECONDS = 30;
const CHURN_SECONDS = 60;
/** One line dropped this often during the churn window. */
const DROP_EVERY_MS = 4000;
const started = new Date().toISOString();
const rows: ScaleRow[] = [];


describe('bench: scale', () => {
  let lab: LabLines;
  let ticks = 100;
  const dir = mkdtempSync(join(tmpdir(), 'dialbond-scale-'));

  beforeAll(async () => {
    process.env.DIALBOND_LOCK_DIR = join(dir, 'lock');
    await sh('mkdir', ['-p', join(dir, 'lock')]);
    ticks = Number((await sh('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
    lab = await startLabLines({ count: MODEMS });
  }, 300_000);

  afterAll(async () => {
    await lab?.close();
    delete process.env.DIALBOND_LOCK_DIR;
    const old = readResults<ScaleRow>(RESULTS, 'scale');
    const all = mergeRows(old?.rows ?? [], rows, scaleKey);
    const markdown = `Scale (lab; latest run ${started}).\n\n${scaleMarkdown(all)}`;
    writeResults(RESULTS, 'scale', { at: started, rows: all }, markdown, scaleSvg(all));
    console.log(`\n${markdown}`);
  });

  it(`${MODEMS} modems: all up, idle, churn, stop`, async () => {
    const config = join(dir, 'dialbond.yaml');
    const socket = join(dir, 'control.sock');
    const names = lab.lines.map((_, i) => `line${i}`);
    writeFileSync(config, stringify({ bundle: { mode: 'teql', address: BUNDLE_ADDRESS, routes: [`${ISP_HOST}/32`] }, links: lab.lines.map((l, i) => ({ name: names[i], device: l.path, profile: 'generic', numbers: ['5551234'] })), control: { socket } }));
    const allIn = (s: SupervisorStatus) => s.links.filter((l) => l.state === 'up' && l.bundled).length === MODEMS;
    const runs: ScaleRun[] = [];
    const errors: string[] = [];
    for (let run = 0; run < RUNS; run++) {
      const start = Date.now();
      const daemon = await DaemonProcess.start({ config, socket, runDir: join(dir, 'run'), timeoutMs: 120_000 });
      const pid = daemon.child.pid as number;
      const cpu = () => cpuSecondsFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), ticks);
      const memory = (field: 'VmRSS' | 'VmHWM') => statusMb(readFileSync(`/proc/${pid}/status`, 'utf8'), field);
      try {
        await daemon.until(allIn, 600_000, `all ${MODEMS} up and bundled`);
        const allUpMs = Date.now() - start;
        const rssUpMb = memory('VmRSS');
        // Idle: every line up, LCP echoes and health checks going on, nothing to do.
        const idleFrom = cpu();
        await sleep(IDLE_SECONDS * 1000);
        const idleCpu = (cpu() - idleFrom) / IDLE_SECONDS;
        const rssIdleMb = memory('VmRSS');
        // Churn: a different line hangs up every few seconds and is redialed.
        const churnFrom = cpu();
        const churnStart = Date.now();
        let drops = 0;
        let lastDrop = 0;
        while (Date.now() - churnStart < CHURN_SECONDS * 1000) {
          lastDrop = Date.now();
          await lab.bank.drop(lab.lines[(run * 17 + drops * 7) % MODEMS]!.name);
          drops++;
          await sleep(Math.max(0, lastDrop + DROP_EVERY_MS - Date.now()));
        }
        const churnCpu = (cpu() - churnFrom) / ((Date.now() - churnStart) / 1000);
        let backInMs: number | undefined;
        try {
          await daemon.until(allIn, 120_000, 'all back after the churn');
          backInMs = Date.now() - lastDrop;
        } catch (error) {
          errors.push(errorLine(error));
        }
        const peakMb = memory('VmHWM');
        const stopFrom = Date.now();
        daemon.signal('SIGTERM');
        await daemon.exited(60_000);
        const exitMs = Date.now() - stopFrom;
        let left = '';
        const allGone = await pollFor(async () => {
          left = (await sh('pgrep', ['-c', '-f', 'pppd .* linkname line'], { reject: false })).stdout.trim();
          return left === '0' || left === '' ? Date.now() : undefined;
        }, 60_000 - (Date.now() - stopFrom));
        if (allGone === undefined) throw new Error(`${left} pppd still running 60 s after SIGTERM`);
        const stopMs = allGone - stopFrom;
        const figures: ScaleRun = { allUpMs, rssUpMb, rssIdleMb, peakMb, idleCpu, churnCpu, drops, ...(backInMs !== undefined ? { backInMs } : {}), exitMs, stopMs };
        runs.push(figures);
        console.log(`bench: scale run ${run + 1}: ${JSON.stringify(figures)}`);
      } catch (error) {
        errors.push(errorLine(error));
        console.log(`bench: scale run ${run + 1} failed: ${errorMessage(error)}\n${daemon.tail()}`);
        await DaemonProcess.stopIfRunning(daemon, 60_000);
      }
    }
    rows.push(
      scaleRow(
        { modems: MODEMS, mode: 'teql', idleSeconds: IDLE_SECONDS, churnSeconds: CHURN_SECONDS, note: `CPU is the daemon process's own (user + system) over the window, in the lab VM, whose CPU is emulated (QEMU TCG): the same code runs several times slower there than on the host, so these shares are upper bounds. A line drops every ${DROP_EVERY_MS / 1000} s during the churn window.` },
        runs,
        errors,
        new Date().toISOString(),
      ),
    );
    if (errors.length > 0) throw new Error(`scale runs failed:\n${errors.join('\n')}`);
  });
});
