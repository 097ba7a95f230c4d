/**
 * Benchmark (lab): failover, dialbond's daemon beside the classic cron check. Three lines
 * in an eql bundle; one hangs up (the modem drops carrier) or goes silent (the ISP's pppd
 * stops answering); how long until the fault is detected, the line is out of the bundle,
 * the redial starts and the line is back in. First `dialbond daemon` with its default
 * supervisor settings, then, on the same lines, bench/classic/checkeql.sh run every minute
 * as cron would, with pppd's LCP echo at the eql HOWTO's 10 s x 6.
 *
 * Run: npm run bench (boots the lab); DIALBOND_BENCH_RUNS faults of each kind (default 3),
 * DIALBOND_BENCH_FAILOVER=dialbond, classic or usb (bench/failover-usb.lab.ts) for one side only. Writes
 * bench/results/failover.{json,md,svg}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Fault, FailoverRun } from './lib/failover.js';
import { DAEMON_SETUP, daemonFailover, FAILOVER_LINES, FAILOVER_RATE, FAILOVER_RUNS, FAILOVER_SIDES, FailoverRecorder } from './failover-daemon.js';
import { errorLine, pollFor, sleep } from './lib/harness.js';
import { sh } from '../src/lab/shell.js';
import { BUNDLE_ADDRESS, ISP_HOST } from '../test/lab/helpers/bundle-lab.js';
import { startLabLines, type LabLines } from '../test/lab/helpers/lines.js';

const CLASSIC = join(import.meta.dirname, 'classic');
const RUNS = FAILOVER_RUNS;
const SIDES = FAILOVER_SIDES;
const LINES = FAILOVER_LINES;
const RATE = FAILOVER_RATE;
const recorder = new FailoverRecorder();

/** The time `check` first held, polled every 100 ms, or undefined after `ms`. */
const whenTrue = (check: () => Promise<boolean>, ms: number) => pollFor(async () => ((await check()) ? Date.now() : undefined), ms);

const interfaceUp = async (ifname: string) => (await sh('ip', ['-o', 'link', 'show', 'dev', ifname], { reject: false })).stdout.includes('UP');

/** Makes the fault on line `i`; the returned function ends a silent line's silence. */
async function fault(lab: LabLines, kind: Fault, i: number): Promise<() => Promise<void>> {
  const line = lab.lines[i]!;
  if (kind === 'hangup') {
    await lab.bank.drop(line.name);
    return async () => undefined;
  }
  await sh('pkill', ['-STOP', '-f', line.marker]);
  return async () => void (await sh('pkill', ['-CONT', '-f', line.marker], { reject: false }));
}

