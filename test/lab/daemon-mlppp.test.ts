/**
 * Lab: the daemon's multilink bundle over lines 4x apart (115200 and 28800 bps). Each
 * line's tty is told the rate its line carries before pppd attaches it, so Linux multilink
 * sizes every fragment by it: one TCP flow's bytes split about 4:1, where an even split
 * (each line half of every packet) would hold the fast line to the slow one's pace. Since
 * the shares follow the rates, the bundle is shaped under their sum.
 */
import { closeSync, constants, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SupervisorStatus } from '../../src/supervisor/index.js';
import { ttyRate } from '../../src/sys/index.js';
import { ISP_HOST, MLPPP_CLIENT_ENDPOINT, MLPPP_ISP_ENDPOINT, iperfUpload } from './helpers/bundle-lab.js';
import { DaemonProcess } from './helpers/daemon.js';
import { startLabLines, type LabLines } from './helpers/lines.js';
import { sh } from './helpers/run.js';
import { networkSnapshot, snapshotDiff } from './helpers/snapshot.js';

const RATES = [115200, 28800];
const bothBundled = (s: SupervisorStatus) => ['line0', 'line1'].every((n) => s.links.some((l) => l.name === n && l.state === 'up' && l.bundled));

describe('lab: the daemon, multilink over lines 4x apart', () => {
  let lab: LabLines;
  let daemon: DaemonProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'dialbond-mlppp-'));
  const configFile = join(dir, 'dialbond.yaml');
  const socket = join(dir, 'control.sock');
  const runDir = join(dir, 'run');
  const lockDir = join(dir, 'lock');
  let before: Record<string, unknown>;

  beforeAll(async () => {
    process.env.DIALBOND_LOCK_DIR = lockDir;
    await sh('mkdir', ['-p', lockDir]);
    // A full 28800 bps line holds seconds of data: LCP echoes get patience (5 s x 6).
    lab = await startLabLines({ count: 2, rates: RATES, multilink: { endpoint: MLPPP_ISP_ENDPOINT, unit: 100 }, ispEcho: { interval: 5, failure: 6 } });
    await lab.isp.exec(['ip', 'addr', 'add', `${ISP_HOST}/32`, 'dev', 'lo']);
    await lab.isp.exec(['iperf3', '-s', '-D', '-B', ISP_HOST, '--pidfile', `/tmp/iperf3-${lab.isp.netns}.pid`]);
    const config = {
      bundle: { mode: 'mlppp', endpoint: MLPPP_CLIENT_ENDPOINT, routes: [`${ISP_HOST}/32`] },
      links: lab.lines.map((line, i) => ({ name: `line${i}`, device: line.path, profile: 'generic', numbers: ['5551234'] })),
      supervisor: { redial: { initial: '1s', factor: 2, max: '10s', jitter: 0.1 }, health: { lcpEchoInterval: 5, lcpEchoFailure: 6 } },
      control: { socket, mode: '0660' },
    };
    writeFileSync(configFile, stringify(config));
    before = await networkSnapshot();
  }, 60_000);

  afterAll(async () => {
    await DaemonProcess.stopIfRunning(daemon);
    await sh('sh', ['-c', `kill $(cat /tmp/iperf3-${lab?.isp.netns}.pid) 2>/dev/null; true`], { reject: false });
    await lab?.close();
    delete process.env.DIALBOND_LOCK_DIR;
  });

  it("tells each line's tty its CONNECT rate and splits one flow by the rates", async () => {
    daemon = await DaemonProcess.start({ config: configFile, socket, runDir });
    const status = await daemon.until(bothBundled, 120_000, 'both up and bundled');
    expect(status.links.map((l) => [l.name, l.lineRate])).toEqual([
      ['line0', 115200],
      ['line1', 28800],
    ]);
    // what the kernel holds for each line's tty (the simulator's pty, held open by pppd)
    const ttyRates = lab.lines.map((line) => {
      const fd = openSync(line.path, constants.O_RDONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
      try {
        return ttyRate(fd);
      } finally {
        closeSync(fd);
      }
    });
    expect(ttyRates).toEqual(RATES);
    // shaped at the sum: 8 bits of every 10 on the wire, 95% of that
    const bundleIf = status.links[0]!.ifname as string;
    expect((await sh('tc', ['qdisc', 'show', 'dev', bundleIf, 'root'])).stdout).toMatch(new RegExp(`qdisc cake \\S+: root .*bandwidth ${Math.floor(RATES.reduce((a, r) => a + r * 0.8, 0) * 0.95)}bit `));

    const read = () => lab.lines.map((l) => lab.bank.get(l.name).traffic.fromDte);
    const startBytes = read();
    const { bps } = await iperfUpload({ bind: status.links[0]!.localIp as string, parallel: 1, seconds: 12 });
    const bytes = read().map((b, i) => b - startBytes[i]!);
    const sum = bytes.reduce((a, b) => a + b, 0);
    const shares = bytes.map((b) => b / sum);
    const summedBytesRate = RATES.reduce((a, r) => a + r * 0.8, 0);
    console.log(`lab: daemon mlppp 115200 + 28800, 1 flow: ${(bps / 1000).toFixed(1)} kbit/s, ${((100 * bps) / summedBytesRate).toFixed(0)}% of the summed byte rate, shares ${shares.map((s) => `${(100 * s).toFixed(0)}%`).join(' / ')}`);
    // by rate: 80 / 20; split evenly it would be 50 / 50
    expect(shares[0]).toBeGreaterThan(0.68);
    expect(shares[1]).toBeGreaterThan(0.1);
  });

  it('SIGTERM leaves nothing behind', async () => {
    daemon!.signal('SIGTERM');
    expect(await daemon!.exited(20_000)).toEqual({ code: 0, signal: null });
    expect(snapshotDiff(before, await networkSnapshot())).toEqual({});
  });
});
