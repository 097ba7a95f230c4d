/**
 * Benchmark (lab): who owns the queue. Each bundle mode over 2 and 4 equal lines at 115200
 * bps, lines 4:1 and 2:1 apart, and the 1995 table's conditions (38400 bps, MTU 576), with
 * the lines shaped under their rates (dialbond's default, src/bundle/queue.ts) and with
 * the SFQ of old: the steady-state upload of 4 flows a line (and one flow over mlppp) as a
 * share of the summed byte rate, its retransmits, and a ping's round trip under that load
 * against the idle one. Uploads last DIALBOND_BENCH_SECONDS (default 15) after 3 s omitted.
 *
 * Run: DIALBOND_BENCH=1 inside the lab (npm run bench runs every bench). A part of it:
 * DIALBOND_BENCH_MODES, DIALBOND_BENCH_QUEUES (shaped,sfq), DIALBOND_BENCH_SETS (names
 * below), DIALBOND_BENCH_RUNS (default 1); DIALBOND_BENCH_SHARE shapes at another share of
 * the line rate than the default, to try one (its rows are printed, not kept). Rows
 * measured replace their earlier figures in bench/results/queue.{json,md,svg}.
 */
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import type { BundleMember } from '../src/bundle/backend.js';
import { idlePing, pingDuring } from '../src/lab/ping.js';
import { createBundle } from '../src/supervisor/index.js';
import { ISP_HOST, startBundleLab, type BundleLab, type UploadResult } from '../test/lab/helpers/bundle-lab.js';
import { startLan, type Lan } from '../test/lab/helpers/lan.js';
import { MODE_ORDER } from './lib/aggregation.js';
import { checkLinesUp, lineShares, setMtu, sourceOf, uploadFor, withBundle, type PacketMode } from './lib/bundles.js';
import { eachRun } from './lib/harness.js';
import { numbersFromEnv, runsFromEnv, wordsFromEnv } from './lib/options.js';
import { queueKey, queueMarkdown, queueRow, queueSvg, type QueueCell, type QueueKind, type QueueRow, type QueueRun } from './lib/queue.js';
import { mergeRows, readResults, writeResults } from './lib/results.js';

const RESULTS = join(import.meta.dirname, 'results');
const MODES = wordsFromEnv('DIALBOND_BENCH_MODES', MODE_ORDER);
const QUEUES = wordsFromEnv('DIALBOND_BENCH_QUEUES', ['shaped', 'sfq']) as QueueKind[];
const RUNS = process.env.DIALBOND_BENCH_RUNS ? runsFromEnv() : 1;
const [SECONDS] = numbersFromEnv('DIALBOND_BENCH_SECONDS', [15]) as [number];
const OMIT = 3;
/** The sets of lines: a lab of `rates`, measured over its first `counts` lines at `mtu`. */
const SETS: Record<string, { rates: number[]; counts: number[]; mtu: number }> = {
  equal: { rates: [115200, 115200, 115200, 115200], counts: [2, 4], mtu: 1500 },
  '4to1': { rates: [115200, 28800], counts: [2], mtu: 1500 },
  '2to1': { rates: [115200, 57600], counts: [2], mtu: 1500 },
  '1995': { rates: [38400, 38400], counts: [2], mtu: 576 },
};
const SET_NAMES = wordsFromEnv('DIALBOND_BENCH_SETS', Object.keys(SETS));

const started = new Date().toISOString();
const rows: QueueRow[] = [];
const failures: string[] = [];

/** A share of the line rate to try instead of the default (DEFAULT_SHAPE_SHARE). */
const TRIED_SHARE = process.env.DIALBOND_BENCH_SHARE ? Number(process.env.DIALBOND_BENCH_SHARE) : undefined;
if (TRIED_SHARE !== undefined && !(TRIED_SHARE >= 0.5 && TRIED_SHARE <= 1)) throw new Error(`DIALBOND_BENCH_SHARE must be between 0.5 and 1, not ${process.env.DIALBOND_BENCH_SHARE}`);
const settingsOf = (queue: QueueKind) => ({ shape: queue === 'shaped', ...(TRIED_SHARE !== undefined ? { share: TRIED_SHARE } : {}) });

/** RUNS measurements of one cell: idle pings, then pings under the upload; each line's
 * share of the bytes counted on the line itself (multilink links have no interface). */
async function measure(cell: QueueCell, bench: BundleLab, lines: number, upload: (flows: number) => Promise<UploadResult>, ping: { source?: string; netns?: string }): Promise<void> {
  const { results, errors } = await eachRun(RUNS, async (): Promise<QueueRun> => {
    await checkLinesUp(bench, lines);
    const idle = await idlePing({ ...ping, count: 5 });
    const { value, shares } = await lineShares(bench.lab, lines, () => pingDuring({ ...ping, omitMs: OMIT * 1000 }, () => upload(cell.flowCount)));
    const { value: result, ping: loaded } = value;
    return { bps: result.bps, ...(result.retransmits !== undefined ? { retransmits: result.retransmits } : {}), rttsMs: loaded.rttsMs, idleRttsMs: idle.rttsMs, lost: loaded.lost, shares };
  });
  const row = queueRow(cell, results, errors, new Date().toISOString());
  rows.push(row);
  const label = `${cell.mode} ${cell.rates.join('+')} bps MTU ${cell.mtu} ${cell.queue}, ${cell.flowCount} flow(s)`;
  if (errors.length) failures.push(`${label}: ${errors.join('; ')}`);
  const f = (v: number | undefined) => (v === undefined ? '?' : v.toFixed(0));
  console.log(`bench: ${label}: ${row.ofByteRate === undefined ? 'no run completed' : `${(100 * row.ofByteRate).toFixed(0)}% of the byte rate, retransmits ${row.retransmits ?? '?'}, RTT idle ${f(row.idleMs)} ms, under load median ${f(row.rttMedianMs)} / p95 ${f(row.rttP95Ms)} ms, lost ${row.lost}/${row.sent}, shares ${row.shares?.map((s) => (100 * s).toFixed(0)).join('/')}`}${errors.length ? ` (failed: ${errors[0]})` : ''}`);
}

