/**
 * Benchmark (lab): what each bundle mode moves with 1-4 lines at 38400, 57600 and 115200
 * bps and MTU 1500 and 576, with one TCP flow and with four flows a line, as a share of the
 * summed line rates (the eql HOWTO's table of 1995), and whether a line 4x slower than the
 * others is starved. iperf3 uploads to the ISP's host; the ISP answers over one line (it
 * knows nothing of our bundle, except in mlppp, where it bundles too). perconn's traffic
 * comes from a LAN behind the router, the case it is for.
 *
 * Run: npm run bench (boots the lab). A part of the matrix: DIALBOND_BENCH_RATES,
 * DIALBOND_BENCH_MTUS, DIALBOND_BENCH_MODES, DIALBOND_BENCH_LINES, DIALBOND_BENCH_RUNS
 * (default 3), DIALBOND_BENCH_SECONDS (default 5), DIALBOND_BENCH_UNEVEN=0 to skip the
 * uneven lines (=only for them alone); the rows measured replace their earlier figures in
 * bench/results/aggregation.{json,md,svg}, the others stay.
 */
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { createBundle } from '../src/supervisor/index.js';
import { MODE_ORDER, aggregationKey, aggregationMarkdown, aggregationRow, aggregationSvg, unevenKey, unevenRow, type AggregationRow, type Flows, type UnevenRow } from './lib/aggregation.js';
import { eachRun } from './lib/harness.js';
import { numbersFromEnv, runsFromEnv, wordsFromEnv } from './lib/options.js';
import { mergeRows, readResults, writeResults } from './lib/results.js';
import { ISP_HOST, startBundleLab, type BundleLab, type UploadResult } from '../test/lab/helpers/bundle-lab.js';
import { startLan } from '../test/lab/helpers/lan.js';
import { checkLinesUp, lineShares, setMtu, uploadFor, withBundle } from './lib/bundles.js';

const RESULTS = join(import.meta.dirname, 'results');
const RATES = numbersFromEnv('DIALBOND_BENCH_RATES', [115200, 57600, 38400]);
const MTUS = numbersFromEnv('DIALBOND_BENCH_MTUS', [1500, 576]);
const LINES = numbersFromEnv('DIALBOND_BENCH_LINES', [1, 2, 3, 4]);
const MODES = wordsFromEnv('DIALBOND_BENCH_MODES', MODE_ORDER);
const RUNS = runsFromEnv();
const [SECONDS] = numbersFromEnv('DIALBOND_BENCH_SECONDS', [5]) as [number];
const UNEVEN = process.env.DIALBOND_BENCH_UNEVEN !== '0';
/** DIALBOND_BENCH_UNEVEN=only: the uneven lines alone. */
const EVEN = process.env.DIALBOND_BENCH_UNEVEN !== 'only';
/** Two lines 4x apart: the slow one must still carry its share. */
const UNEVEN_RATES = [115200, 28800];
const MAX_LINES = Math.max(...LINES);

const started = new Date().toISOString();
const rows: AggregationRow[] = [];
const uneven: UnevenRow[] = [];
const failures: string[] = [];

const flowCount = (flows: Flows, lines: number) => (flows === 'single' ? 1 : 4 * lines);

/** RUNS uploads of one cell; a failed run is recorded and the others go on. */
async function measureCell(cell: { mode: string; rate: number; mtu: number; lines: number; flows: Flows }, upload: (flows: number) => Promise<UploadResult>): Promise<void> {
  const count = flowCount(cell.flows, cell.lines);
  const { results: runs, errors } = await eachRun(RUNS, () => upload(count));
  const row = aggregationRow({ ...cell, flowCount: count }, runs, errors, new Date().toISOString());
  rows.push(row);
  const label = `${cell.mode} ${cell.lines} line(s) ${cell.rate} bps MTU ${cell.mtu}, ${count} flow(s)`;
  if (errors.length) failures.push(`${label}: ${errors.join('; ')}`);
  console.log(`bench: ${label}: ${row.bps ? `${runs.map((r) => (r.bps / 1000).toFixed(1)).join(', ')} kbit/s, median ${(100 * (row.ofByteRate as number)).toFixed(0)}% of the byte rate, retransmits ${row.retransmits ?? '?'}` : 'no run completed'}${errors.length ? ` (${errors.length} failed: ${errors[0]})` : ''}`);
}

/** RUNS uploads with 4 flows a line over the whole bundle, and each line's share of the bytes. */
async function measureUneven(mode: string, bench: BundleLab, upload: (flows: number) => Promise<UploadResult>): Promise<void> {
  const flows = 4 * bench.members.length;
  const { results: runs, errors } = await eachRun(RUNS, async () => {
    await checkLinesUp(bench);
    const { value, shares } = await lineShares(bench.lab, bench.lab.lines.length, () => upload(flows));
    return { bps: value.bps, shares };
  });
  const row = unevenRow(mode, UNEVEN_RATES, flows, runs, errors, new Date().toISOString());
  uneven.push(row);
  if (errors.length) failures.push(`${mode} uneven: ${errors.join('; ')}`);
  console.log(`bench: ${mode} lines at ${UNEVEN_RATES.join(' + ')} bps: ${runs.map((r) => (r.bps / 1000).toFixed(1)).join(', ')} kbit/s, shares ${row.shares?.map((s) => `${(100 * s).toFixed(0)}%`).join(' / ') ?? '-'} of ${row.rateShares.map((s) => `${(100 * s).toFixed(0)}%`).join(' / ')}${row.starved ? ' STARVED' : ''}${errors.length ? ` (${errors.length} failed: ${errors[0]})` : ''}`);
}

