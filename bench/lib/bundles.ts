/**
 * The lab side the throughput benchmarks share: a bundle of some of the bench's lines at
 * an MTU, made for one measurement and taken down after, and where each mode's traffic
 * comes from (the bundle address, the router itself, or a LAN behind it for perconn).
 */
import type { BundleMember } from '../../src/bundle/backend.js';
import type { QueueSettings } from '../../src/bundle/queue.js';
import { sh } from '../../src/lab/shell.js';
import { createBundle } from '../../src/supervisor/index.js';
import { BUNDLE_ADDRESS, ISP_HOST, iperfUpload, type UploadResult } from '../../test/lab/helpers/bundle-lab.js';
import type { Lan } from '../../test/lab/helpers/lan.js';

export type PacketMode = 'teql' | 'eql' | 'multipath' | 'perconn';

export async function setMtu(ifnames: string[], mtu: number): Promise<void> {
  for (const ifname of ifnames) await sh('ip', ['link', 'set', 'dev', ifname, 'mtu', String(mtu)]);
}

/** The bundle of `members` at `mtu`, set up for `mode`; `during` runs while it stands. */
export async function withBundle(mode: PacketMode, members: BundleMember[], mtu: number, during: () => Promise<void>, queue?: QueueSettings): Promise<void> {
  await setMtu(members.map((m) => m.ifname), mtu);
  const address = mode === 'teql' || mode === 'eql' ? { address: BUNDLE_ADDRESS } : {};
  const bundle = createBundle({ mode, routes: mode === 'perconn' ? ['default'] : [`${ISP_HOST}/32`], ...address, ...(mode === 'eql' ? { mtu } : {}), ...(queue ? { queue } : {}) });
  await bundle.create();
  try {
    // teql refuses a slave with a smaller MTU than its up master's.
    if (mode === 'teql') await setMtu(['teql0'], mtu);
    for (const m of members) await bundle.addLink(m);
    await during();
  } finally {
    await bundle.destroy();
  }
}

/** Where a mode's traffic starts: bound to the bundle address (teql, eql), from a LAN
 * (perconn), or from the router with the routes choosing (multipath, mlppp). */
export function sourceOf(mode: string, lan: Lan | undefined): { bind?: string; netns?: string } {
  if (mode === 'perconn') return { netns: lan!.netns };
  if (mode === 'multipath' || mode === 'mlppp') return {};
  return { bind: BUNDLE_ADDRESS };
}

export function uploadFor(mode: string, lan: Lan | undefined, seconds: number, omit?: number): (flows: number) => Promise<UploadResult> {
  const source = sourceOf(mode, lan);
  return (flows) => iperfUpload({ ...source, parallel: flows, seconds, ...(omit ? { omit } : {}) });
}