const cellOf = (mode: string, rates: number[], mtu: number, queue: QueueKind, flowCount: number): QueueCell => ({ mode, rates, mtu, queue, flowCount });

describe('bench: queue', () => {
  afterAll(() => {
    const old = readResults<QueueRow>(RESULTS, 'queue');
    // Rows at a tried share are not the default's: printed, not kept.
    const all = TRIED_SHARE !== undefined ? rows : mergeRows(old?.rows ?? [], rows, queueKey);
    const markdown = `Queueing (lab; iperf3 uploads of ${SECONDS} s after ${OMIT} s omitted, 4 flows a line, a ping every 200 ms beside them; latest run ${started}). "shaped" is dialbond's default: CAKE on each line under its rate (on teql's master and mlppp's bundle, under the lines' sum where each line's share follows its rate: teql over even lines, mlppp whose ttys say the lines' rates); "sfq" is the unshaped SFQ of 30 packets a line.\n\n${queueMarkdown(all)}`;
    if (TRIED_SHARE === undefined) writeResults(RESULTS, 'queue', { at: started, seconds: SECONDS, rows: all }, markdown, queueSvg(all));
    else console.log(`bench: shaped at ${TRIED_SHARE} of the line rate (tried, not kept)`);
    console.log(`\n${markdown}`);
    if (failures.length > 0) throw new Error(`measurements failed:\n${failures.join('\n')}`);
  });

  for (const name of SET_NAMES) {
    const set = SETS[name];
    if (!set) throw new Error(`DIALBOND_BENCH_SETS: no set ${name} (${Object.keys(SETS).join(', ')})`);
    const packetModes = MODES.filter((m): m is PacketMode => m !== 'mlppp');
    if (packetModes.length > 0) {
      it(`${packetModes.join(', ')}: ${name} lines (${set.rates.join(', ')} bps)`, async () => {
        const bench = await startBundleLab({ count: set.rates.length, rates: set.rates });
        const lan = packetModes.includes('perconn') ? await startLan() : undefined;
        try {
          await bench.routeBackVia(0);
          for (const mode of packetModes) {
            for (const count of set.counts) {
              for (const queue of QUEUES) {
                const members = bench.members.slice(0, count);
                await withBundle(mode, members, set.mtu, () => measure(cellOf(mode, set.rates.slice(0, count), set.mtu, queue, 4 * count), bench, count, uploadFor(mode, lan, SECONDS, OMIT), pingSource(mode, lan)), settingsOf(queue));
              }
            }
          }
          await setMtu(bench.members.map((m) => m.ifname), 1500);
        } finally {
          await lan?.close();
          await bench.close();
        }
      });
    }
    if (MODES.includes('mlppp')) {
      it(`mlppp: ${name} lines (${set.rates.join(', ')} bps)`, async () => {
        const bench = await startBundleLab({ count: set.rates.length, rates: set.rates, multilink: true });
        try {
          // The bundle's interface is the first link's; lines leave it from the last.
          const bundleIf = bench.members[0]!.ifname;
          await setMtu([bundleIf], set.mtu);
          for (const count of [...set.counts].sort((a, b) => b - a)) {
            while (bench.clients.filter((c) => c.exitCode === undefined).length > count) {
              const last = bench.clients.filter((c) => c.exitCode === undefined).length - 1;
              await bench.clients[last]!.stop();
            }
            for (const queue of QUEUES) {
              for (const flows of [4 * count, 1]) {
                await withMlppp(bench.members.slice(0, count), queue, () => measure(cellOf('mlppp', set.rates.slice(0, count), set.mtu, queue, flows), bench, count, uploadFor('mlppp', undefined, SECONDS, OMIT), {}));
              }
            }
          }
        } finally {
          await bench.close();
        }
      });
    }
  }
});

/** Pings go where the mode's traffic starts (the bundle address, the LAN, the router). */
function pingSource(mode: string, lan: Lan | undefined): { source?: string; netns?: string } {
  const { bind, netns } = sourceOf(mode, lan);
  return { ...(bind ? { source: bind } : {}), ...(netns ? { netns } : {}) };
}

async function withMlppp(members: BundleMember[], queue: QueueKind, during: () => Promise<void>): Promise<void> {
  const bundle = createBundle({ mode: 'mlppp', routes: [`${ISP_HOST}/32`], queue: settingsOf(queue) });
  await bundle.create();
  try {
    for (const m of members) await bundle.addLink(m);
    await during();
  } finally {
    await bundle.destroy();
  }
}