describe('bench: failover', () => {
  let lab: LabLines;
  const dir = mkdtempSync(join(tmpdir(), 'dialbond-failover-'));

  beforeAll(async () => {
    if (!SIDES.includes('dialbond') && !SIDES.includes('classic')) return;
    process.env.DIALBOND_LOCK_DIR = join(dir, 'lock');
    await sh('mkdir', ['-p', join(dir, 'lock')]);
    lab = await startLabLines({ count: LINES, rate: RATE });
  }, 60_000);

  afterAll(async () => {
    await lab?.close();
    delete process.env.DIALBOND_LOCK_DIR;
    recorder.finish();
  });

  if (SIDES.includes('dialbond')) {
    it('dialbond daemon: hang-ups and silent lines', async () => {
      const faults = await daemonFailover({ lab, dir, runs: RUNS, kinds: ['hangup', 'silent'], profile: 'generic', fault: (kind, i) => fault(lab, kind, i) });
      for (const { kind, runs, errors } of faults) recorder.record('dialbond', DAEMON_SETUP, kind, runs, errors);
    });
  }

  if (SIDES.includes('classic')) {
    it('classic: checkeql.sh from cron every minute', async () => {
      const conf = join(dir, 'classic');
      const log = join(dir, 'classic.log');
      await sh('mkdir', ['-p', conf]);
      writeFileSync(join(conf, 'dial.chat'), "ABORT BUSY\nABORT 'NO CARRIER'\n'' AT\nOK ATDT5551234\nCONNECT ''\n");
      const units = lab.lines.map((_, i) => 60 + i);
      lab.lines.forEach((l, i) => writeFileSync(join(conf, `line${i}`), `${l.path} ${units[i]} ${l.client} ${l.server} ${RATE}\n`));
      writeFileSync(log, '');
      // The eql master as the HOWTO's boot script set it up.
      await sh('modprobe', ['eql'], { reject: false });
      await sh('ip', ['link', 'set', 'eql', 'mtu', '1500']);
      await sh('ip', ['addr', 'replace', `${BUNDLE_ADDRESS}/32`, 'dev', 'eql']);
      await sh('ip', ['link', 'set', 'eql', 'up']);
      await sh('ip', ['route', 'replace', `${ISP_HOST}/32`, 'dev', 'eql']);
      let cron: ChildProcess | undefined;
      const events = () =>
        (existsSync(log) ? readFileSync(log, 'utf8') : '')
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(' '))
          .map(([ms, event, line]) => ({ ms: Number(ms), event, line }));
      const logged = (event: string, line: string, since: number, ms: number) => pollFor(() => events().find((e) => e.event === event && e.line === line && e.ms >= since)?.ms, ms);
      const allUp = async () => (await Promise.all(units.map((u) => interfaceUp(`ppp${u}`)))).every(Boolean);
      try {
        await sh(join(CLASSIC, 'checkeql.sh'), [conf, log], { timeoutMs: 120_000 });
        if (!(await allUp())) throw new Error(`checkeql.sh did not bring the lines up:\n${readFileSync(log, 'utf8')}`);
        cron = spawn(join(CLASSIC, 'cron.sh'), [conf, log], { stdio: 'ignore', detached: true });
        for (const kind of ['hangup', 'silent'] as const) {
          const runs: FailoverRun[] = [];
          const errors: string[] = [];
          for (let run = 0; run < RUNS; run++) {
            const i = run % LINES;
            const line = `line${i}`;
            // Faults come at any moment of cron's minute, not just after the tick that
            // brought the last line back: wait a spread-out part of a minute first.
            await sleep(((run * 0.38 + 0.17) % 1) * 60_000);
            const at = Date.now();
            const end = await fault(lab, kind, i);
            try {
              // The interface goes when pppd ends: at once on a hang-up, after 6 missed
              // LCP echoes on a silent line. eql stops using a slave that is gone.
              const out = await whenTrue(async () => !(await interfaceUp(`ppp${units[i]}`)), 120_000);
              if (out === undefined) throw new Error(`ppp${units[i]} still up 120 s after the fault`);
              await end();
              const detected = await logged('detect', line, at, 90_000);
              const redial = await logged('dial', line, at, 90_000);
              const back = await logged('enslaved', line, at, 120_000);
              if (detected === undefined || redial === undefined || back === undefined) throw new Error(`checkeql.sh did not bring ${line} back:\n${readFileSync(log, 'utf8').slice(-400)}`);
              runs.push({ detected: detected - at, out: out - at, redial: redial - at, back: back - at });
            } catch (error) {
              errors.push(errorLine(error));
            } finally {
              await end();
            }
            await whenTrue(allUp, 150_000);
          }
          recorder.record('classic cron', 'checkeql.sh from cron every minute (redials lines whose interface is gone), pppd LCP echo 10 s x 6 as in the eql HOWTO; each fault 10, 33 or 56 s after the line before came back (which a cron tick had done)', kind, runs, errors);
        }
      } finally {
        if (cron?.pid) process.kill(-cron.pid, 'SIGTERM');
        await sh('pkill', ['-f', 'linkname classic-line'], { reject: false });
        await sleep(2000);
        await sh('ip', ['link', 'set', 'eql', 'down'], { reject: false });
        await sh('ip', ['addr', 'flush', 'dev', 'eql'], { reject: false });
      }
    });
  }
});