describe('bench: aggregation', () => {
  afterAll(() => {
    const old = readResults<AggregationRow>(RESULTS, 'aggregation');
    const all = mergeRows(old?.rows ?? [], rows, aggregationKey);
    const allUneven = mergeRows((old?.uneven as UnevenRow[] | undefined) ?? [], uneven, unevenKey);
    // The chart shows the fastest rate measured, at MTU 1500 when that was measured.
    const headline = all.length > 0 ? Math.max(...all.map((r) => r.rate)) : 115200;
    const headlineMtu = all.some((r) => r.rate === headline && r.mtu === 1500) ? 1500 : (all.find((r) => r.rate === headline)?.mtu ?? 1500);
    const markdown = `Aggregation (lab; iperf3 uploads of ${SECONDS} s; latest run ${started}).\n\n${aggregationMarkdown(all, allUneven)}`;
    writeResults(RESULTS, 'aggregation', { at: started, seconds: SECONDS, rows: all, uneven: allUneven }, markdown, aggregationSvg(all, headline, headlineMtu));
    console.log(`\n${markdown}`);
    // Every figure is kept; the run still fails when one could not be measured.
    if (failures.length > 0) throw new Error(`measurements failed:\n${failures.join('\n')}`);
  });

  for (const rate of EVEN ? RATES : []) {
    const packetModes = MODES.filter((m) => m !== 'mlppp');
    if (packetModes.length > 0) {
      it(`${packetModes.join(', ')} at ${rate} bps: ${LINES.join(', ')} lines, MTU ${MTUS.join(' and ')}`, async () => {
        const bench = await startBundleLab({ count: MAX_LINES, rate });
        const lan = packetModes.includes('perconn') ? await startLan() : undefined;
        try {
          await bench.routeBackVia(0);
          for (const mode of packetModes) {
            for (const mtu of MTUS) {
              for (const lines of LINES) {
                await withBundle(mode, bench.members.slice(0, lines), mtu, async () => {
                  for (const flows of ['multi', 'single'] as const) await measureCell({ mode, rate, mtu, lines, flows }, uploadFor(mode, lan, SECONDS));
                });
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
      it(`mlppp at ${rate} bps: ${[...LINES].reverse().join(', ')} lines, MTU ${MTUS.join(' and ')}`, async () => {
        const bench = await startBundleLab({ count: MAX_LINES, rate, multilink: true });
        const bundle = createBundle({ mode: 'mlppp', routes: [`${ISP_HOST}/32`] });
        await bundle.create();
        try {
          for (const m of bench.members) await bundle.addLink(m);
          // The bundle's interface is the first link's; the others attached to it.
          const bundleIf = bench.members[0]!.ifname;
          for (let lines = MAX_LINES; lines >= 1; lines--) {
            if (LINES.includes(lines)) {
              for (const mtu of MTUS) {
                await setMtu([bundleIf], mtu);
                for (const flows of ['multi', 'single'] as const) await measureCell({ mode: 'mlppp', rate, mtu, lines, flows }, uploadFor('mlppp', undefined, SECONDS));
              }
            }
            if (lines > 1) {
              // the last line leaves the bundle; pppd keeps the bundle on the others
              await bench.clients[lines - 1]!.stop();
              await bundle.removeLink(bench.members[lines - 1]!.name);
            }
          }
        } finally {
          await bundle.destroy();
          await bench.close();
        }
      });
    }
  }

  if (UNEVEN) {
    const packetModes = MODES.filter((m) => m !== 'mlppp');
    it(`${packetModes.join(', ')} over lines at ${UNEVEN_RATES.join(' and ')} bps`, async () => {
      const bench = await startBundleLab({ count: UNEVEN_RATES.length, rates: UNEVEN_RATES });
      const lan = packetModes.includes('perconn') ? await startLan() : undefined;
      try {
        await bench.routeBackVia(0);
        for (const mode of packetModes) await withBundle(mode, bench.members, 1500, () => measureUneven(mode, bench, uploadFor(mode, lan, SECONDS)));
      } finally {
        await lan?.close();
        await bench.close();
      }
    });
    if (MODES.includes('mlppp')) {
      it(`mlppp over lines at ${UNEVEN_RATES.join(' and ')} bps`, async () => {
        const bench = await startBundleLab({ count: UNEVEN_RATES.length, rates: UNEVEN_RATES, multilink: true });
        const bundle = createBundle({ mode: 'mlppp', routes: [`${ISP_HOST}/32`] });
        await bundle.create();
        try {
          for (const m of bench.members) await bundle.addLink(m);
          await measureUneven('mlppp', bench, uploadFor('mlppp', undefined, SECONDS));
        } finally {
          await bundle.destroy();
          await bench.close();
        }
      });
    }
  }
});
