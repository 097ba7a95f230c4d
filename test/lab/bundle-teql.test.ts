/**
 * Lab: the teql bundle. Two lines at 115200 bps; the upload of four TCP flows goes round
 * robin over both; a line taken out leaves the traffic on the other; destroy leaves the
 * network as it found it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TeqlBundle } from '../../src/bundle/teql.js';
import { BUNDLE_ADDRESS, type BundleLab, ISP_HOST, iperfUpload, oneLineBaseline, spreadUpload, startBundleLab } from './helpers/bundle-lab.js';
import { networkSnapshot, snapshotDiff } from './helpers/snapshot.js';

describe('lab: teql bundle', () => {
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
    const bundle = new TeqlBundle({ mode: 'teql', address: BUNDLE_ADDRESS, routes: [`${ISP_HOST}/32`] });
    await bundle.create();
    await bundle.create(); // applying twice is harmless
    for (const m of bench.members) await bundle.addLink(m);
    await bench.routeBackVia(0);
    try {
      const { bps: total, shares } = await spreadUpload(bench, 'teql 2 lines, 4 flows', oneLineBps, { bind: BUNDLE_ADDRESS, parallel: 4, seconds: 10 });
      for (const s of shares) expect(s).toBeGreaterThanOrEqual(0.3);
      expect(total).toBeGreaterThanOrEqual(1.6 * oneLineBps);

      // a line leaves the bundle (as the supervisor does on a drop): traffic goes on
      await bundle.removeLink('line1');
      const after = await iperfUpload({ bind: BUNDLE_ADDRESS, parallel: 4, seconds: 4 });
      console.log(`lab: teql after removing line1: ${(after.bps / 1000).toFixed(1)} kbit/s`);
      expect(after.bps).toBeGreaterThan(0.5 * oneLineBps);
      expect((await bundle.status()).links.map((l) => l.name)).toEqual(['line0']);
      // and comes back
      await bundle.addLink(bench.members[1]!);
      expect((await bundle.status()).links.map((l) => l.name)).toEqual(['line0', 'line1']);
    } finally {
      await bundle.destroy();
      await bench.lab.isp.exec(['ip', 'route', 'del', `${BUNDLE_ADDRESS}/32`], { reject: false });
    }
    expect(snapshotDiff(before, await networkSnapshot())).toEqual({});
  });
});
