/**
 * The "ISP" of the lab (its tests and the daemon demo): a network namespace with an answering pppd per phone line, run
 * by the modem simulator as the far end of each call (pppd speaks PPP on its stdio).
 * Addresses come from the documentation ranges: the ISP side 198.51.100.N, the client
 * side 203.0.113.N; nothing here can leave the lab VM, which has no network card.
 *
 * IPv6, as an ISP offers it over PPP: IPV6CP on the line, then router advertisements
 * (radvd) of one /64 a line, 2001:db8:0:N::/64 for the line whose client is 203.0.113.N,
 * from which the client makes its address (SLAAC). The ISP routes that prefix back down
 * the line once it is up (its ip-up script), and its own hosts sit in 2001:db8:ffff::/48.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { sh } from './shell.js';

/** An address of the ISP's own, for IPv6 tests (on its loopback, as ISP_HOST is for IPv4). */
export const ISP_HOST6 = '2001:db8:ffff::1';

/** The /64 the ISP advertises on the line whose client address is `client` (203.0.113.N). */
export function ispPrefix6(client: string): string {
  return `2001:db8:0:${Number(client.split('.').pop())}::/64`;
}

/** The ISP's interface of the line whose client address is `client`: radvd needs the name before the line is up. */
export function ispIfname6(client: string): string {
  return `ispv${Number(client.split('.').pop())}`;
}

/**
 * radvd's configuration for the ISP's lines: advertisements every 3-4 s (the lab does
 * not wait minutes for an unsolicited one), and DNS servers (RDNSS, RFC 8106) when given.
 */
export function radvdConfig(clients: readonly string[], dns: readonly string[] = []): string {
  return clients
    .map((client) =>
      [
        `interface ${ispIfname6(client)} {`,
        '  AdvSendAdvert on;',
        '  MinRtrAdvInterval 3;',
        '  MaxRtrAdvInterval 4;',
        `  prefix ${ispPrefix6(client)} { AdvOnLink on; AdvAutonomous on; };`,
        ...(dns.length > 0 ? [`  RDNSS ${dns.join(' ')} { };`] : []),
        '};',
        '',
      ].join('\n'),
    )
    .join('\n');
}

/** pppd's ip-up in the ISP: the line's /64 is routed down the line (pppd clears the environment, hence PATH). */
const IP_UP_SCRIPT = `#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
# $1: the line's interface, $5: the client's IPv4 address 203.0.113.N, whose line has 2001:db8:0:N::/64
n=\${5##*.}
case "$n" in ''|*[!0-9]*) exit 0 ;; esac
exec ip -6 route replace "2001:db8:0:$n::/64" dev "$1"
`;

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
  /** IPv6 on the line (`+ipv6`, the interface named for radvd, the prefix routed back at
   * ip-up): call startIpv6() for the advertisements. */
  ipv6?: boolean;
}

export class Isp {
  private constructor(readonly netns: string) {}

  private get ipUpScript(): string {
    return `/tmp/${this.netns}-ip-up`;
  }

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
      ...(line.ipv6 ? ['+ipv6', 'ifname', ispIfname6(line.client), 'ip-up-script', this.ipUpScript] : []),
      'ipparam', line.marker, `${line.server}:${line.client}`,
    ];
  }

  /**
   * IPv6 for lines made with `ipv6`: forwarding on, ISP_HOST6 on the loopback, the ip-up
   * script, and radvd advertising each client's /64 (it finds each line's interface as it
   * appears). Call before the lines are dialed.
   */
  async startIpv6(clients: readonly string[], options: { dns?: string[] } = {}): Promise<void> {
    writeFileSync(this.ipUpScript, IP_UP_SCRIPT, { mode: 0o755 });
    const conf = `/tmp/${this.netns}-radvd.conf`;
    writeFileSync(conf, radvdConfig(clients, options.dns));
    await this.exec(['sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1']);
    await this.exec(['ip', '-6', 'addr', 'add', `${ISP_HOST6}/128`, 'dev', 'lo']);
    await this.exec(['radvd', '-C', conf, '-p', `/tmp/${this.netns}-radvd.pid`, '-u', 'root']);
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
    for (const file of [this.ipUpScript, `/tmp/${this.netns}-radvd.conf`, `/tmp/${this.netns}-radvd.pid`]) rmSync(file, { force: true });
  }
}
