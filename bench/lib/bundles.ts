/**
 * The lab side the throughput benchmarks share: a bundle of some of the bench's lines at
 * an MTU, made for one measurement and taken down after, and where each mode's traffic
 * comes from (the bundle address, the router itself, or a LAN behind it for perconn).
 */
import type { BundleMember } from '../../src/bundle/backend.js';
import type { QueueSettings } from '../../src/bundle/queue.js';
import { sh } from '../../src/lab/shell.js';
import { createBundle } from '../../src/supervisor/index.js';
import { BUNDLE_ADDRESS, ISP_HOST, iperfUpload, type BundleLab, type UploadResult } from '../../test/lab/helpers/bundle-lab.js';
import type { Lan } from '../../test/lab/helpers/lan.js';
import type { LabLines } from '../../test/lab/helpers/lines.js';

export type PacketMode = 'teql' | 'eql' | 'multipath' | 'perconn';

/** A line whose pppd ended is not starved by the bundle: says why the first `lines` lines
 * are not all up, instead of measuring them. */
export async function checkLinesUp(bench: BundleLab, lines = bench.members.length): Promise<void> {
  for (const [i, m] of bench.members.slice(0, lines).entries()) {
    const gone = bench.clients[i]!.exitCode !== undefined || (await sh('ip', ['link', 'show', 'dev', m.ifname], { reject: false })).exitCode !== 0;
    if (gone) throw new Error(`${m.name} (${m.ifname}) is gone: ${bench.clients[i]!.lines.slice(-3).join(' | ')}`);
  }
}

/** Each of the first `lines` lines' share of the bytes the modems carried toward the ISP
 * while `during` ran: counted on the line itself, because multilink links have no
 * interface of their own to count on. */
export async function lineShares<T>(lab: LabLines, lines: number, during: () => Promise<T>): Promise<{ value: T; shares: number[] }> {
  const carried = () => lab.lines.slice(0, lines).map((line) => lab.bank.get(line.name).traffic.toFarEnd);
  const before = carried();
  const value = await during();
  const bytes = carried().map((b, i) => b - (before[i] as number));
  const total = bytes.reduce((a, b) => a + b, 0);
  return { value, shares: bytes.map((b) => (total > 0 ? b / total : 0)) };
}

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
