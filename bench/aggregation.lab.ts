/**
 * Benchmark (lab): what each bundle mode moves with 1, 2 and 3 lines at 115200 bps, with
 * one TCP flow and with four flows per line, as a fraction of the summed line rates, like
 * the eql HOWTO's table of 1995. Uploads of 10 s through iperf3 to the ISP's host; the ISP
 * routes the answers back over one line (it knows nothing of our bundle, except in mlppp,
 * where it bundles too). perconn's traffic comes from a LAN behind the router, the case it
 * is for. Writes bench/results/aggregation.json and .md and prints the table.
 *
 * Run: npm run bench (boots the lab). Line rate here: 115200 bps on the wire, of which
 * 8N1 framing leaves 92.16 kbit/s for bytes; both fractions are reported.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { createBundle } from '../src/supervisor/index.js';
import type { BundleMode } from '../src/bundle/index.js';
import { BUNDLE_ADDRESS, ISP_HOST, iperfUpload, startBundleLab, type BundleLab } from '../test/lab/helpers/bundle-lab.js';
import { startLan, type Lan } from '../test/lab/helpers/lan.js';

const RATE = 115_200;
const BYTE_RATE = (RATE * 8) / 10;
const SECONDS = 10;
const RESULTS = join(import.meta.dirname, 'results');

interface Row {
  mode: BundleMode;
  lines: number;
  flows: number;
  kbps: number;
  /** Why the measurement failed, when it did (the table says so instead of a figure). */
  error?: string;
  /** Of n x 115.2 kbit/s. */
  ofLineRate: number;
  /** Of n x 92.16 kbit/s (8N1). */
  ofByteRate: number;
}

const rows: Row[] = [];
const failures: string[] = [];

/** Measures and records; a failed measurement is recorded as such and the rest goes on. */
async function measure(mode: BundleMode, lines: number, flows: number, run: () => Promise<{ bps: number }>): Promise<void> {
  try {
    record(mode, lines, flows, (await run()).bps);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    rows.push({ mode, lines, flows, kbps: 0, ofLineRate: 0, ofByteRate: 0, error: message });
    failures.push(`${mode} ${lines} line(s) ${flows} flow(s): ${message}`);
    console.log(`bench: ${mode} ${lines} line(s), ${flows} flow(s): FAILED: ${message}`);
  }
}

function record(mode: BundleMode, lines: number, flows: number, bps: number): void {
  const row = { mode, lines, flows, kbps: bps / 1000, ofLineRate: bps / (lines * RATE), ofByteRate: bps / (lines * BYTE_RATE) };
  rows.push(row);
  console.log(`bench: ${mode} ${lines} line(s), ${flows} flow(s): ${row.kbps.toFixed(1)} kbit/s, ${(100 * row.ofByteRate).toFixed(0)}% of ${lines} x 92.16, ${(100 * row.ofLineRate).toFixed(0)}% of ${lines} x 115.2`);
}

function markdown(): string {
  const out = ['| mode | lines | 1 flow kbit/s | % of 92.16/line | 4 flows/line kbit/s | % of 92.16/line |', '| --- | --- | --- | --- | --- | --- |'];
  for (const mode of [...new Set(rows.map((r) => r.mode))]) {
    for (const lines of [1, 2, 3]) {
      const single = rows.find((r) => r.mode === mode && r.lines === lines && r.flows === 1);
      const multi = rows.find((r) => r.mode === mode && r.lines === lines && r.flows > 1);
      const cell = (r: Row | undefined) => (!r ? ['-', '-'] : r.error ? ['failed', '-'] : [r.kbps.toFixed(1), `${(100 * r.ofByteRate).toFixed(0)}%`]);
      out.push(`| ${mode} | ${lines} | ${cell(single).join(' | ')} | ${cell(multi).join(' | ')} |`);
    }
  }
  return `${out.join('\n')}\n`;
}

describe('bench: aggregation', () => {
  afterAll(() => {
    mkdirSync(RESULTS, { recursive: true });
    const stamp = new Date().toISOString();
    writeFileSync(join(RESULTS, 'aggregation.json'), `${JSON.stringify({ at: stamp, rate: RATE, seconds: SECONDS, rows }, null, 2)}\n`);
    writeFileSync(join(RESULTS, 'aggregation.md'), `Aggregation, ${stamp}: lines at ${RATE} bps (92.16 kbit/s of bytes with 8N1), ${SECONDS} s iperf3 uploads, MTU 1500.\n\n${markdown()}`);
    console.log(`\n${markdown()}`);
    // Every figure is kept; the run still fails when one could not be measured.
    if (failures.length > 0) throw new Error(`measurements failed:\n${failures.join('\n')}`);
  });

  describe('packet and flow modes', () => {
    let bench: BundleLab;
    let lan: Lan;
    afterAll(async () => {
      await lan?.close();
      await bench?.close();
    });

    for (const mode of ['teql', 'eql', 'multipath', 'perconn'] as const) {
      it(`${mode}: 1, 2 and 3 lines`, async () => {
        bench ??= await startBundleLab({ count: 3 });
        lan ??= await startLan();
        await bench.routeBackVia(0);
        for (const lines of [1, 2, 3]) {
          const address = mode === 'teql' || mode === 'eql' ? { address: BUNDLE_ADDRESS } : {};
          const bundle = createBundle({ mode, routes: mode === 'perconn' ? ['default'] : [`${ISP_HOST}/32`], ...address });
          await bundle.create();
          try {
            for (const m of bench.members.slice(0, lines)) await bundle.addLink(m);
            const upload = (flows: number) =>
              mode === 'perconn'
                ? iperfUpload({ netns: lan.netns, parallel: flows, seconds: SECONDS })
                : iperfUpload({ ...(mode === 'multipath' ? {} : { bind: BUNDLE_ADDRESS }), parallel: flows, seconds: SECONDS });
            await measure(mode, lines, 1, () => upload(1));
            await measure(mode, lines, 4 * lines, () => upload(4 * lines));
          } finally {
            await bundle.destroy();
          }
        }
      });
    }
  });

  describe('multilink', () => {
    let bench: BundleLab;
    afterAll(async () => bench?.close());

    it('mlppp: 3, 2 and 1 lines', async () => {
      bench = await startBundleLab({ count: 3, multilink: true });
      const bundle = createBundle({ mode: 'mlppp', routes: [`${ISP_HOST}/32`] });
      await bundle.create();
      for (const m of bench.members) await bundle.addLink(m);
      try {
        for (const lines of [3, 2, 1]) {
          await measure('mlppp', lines, 1, () => iperfUpload({ parallel: 1, seconds: SECONDS }));
          await measure('mlppp', lines, 4 * lines, () => iperfUpload({ parallel: 4 * lines, seconds: SECONDS }));
          if (lines > 1) {
            // the last line leaves the bundle; pppd keeps the bundle on the others
            const gone = bench.members[lines - 1]!;
            await bench.clients[lines - 1]!.stop();
            await bundle.removeLink(gone.name);
          }
        }
      } finally {
        await bundle.destroy();
      }
    });
  });
});
