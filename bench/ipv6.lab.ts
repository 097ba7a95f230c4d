/**
 * Benchmark (lab): aggregation over IPv6. The daemon with IPv6 on, over two 115200 bps
 * lines whose ISP speaks IPV6CP and advertises a /64 a line, in every mode; the steady-state
 * upload (the receiver's count, the first seconds omitted) over IPv6 to the ISP's IPv6 host,
 * and over IPv4 beside it, as a share of the summed byte rate, with each line's share of
 * the bytes the modems carried.
 *
 * Where the flows start, for each family as the modes are used: teql, eql and mlppp from
 * the router (IPv4 from the bundle's address); perconn from a LAN behind the router (NAT
 * to each line's address, NAT66 for IPv6); multipath from the router for IPv4 (its flows
 * are hashed by their ports), and for IPv6 both from the router (Linux picks an IPv6
 * connection's route at connect(), before its port is known, so the router's own flows
 * to one server take one line) and from a LAN (forwarded flows, hashed by their ports;
 * the ISP routes the LAN's prefix back over the first line).
 *
 * Run: npm run bench (every bench), or this one alone: `DIALBOND_BENCH=1 node bin/dialbond
 * lab run -s bench/results -- node node_modules/vitest/vitest.mjs run --project bench
 * bench/ipv6.lab.ts`. DIALBOND_BENCH_MODES picks modes, DIALBOND_BENCH_SECONDS the length
 * (default 15, 3 more omitted at the start).
 * Results: bench/results/ipv6.{json,md}, merged with earlier rows by mode, family, source
 * and flow count.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, it } from 'vitest';
import { ISP_HOST6 } from '../src/lab/isp.js';
import { lineShares } from './lib/bundles.js';
import { errorLine } from './lib/harness.js';
import { ipv6Key, ipv6Markdown, ipv6Row, type Family, type Ipv6Row, type Source } from './lib/ipv6.js';
import { numbersFromEnv, wordsFromEnv } from './lib/options.js';
import { mergeRows, readResults, writeResults } from './lib/results.js';
import { BUNDLE_ADDRESS, ISP_HOST, iperfUpload } from '../test/lab/helpers/bundle-lab.js';
import { DaemonProcess } from '../test/lab/helpers/daemon.js';
import { bothBundled, closeIpv6Lines, IPV6_MODES, ipv6DaemonConfig, slaac, startIpv6Lines, type Ipv6Mode } from '../test/lab/helpers/ipv6-daemon.js';
import { LAN_PREFIX6, startLan, type Lan } from '../test/lab/helpers/lan.js';
import type { LabLines } from '../test/lab/helpers/lines.js';
import { sh } from '../test/lab/helpers/run.js';

const RESULTS = join(import.meta.dirname, 'results');
const RATE = 115200;
const MODES = wordsFromEnv('DIALBOND_BENCH_MODES', IPV6_MODES);
const [SECONDS] = numbersFromEnv('DIALBOND_BENCH_SECONDS', [15]) as [number];
const OMIT = 3;

const started = new Date().toISOString();
const rows: Ipv6Row[] = [];
const failures: string[] = [];

/** The measurements of a mode: family, where the flows start, how many. */
function cellsOf(mode: Ipv6Mode): Array<{ family: Family; source: Source; flows: number }> {
  const many = 8;
  if (mode === 'mlppp') return [{ family: 6, source: 'router', flows: 1 }, { family: 6, source: 'router', flows: many }, { family: 4, source: 'router', flows: 1 }];
  if (mode === 'perconn') return [{ family: 6, source: 'lan', flows: many }, { family: 4, source: 'lan', flows: many }];
  if (mode === 'multipath') return [{ family: 6, source: 'lan', flows: many }, { family: 6, source: 'router', flows: many }, { family: 4, source: 'router', flows: many }];
  return [{ family: 6, source: 'router', flows: many }, { family: 4, source: 'router', flows: many }];
}

/** One upload and each line's share of what the modems carried toward the ISP meanwhile. */
async function measure(mode: Ipv6Mode, lab: LabLines, lan: Lan | undefined, cell: { family: Family; source: Source; flows: number }): Promise<{ bps: number; shares: number[]; retransmits?: number }> {
  const { value: result, shares } = await lineShares(lab, lab.lines.length, () =>
    iperfUpload({
      target: cell.family === 6 ? ISP_HOST6 : ISP_HOST,
      parallel: cell.flows,
      seconds: SECONDS,
      omit: OMIT,
      ...(cell.source === 'lan' ? { netns: lan!.netns } : {}),
      ...(cell.family === 4 && (mode === 'teql' || mode === 'eql') ? { bind: BUNDLE_ADDRESS } : {}),
    }),
  );
  return { bps: result.bps, shares, ...(result.retransmits !== undefined ? { retransmits: result.retransmits } : {}) };
}

