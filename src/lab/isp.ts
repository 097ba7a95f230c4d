/**
 * The "ISP" of the lab (its tests and the daemon demo): a network namespace with an answering pppd per phone line, run
 * by the modem simulator as the far end of each call (pppd speaks PPP on its stdio).
 * Addresses come from the documentation ranges: the ISP side 198.51.100.N, the client
 * side 203.0.113.N; nothing here can leave the lab VM, which has no network card.
 */
import { sh } from './shell.js';

let counter = 0;

export interface IspLineOptions {
  /** Client address the ISP hands out on this line. */
  client: string;
  /** The ISP's own address on this line. */
  server: string;
  /** A unique tag on the pppd command line, to find the process (pgrep -f). */
  marker: string;
  lcpEchoInterval?: number;
  lcpEchoFailure?: number;
  /** Make the client authenticate with PAP (secrets from /etc/ppp/pap-secrets). */
  requirePap?: boolean;
  /** Multilink PPP (default off): `multilink endpoint <endpoint>`; links with the same client
   * endpoint join one bundle. `unit` asks for a ppp unit: pppd matches bundles through one
   * /run/pppd2.tdb shared with the client's pppds, whose UNIT=N keys know no namespaces. */
  multilink?: { endpoint: string; unit?: number };
  /** DNS servers the ISP offers a client that asks (`ms-dns`, at most two: DNS1, DNS2). */
  dns?: string[];
}

export class Isp {
  private constructor(readonly netns: string) {}

  static async create(): Promise<Isp> {
    const netns = `isp${process.pid}x${counter++}`;
    await sh('ip', ['netns', 'add', netns]);
    await sh('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    return new Isp(netns);
  }

  /** The argv the simulator runs for the far end of one line. */
  pppdArgv(line: IspLineOptions): string[] {
    return [
      'ip', 'netns', 'exec', this.netns,
      'pppd', 'notty', 'nodetach', ...(line.requirePap ? ['auth', 'require-pap'] : ['noauth']), 'local', 'nolock', 'nodefaultroute', 'noipdefault',
      'novj', 'novjccomp', 'nodeflate', 'nobsdcomp', 'mtu', '1500', 'mru', '1500',
      'lcp-echo-interval', String(line.lcpEchoInterval ?? 1), 'lcp-echo-failure', String(line.lcpEchoFailure ?? 3),
      ...(line.multilink ? ['multilink', 'endpoint', line.multilink.endpoint, ...(line.multilink.unit !== undefined ? ['unit', String(line.multilink.unit)] : [])] : []),
      ...(line.dns ?? []).slice(0, 2).flatMap((server) => ['ms-dns', server]),
      'ipparam', line.marker, `${line.server}:${line.client}`,
    ];
  }

  /** Runs a command inside the ISP namespace. */
  exec(args: string[], options: { timeoutMs?: number; reject?: boolean } = {}) {
    return sh('ip', ['netns', 'exec', this.netns, ...args], options);
  }

  /** The ISP-side ppp interface whose peer is `client` (pppd adds a host route to it). */
  async interfaceFor(client: string): Promise<string | undefined> {
    const routes = JSON.parse((await sh('ip', ['-j', '-n', this.netns, 'route', 'show', client])).stdout || '[]') as Array<{ dev: string }>;
    return routes[0]?.dev;
  }

  async destroy(): Promise<void> {
    await sh('ip', ['netns', 'pids', this.netns], { reject: false }).then(async ({ stdout }) => {
      for (const pid of stdout.split('\n').filter(Boolean)) await sh('kill', ['-9', pid], { reject: false });
    });
    await sh('ip', ['netns', 'del', this.netns], { reject: false });
  }
}
