/**
 * Lab: the multipath bundle. Two lines at 115200 bps; one ECMP route to the ISP host with a
 * nexthop per line, hashed per flow on layer 4 (fib_multipath_hash_policy=1). There is no
 * bundle address: each flow leaves with its line's own address and its replies come back
 * over that line (the ISP's pppd routes each client address to its line). Eight flows, since
 * the hash spreads flows, not packets, and four can land unevenly by chance. A line taken
 * out leaves the traffic on the other; destroy leaves the network as it found it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MultipathBundle } from '../../src/bundle/multipath.js';
import { type BundleLab, ISP_HOST, iperfUpload, oneLineBaseline, spreadUpload, startBundleLab } from './helpers/bundle-lab.js';
import { sh } from './helpers/run.js';
import { networkSnapshot, snapshotDiff } from './helpers/snapshot.js';

describe('lab: multipath bundle', () => {
  let bench: BundleLab;
  let oneLineBps = 0;

  beforeAll(async () => {
    bench = await startBundleLab({ count: 2 });
    // one line alone, for reference: the same eight flows over line0 only
    oneLineBps = await oneLineBaseline(bench, 8);
  });
  afterAll(async () => {
    await bench?.close();
  });

  it('spreads 8 flows over both lines, each line at least 20% of the bytes, at least 1.5x one line', async () => {
    const before = await networkSnapshot();
    const bundle = new MultipathBundle({ mode: 'multipath', routes: [`${ISP_HOST}/32`] });
    await bundle.create();
    await bundle.create(); // applying twice is harmless
    for (const m of bench.members) await bundle.addLink(m);
    try {
      const route = (await sh('ip', ['route', 'show', `${ISP_HOST}/32`])).stdout;
      console.log(`lab: multipath route: ${route.replace(/\s+/g, ' ').trim()}`);
      for (const m of bench.members) expect(route).toContain(`dev ${m.ifname} weight 256`);
      const { bps: total, shares } = await spreadUpload(bench, 'multipath 2 lines, 8 flows', oneLineBps, { parallel: 8, seconds: 10 });
      for (const s of shares) expect(s).toBeGreaterThanOrEqual(0.2);
      expect(total).toBeGreaterThanOrEqual(1.5 * oneLineBps);

      // a line leaves the bundle (as the supervisor does on a drop): traffic goes on
      await bundle.removeLink('line1');
      expect((await sh('ip', ['route', 'show', `${ISP_HOST}/32`])).stdout).not.toContain(bench.members[1]!.ifname);
      const after = await iperfUpload({ parallel: 8, seconds: 4 });
      console.log(`lab: multipath after removing line1: ${(after.bps / 1000).toFixed(1)} kbit/s`);
      expect(after.bps).toBeGreaterThan(0.5 * oneLineBps);
      expect((await bundle.status()).links.map((l) => l.name)).toEqual(['line0']);
      // and comes back
      await bundle.addLink(bench.members[1]!);
      expect((await sh('ip', ['route', 'show', `${ISP_HOST}/32`])).stdout).toContain(bench.members[1]!.ifname);
      expect((await bundle.status()).links.map((l) => l.name)).toEqual(['line0', 'line1']);
    } finally {
      await bundle.destroy();
    }
    expect(snapshotDiff(before, await networkSnapshot())).toEqual({});
  });
});
