/**
 * Lab: the mlppp bundle. Two lines at 115200 bps, pppd multilink on both ends (the ISP
 * bundles the client's links by its endpoint discriminator, the client the ISP's). One
 * TCP flow gets the sum of both lines, since MP fragments every packet over the links and
 * reorders at the far end; both lines carry their share; a line leaving keeps the bundle up.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlpppBundle } from '../../src/bundle/mlppp.js';
import type { BundleMember } from '../../src/bundle/backend.js';
import { startModemBank, type ModemBank, type ScenarioInput } from '../../src/sim/index.js';
import { ISP_HOST, iperfUpload } from './helpers/bundle-lab.js';
import { PppClient } from './helpers/client.js';
import { Isp } from './helpers/isp.js';
import { sh } from './helpers/run.js';
import { networkSnapshot, snapshotDiff } from './helpers/snapshot.js';

const RATE = 115200;
const CLIENT_ENDPOINT = 'IP:203.0.113.1';
const ISP_ENDPOINT = 'IP:198.51.100.1';
/** The ISP bundle asks for ppp100: without it both sides make ppp0 (one per namespace) and
 * fight over the UNIT=0 key of the shared /run/pppd2.tdb; the ISP's second link then finds
 * the bundle "not owned" and makes a ppp1 of its own (seen in the lab: ppp1 DOWN, iperf3 dead). */

describe('lab: mlppp bundle', () => {
  let isp: Isp;
  let bank: ModemBank;
  const clients: PppClient[] = [];
  const lines = [0, 1].map((i) => ({ client: `203.0.113.${i + 1}`, server: `198.51.100.${i + 1}`, modem: '', path: '' }));

  beforeAll(async () => {
    isp = await Isp.create();
    const scenarios: ScenarioInput[] = lines.map((line, i) => ({
      dial: { outcome: 'connect', afterMs: 300 },
      connect: { line: `CONNECT ${RATE}`, rate: RATE },
      data: { type: 'command', argv: isp.pppdArgv({ ...line, marker: `dialbond-lab-${isp.netns}-line${i}`, multilink: { endpoint: ISP_ENDPOINT, unit: 100 } }) },
    }));
    bank = await startModemBank({ count: lines.length, scenarios, dir: mkdtempSync(join(tmpdir(), 'lab-modems-')) });
    bank.modems.forEach((m, i) => Object.assign(lines[i]!, { modem: m.name, path: m.path }));
    await isp.exec(['ip', 'addr', 'add', `${ISP_HOST}/32`, 'dev', 'lo']);
    await isp.exec(['iperf3', '-s', '-D', '-B', ISP_HOST, '--pidfile', `/tmp/iperf3-${isp.netns}.pid`]);
  });
  afterAll(async () => {
    await sh('sh', ['-c', `kill $(cat /tmp/iperf3-${isp?.netns}.pid) 2>/dev/null; true`], { reject: false });
    await Promise.all(clients.map((c) => c.stop()));
    await bank?.close();
    await isp?.destroy();
  });

  const dial = async (i: number): Promise<BundleMember> => {
    const line = lines[i]!;
    const client = new PppClient({ device: line.path, local: line.client, remote: line.server, lcpEchoInterval: 5, lcpEchoFailure: 6, multilink: { endpoint: CLIENT_ENDPOINT } });
    clients[i] = client;
    const ifname = await client.up();
    return { name: `line${i}`, ifname, localIp: line.client, remoteIp: line.server, weight: RATE };
  };
  /** Bytes the client sent into each line's modem during `during()`. */
  const lineShares = async (during: () => Promise<unknown>): Promise<number[]> => {
    const read = () => lines.map((l) => bank.get(l.modem).traffic.fromDte);
    const before = read();
    await during();
    return read().map((a, i) => a - before[i]!);
  };
  const show = async () => {
    const out = await sh('sh', ['-c', `ip -br link show type ppp; ip route show ${ISP_HOST}; ip -n ${isp.netns} -br link show type ppp; ip -n ${isp.netns} -br addr`], { reject: false });
    console.log(`lab: mlppp state:\n${out.stdout}`);
  };

  it('gives ONE flow both lines, each at least 30% of the bytes, at least 1.6x one line, and survives a line leaving', async () => {
    const before = await networkSnapshot();
    const bundle = new MlpppBundle({ mode: 'mlppp', routes: [`${ISP_HOST}/32`] });
    try {
      await bundle.create();
      await bundle.create(); // applying twice is harmless
      const m0 = await dial(0);
      await bundle.addLink(m0);
      // one line alone, for reference: the same single flow over a bundle of one link
      const oneLineBps = (await iperfUpload({ bind: m0.localIp, parallel: 1, seconds: 8 })).bps;
      console.log(`lab: mlppp 1 line, 1 flow: ${(oneLineBps / 1000).toFixed(1)} kbit/s`);

      const m1 = await dial(1);
      console.log(`lab: mlppp line1 log:\n${clients[1]!.lines.join('\n')}`);
      expect(m1.ifname).toBe(m0.ifname); // attached to the bundle, no interface of its own
      await bundle.addLink(m1);
      await show();

      let total = 0;
      const shares = await lineShares(async () => {
        total = (await iperfUpload({ bind: m0.localIp, parallel: 1, seconds: 10 })).bps;
      });
      const sum = shares.reduce((a, b) => a + b, 0);
      console.log(`lab: mlppp 2 lines, 1 flow: ${(total / 1000).toFixed(1)} kbit/s (${(total / oneLineBps).toFixed(2)}x one line), shares ${shares.map((s) => `${((100 * s) / sum).toFixed(0)}%`).join(' ')}`);
      for (const s of shares) expect(s / sum).toBeGreaterThanOrEqual(0.3);
      expect(total).toBeGreaterThanOrEqual(1.6 * oneLineBps);

      // line1 drops (carrier lost): its pppd ends, the bundle goes on over line0
      await bank.drop(lines[1]!.modem);
      await clients[1]!.exited;
      await bundle.removeLink('line1');
      await show();
      const after = await iperfUpload({ bind: m0.localIp, parallel: 1, seconds: 4 });
      console.log(`lab: mlppp after line1 left: ${(after.bps / 1000).toFixed(1)} kbit/s`);
      expect(after.bps).toBeGreaterThan(0.5 * oneLineBps);
      expect((await bundle.status()).links.map((l) => l.name)).toEqual(['line0']);
    } finally {
      for (const c of clients) console.log(`lab: mlppp client log:\n${c?.lines.join('\n')}`);
      await bundle.destroy();
      await Promise.all(clients.map((c) => c.stop()));
    }
    expect(snapshotDiff(before, await networkSnapshot())).toEqual({});
  });
});
