/**
 * Benchmark (lab): failover on USB modems, beside the pty rows of bench/failover.lab.ts.
 * The same daemon with its defaults dials three cdc-acm ttys (dummy_hcd + g_serial, the
 * simulator on the gadget ends); one modem drops carrier at a time, which the kernel shows
 * as DCD falling on a real tty, and pppd (`modem`) ends at the hang-up.
 *
 * Run: npm run bench (boots the lab); DIALBOND_BENCH_RUNS faults (default 3),
 * DIALBOND_BENCH_FAILOVER=usb for this side alone. Writes into bench/results/failover.*.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { sh } from '../src/lab/shell.js';
import { startLabLines, type LabLines } from '../test/lab/helpers/lines.js';
import { UsbModems } from '../test/lab/helpers/usb.js';
import { DAEMON_SETUP, daemonFailover, FAILOVER_LINES, FAILOVER_RATE, FAILOVER_RUNS, FAILOVER_SIDES, FailoverRecorder } from './failover-daemon.js';

const recorder = new FailoverRecorder();

describe('bench: failover on USB modems', () => {
  let usb: UsbModems;
  let lab: LabLines;
  const dir = mkdtempSync(join(tmpdir(), 'dialbond-failover-usb-'));

  beforeAll(async () => {
    if (!FAILOVER_SIDES.includes('usb')) return;
    process.env.DIALBOND_LOCK_DIR = join(dir, 'lock');
    await sh('mkdir', ['-p', join(dir, 'lock')]);
    usb = await UsbModems.plug(FAILOVER_LINES);
    lab = await startLabLines({ count: FAILOVER_LINES, rate: FAILOVER_RATE, usb: usb.ports });
  }, 60_000);

  afterAll(async () => {
    await lab?.close();
    await usb?.remove();
    delete process.env.DIALBOND_LOCK_DIR;
    recorder.finish();
  });

  it.runIf(FAILOVER_SIDES.includes('usb'))('dialbond daemon: a USB modem drops carrier', async () => {
    // The gadget's end cannot see DTR (f_acm keeps it): these modems are hung up with the
    // escape and ATH, so the init leaves &D2 out.
    const profile = join(dir, 'usb-sim.yaml');
    writeFileSync(profile, stringify({ name: 'usb-sim', description: 'the simulator on a USB gadget port', reset: 'ATZ', init: ['ATQ0 V1 E1 S0=0 &C1'] }));
    const faults = await daemonFailover({
      lab,
      dir,
      runs: FAILOVER_RUNS,
      kinds: ['hangup'],
      profile,
      fault: async (_kind, i) => {
        await lab.bank.drop(lab.lines[i]!.name);
        return async () => undefined;
      },
    });
    for (const { kind, runs, errors } of faults) recorder.record('dialbond, USB modems', `${DAEMON_SETUP}; cdc-acm ttys, pppd watching DCD (modem)`, kind, runs, errors);
  });
});