describe('bench: aggregation over IPv6', () => {
  afterAll(() => {
    const old = readResults<Ipv6Row>(RESULTS, 'ipv6');
    const all = mergeRows(old?.rows ?? [], rows, ipv6Key);
    const markdown = `IPv6 (lab; the daemon over 2 x ${RATE} bps lines; iperf3 uploads of ${SECONDS} s after ${OMIT} s omitted, the receiver's count; one run a row; latest run ${started}). The summed byte rate is ${((2 * RATE * 0.8) / 1000).toFixed(1)} kbit/s (8N1).\n\n${ipv6Markdown(all, IPV6_MODES)}`;
    writeResults(RESULTS, 'ipv6', { at: started, seconds: SECONDS, omit: OMIT, rows: all }, markdown);
    console.log(`\n${markdown}`);
    if (failures.length > 0) throw new Error(`measurements failed:\n${failures.join('\n')}`);
  });

  for (const mode of MODES) {
    it(`${mode}: IPv6 and IPv4 uploads through the daemon`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `dialbond-bench-ipv6-${mode}-`));
      const socket = join(dir, 'control.sock');
      process.env.DIALBOND_LOCK_DIR = join(dir, 'lock');
      await sh('mkdir', ['-p', process.env.DIALBOND_LOCK_DIR]);
      let lab: LabLines | undefined;
      let lan: Lan | undefined;
      let daemon: DaemonProcess | undefined;
      const forwarding = (await sh('sysctl', ['-n', 'net.ipv6.conf.all.forwarding'])).stdout.trim();
      try {
        lab = await startIpv6Lines(mode, RATE);
        const cells = cellsOf(mode);
        if (cells.some((c) => c.source === 'lan')) lan = await startLan({ ipv6: true });
        writeFileSync(join(dir, 'dialbond.yaml'), stringify(ipv6DaemonConfig(mode, lab, socket)));
        daemon = await DaemonProcess.start({ config: join(dir, 'dialbond.yaml'), socket, runDir: join(dir, 'run'), timeoutMs: 120_000 });
        const status = await daemon.until(bothBundled, 120_000, 'both lines up and bundled');
        for (const l of mode === 'mlppp' ? status.links.filter((x) => x.remoteLinkLocal) : status.links) await slaac(l.ifname as string);
        // teql and eql send IPv4 from the bundle's address: the ISP routes it back over line0
        const line0 = (await lab.isp.interfaceFor(lab.lines[0]!.client)) as string;
        if (mode === 'teql' || mode === 'eql') await lab.isp.exec(['ip', 'route', 'replace', `${BUNDLE_ADDRESS}/32`, 'dev', line0]);
        if (mode === 'multipath' && lan) {
          // forwarded IPv6 (multipath does not NAT): the router forwards, the ISP routes the LAN's prefix back
          await sh('sysctl', ['-qw', 'net.ipv6.conf.all.forwarding=1']);
          await lab.isp.exec(['ip', '-6', 'route', 'replace', LAN_PREFIX6, 'dev', line0]);
        }
        for (const cell of cells) {
          const at = new Date().toISOString();
          const label = `${mode} IPv${cell.family} from the ${cell.source}, ${cell.flows} flow(s)`;
          try {
            const run = await measure(mode, lab, lan, cell);
            const row = ipv6Row({ mode, ...cell, rates: [RATE, RATE], seconds: SECONDS }, run, at);
            rows.push(row);
            console.log(`bench: ${label}: ${(run.bps / 1000).toFixed(1)} kbit/s, ${(100 * (row.ofByteRate as number)).toFixed(0)}% of the summed byte rate, shares ${run.shares.map((s) => `${(100 * s).toFixed(0)}%`).join(' / ')}, retransmits ${run.retransmits ?? '?'}`);
          } catch (error) {
            rows.push(ipv6Row({ mode, ...cell, rates: [RATE, RATE], seconds: SECONDS }, { error: errorLine(error) }, at));
            failures.push(`${label}: ${errorLine(error)}`);
          }
        }
      } finally {
        await DaemonProcess.stopIfRunning(daemon, 30_000);
        await sh('sysctl', ['-qw', `net.ipv6.conf.all.forwarding=${forwarding}`], { reject: false });
        await lan?.close();
        await closeIpv6Lines(lab);
        delete process.env.DIALBOND_LOCK_DIR;
      }
    });
  }
});
