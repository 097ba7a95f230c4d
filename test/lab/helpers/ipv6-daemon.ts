/**
 * The daemon over IPv6 lab lines, as the IPv6 lab test and the IPv6 bench run it: two
 * lines (multilink at the ISP for mlppp), the ISP's LCP echo patient with full lines, its
 * IPv6 host and its IPv4 one routed over the bundle, and an iperf3 server there that takes
 * both families.
 */
import { ISP_HOST6 } from '../../../src/lab/isp.js';
import type { SupervisorStatus } from '../../../src/supervisor/index.js';
import { BENCH_ISP_ECHO, BUNDLE_ADDRESS, ISP_HOST, MLPPP_CLIENT_ENDPOINT, MLPPP_ISP_ENDPOINT } from './bundle-lab.js';
import { startLabLines, type LabLines } from './lines.js';
import { sh } from './run.js';

export type Ipv6Mode = 'mlppp' | 'teql' | 'eql' | 'multipath' | 'perconn';
export const IPV6_MODES: readonly Ipv6Mode[] = ['mlppp', 'teql', 'eql', 'multipath', 'perconn'];

/** Both lines up and in the bundle. */
export const bothBundled = (s: SupervisorStatus): boolean => ['line0', 'line1'].every((n) => s.links.some((l) => l.name === n && l.state === 'up' && l.bundled));

/** Two IPv6 lab lines at `rate` for `mode`, with the ISP's hosts and iperf3 server. */
export async function startIpv6Lines(mode: Ipv6Mode, rate: number): Promise<LabLines> {
  const lab = await startLabLines({ count: 2, rate, ...(mode === 'mlppp' ? { multilink: { endpoint: MLPPP_ISP_ENDPOINT, unit: 100 } } : {}), ispEcho: BENCH_ISP_ECHO, ipv6: {} });
  await lab.isp.exec(['ip', 'addr', 'add', `${ISP_HOST}/32`, 'dev', 'lo']);
  // not bound to one address: the server takes IPv4 and IPv6 tests alike
  await lab.isp.exec(['iperf3', '-s', '-D', '--pidfile', `/tmp/iperf3-${lab.isp.netns}.pid`]);
  return lab;
}

/** Stops the ISP's iperf3 server and the lines. */
export async function closeIpv6Lines(lab: LabLines | undefined): Promise<void> {
  if (!lab) return;
  await sh('sh', ['-c', `kill $(cat /tmp/iperf3-${lab.isp.netns}.pid) 2>/dev/null; true`], { reject: false });
  await lab.close();
}

/** The daemon's configuration for `mode` over the lines, with IPv6 on. */
export function ipv6DaemonConfig(mode: Ipv6Mode, lab: LabLines, socket: string): Record<string, unknown> {
  const routes = [`${ISP_HOST}/32`, `${ISP_HOST6}/128`];
  return {
    bundle: mode === 'mlppp' ? { mode, endpoint: MLPPP_CLIENT_ENDPOINT, ipv6: true, routes } : mode === 'multipath' || mode === 'perconn' ? { mode, ipv6: true, routes } : { mode, address: BUNDLE_ADDRESS, ipv6: true, routes },
    links: lab.lines.map((line, i) => ({ name: `line${i}`, device: line.path, profile: 'generic', numbers: ['5551234'] })),
    supervisor: { redial: { initial: '1s', factor: 2, max: '10s', jitter: 0.1 }, health: { lcpEchoInterval: BENCH_ISP_ECHO.interval, lcpEchoFailure: BENCH_ISP_ECHO.failure } },
    control: { socket, mode: '0660' },
  };
}

/** The global IPv6 addresses of `ifname`. */
export async function globalAddresses(ifname: string): Promise<string[]> {
  const out = JSON.parse((await sh('ip', ['-j', '-6', 'addr', 'show', 'dev', ifname, 'scope', 'global'], { reject: false })).stdout || '[]') as Array<{ addr_info?: Array<{ local?: string }> }>;
  // ip -j prints an empty object for each address the scope filter left out
  return out.flatMap((l) => (l.addr_info ?? []).map((a) => a.local).filter((a): a is string => typeof a === 'string'));
}

/** Waits (at most 30 s) for `ifname` to have a global IPv6 address; returns them and how long it took. */
export async function slaac(ifname: string): Promise<{ addresses: string[]; ms: number }> {
  const started = Date.now();
  for (;;) {
    const addresses = await globalAddresses(ifname);
    if (addresses.length > 0 || Date.now() - started > 30_000) return { addresses, ms: Date.now() - started };
    await new Promise((r) => setTimeout(r, 200));
  }
}
