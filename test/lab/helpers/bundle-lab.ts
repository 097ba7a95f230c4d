/**
 * A bench for bundle backends in the lab: N dialed lines with pppd up (the members), an
 * ISP host address behind all of them (198.51.100.100 on the ISP's loopback, an iperf3
 * server there), and upload measurements from the bundle's address. Only the upload is
 * ours to spread: the ISP knows nothing of bonding and answers over one line.
 */
import type { BundleMember } from '../../../src/bundle/backend.js';
import { PppClient } from './client.js';
import { startLabLines, type LabLines } from './lines.js';
import { sh } from './run.js';
import { ISP_HOST, iperfUpload } from '../../../src/lab/iperf.js';

export { iperfUpload, type UploadResult } from '../../../src/lab/iperf.js';

export const BUNDLE_ADDRESS = '203.0.113.100';
export { ISP_HOST };

export interface BundleLab {
  lab: LabLines;
  clients: PppClient[];
  members: BundleMember[];
  /** Routes the bundle address back to the client over the ISP side of line `i`. */
  routeBackVia(i: number): Promise<void>;
  close(): Promise<void>;
}

/** Multilink endpoints of the lab: the client's lines join one bundle at the ISP and vice versa. */
export const MLPPP_CLIENT_ENDPOINT = 'IP:203.0.113.1';
export const MLPPP_ISP_ENDPOINT = 'IP:198.51.100.1';

/** The ISP's LCP echo on bench lines: every bench keeps its lines full, and an echo reply
 * waits behind the seconds of upload the pty holds below the client's pppd; at the lab's
 * default (1 s x 3) a full line could be declared dead in the middle of a measurement. */
export const BENCH_ISP_ECHO = { interval: 5, failure: 6 };

export async function startBundleLab(options: { count: number; rate?: number; rates?: number[]; multilink?: boolean; ispEcho?: { interval: number; failure: number } }): Promise<BundleLab> {
  const rateOf = (i: number) => options.rates?.[i] ?? options.rate ?? 115200;
  // The ISP's bundle asks for ppp100: see the note in bundle-mlppp.test.ts.
  const lab = await startLabLines({ count: options.count, rates: Array.from({ length: options.count }, (_, i) => rateOf(i)), ispEcho: options.ispEcho ?? BENCH_ISP_ECHO, ...(options.multilink ? { multilink: { endpoint: MLPPP_ISP_ENDPOINT, unit: 100 } } : {}) });
  // Each line's tty says the rate it carries, as the daemon's do (src/link/actors.ts).
  const dial = (line: (typeof lab.lines)[number], i: number) =>
    new PppClient({ device: line.path, local: line.client, remote: line.server, lcpEchoInterval: 5, lcpEchoFailure: 6, ttyRate: rateOf(i), ...(options.multilink ? { multilink: { endpoint: MLPPP_CLIENT_ENDPOINT } } : {}) });
  const clients: PppClient[] = [];
  const ifnames: string[] = [];
  if (options.multilink) {
    // Multilink lines join one at a time: the first makes the bundle, the others attach to it.
    for (const [i, line] of lab.lines.entries()) {
      const client = dial(line, i);
      clients.push(client);
      ifnames.push(await client.up());
    }
  } else {
    clients.push(...lab.lines.map(dial));
    ifnames.push(...(await Promise.all(clients.map((c) => c.up()))));
  }
  const members = lab.lines.map((line, i): BundleMember => ({ name: `line${i}`, ifname: ifnames[i] as string, localIp: line.client, remoteIp: line.server, weight: rateOf(i), rateBps: rateOf(i), ttyRateBps: rateOf(i) }));
  await lab.isp.exec(['ip', 'addr', 'add', `${ISP_HOST}/32`, 'dev', 'lo']);
  const iperf = await lab.isp.exec(['iperf3', '-s', '-D', '-B', ISP_HOST, '--pidfile', `/tmp/iperf3-${lab.isp.netns}.pid`]);
  void iperf;
  const bench: BundleLab = {
    lab,
    clients,
    members,
    async routeBackVia(i) {
      const dev = await lab.isp.interfaceFor(lab.lines[i]!.client);
      await lab.isp.exec(['ip', 'route', 'replace', `${BUNDLE_ADDRESS}/32`, 'dev', dev as string]);
    },
    async close() {
      await sh('sh', ['-c', `kill $(cat /tmp/iperf3-${lab.isp.netns}.pid) 2>/dev/null; true`], { reject: false });
      await Promise.all(clients.map((c) => c.stop()));
      await lab.close();
    },
  };
  return bench;
}

/** Bytes each member sent during `during()`. */
export async function txShares(members: BundleMember[], during: () => Promise<unknown>): Promise<number[]> {
  const read = async () => Promise.all(members.map(async (m) => Number((await sh('cat', [`/sys/class/net/${m.ifname}/statistics/tx_bytes`])).stdout.trim())));
  const before = await read();
  await during();
  const after = await read();
  return after.map((a, i) => a - (before[i] as number));
}

/** An upload through the bundle and each member's share of the bytes sent meanwhile
 * (fractions of the sum); the figures are printed under `label`. */
export async function spreadUpload(bench: BundleLab, label: string, oneLineBps: number, options: Parameters<typeof iperfUpload>[0]): Promise<{ bps: number; shares: number[] }> {
  let bps = 0;
  const bytes = await txShares(bench.members, async () => {
    bps = (await iperfUpload(options)).bps;
  });
  const sum = bytes.reduce((a, b) => a + b, 0);
  const shares = bytes.map((b) => (sum > 0 ? b / sum : 0));
  console.log(`lab: ${label}: ${(bps / 1000).toFixed(1)} kbit/s (${(bps / oneLineBps).toFixed(2)}x one line), shares ${shares.map((s) => `${(100 * s).toFixed(0)}%`).join(' ')}`);
  return { bps, shares };
}

/** The upload of `parallel` flows over the first line alone, for reference; the routes
 * it needs are taken away again. */
export async function oneLineBaseline(bench: BundleLab, parallel: number): Promise<number> {
  const [m0] = bench.members;
  if (!m0) throw new Error('no line up');
  await sh('ip', ['route', 'replace', `${ISP_HOST}/32`, 'dev', m0.ifname]);
  await bench.lab.isp.exec(['ip', 'route', 'replace', `${m0.localIp}/32`, 'dev', (await bench.lab.isp.interfaceFor(m0.localIp)) as string]);
  const bps = (await iperfUpload({ bind: m0.localIp, parallel, seconds: 8 })).bps;
  await sh('ip', ['route', 'del', `${ISP_HOST}/32`, 'dev', m0.ifname]);
  console.log(`lab: one line (115200 bps), ${parallel} flows: ${(bps / 1000).toFixed(1)} kbit/s`);
  return bps;
}

