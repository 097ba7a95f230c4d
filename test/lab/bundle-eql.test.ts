/**
 * Lab: the eql bundle. Two lines at 115200 bps; the upload of four TCP flows goes packet by
 * packet over both slaves, each at its line speed; a line taken out (emancipated) leaves the
 * traffic on the other; destroy leaves the network as it found it, the master's MTU (576)
 * and flags included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EqlBundle } from '../../src/bundle/eql.js';
import { BUNDLE_ADDRESS, type BundleLab, ISP_HOST, iperfUpload, oneLineBaseline, spreadUpload, startBundleLab, txShares } from './helpers/bundle-lab.js';
import { sh } from './helpers/run.js';
import { networkSnapshot, snapshotDiff } from './helpers/snapshot.js';

describe('lab: eql bundle', () => {
  let bench: BundleLab;
  let oneLineBps = 0;

  beforeAll(async () => {
    bench = await startBundleLab({ count: 2 });
    // one line alone, for reference: the same four flows over line0 only
    oneLineBps = await oneLineBaseline(bench, 4);
  });
  afterAll(async () => {
    await bench?.close();
  });

  it('spreads 4 flows over both lines, each line at least 30% of the bytes, at least 1.6x one line', async () => {
    const before = await networkSnapshot();
    const bundle = new EqlBundle({ mode: 'eql', address: BUNDLE_ADDRESS, routes: [`${ISP_HOST}/32`] });
    await bundle.create();
    await bundle.create(); // applying twice is harmless
    for (const m of bench.members) await bundle.addLink(m);
    await bench.routeBackVia(0);
    try {
      const { bps: total, shares } = await spreadUpload(bench, 'eql 2 lines, 4 flows', oneLineBps, { bind: BUNDLE_ADDRESS, parallel: 4, seconds: 10 });
      for (const s of shares) expect(s).toBeGreaterThanOrEqual(0.3);
      expect(total).toBeGreaterThanOrEqual(1.6 * oneLineBps);

      // a line leaves the bundle (as the supervisor does on a drop): traffic goes on
      await bundle.removeLink('line1');
      const flags = async (ifname: string) => ((JSON.parse((await sh('ip', ['-j', 'link', 'show', 'dev', ifname])).stdout) as Array<{ flags: string[] }>)[0]?.flags ?? []);
      expect(await flags(bench.members[1]!.ifname)).not.toContain('SLAVE');
      const idle = await txShares(bench.members, async () => {
        const after = await iperfUpload({ bind: BUNDLE_ADDRESS, parallel: 4, seconds: 4 });
        console.log(`lab: eql after removing line1: ${(after.bps / 1000).toFixed(1)} kbit/s`);
        expect(after.bps).toBeGreaterThan(0.5 * oneLineBps);
      });
      expect(idle[1]! / (idle[0]! + idle[1]!)).toBeLessThan(0.05); // the removed line carries none of it
      expect((await bundle.status()).links.map((l) => l.name)).toEqual(['line0']);
      // and comes back
      await bundle.addLink(bench.members[1]!);
      expect(await flags(bench.members[1]!.ifname)).toContain('SLAVE');
      await bundle.setWeight('line1', 57600); // re-weighing a live slave works (EQL_SETSLAVECFG)
      expect((await bundle.status()).links.map((l) => l.name)).toEqual(['line0', 'line1']);
    } finally {
      await bundle.destroy();
      await bench.lab.isp.exec(['ip', 'route', 'del', `${BUNDLE_ADDRESS}/32`], { reject: false });
    }
    expect(snapshotDiff(before, await networkSnapshot())).toEqual({});
  });
});
