/**
 * Optional Prometheus metrics (text format 0.0.4) on `metrics.listen`: per link its state,
 * bundle membership, weight, bytes, dials and drops. Read-only; GET /metrics only.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DialbondError, systemErrorCode } from '../errors/index.js';
import type { LinkState } from '../link/index.js';
import type { Supervisor, SupervisorStatus } from '../supervisor/index.js';

const STATES: LinkState[] = ['idle', 'dialing', 'negotiating', 'up', 'down', 'backoff', 'waiting', 'parked', 'stopping', 'stopped'];

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The metrics page for a supervisor status (pure). */
export function renderMetrics(status: SupervisorStatus): string {
  const out: string[] = [];
  const metric = (name: string, help: string, type: 'gauge' | 'counter', rows: Array<[Record<string, string>, number]>) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of rows) {
      const text = Object.entries(labels)
        .map(([k, v]) => `${k}="${label(v)}"`)
        .join(',');
      out.push(`${name}${text ? `{${text}}` : ''} ${value}`);
    }
  };
  const counters = new Map((status.bundle?.links ?? []).map((l) => [l.name, l.counters]));
  metric('dialbond_links_up', 'Links up now.', 'gauge', [[{}, status.up]]);
  metric('dialbond_links_configured', 'Links configured.', 'gauge', [[{}, status.total]]);
  metric('dialbond_link_state', 'The state each link is in (1 for its state).', 'gauge', status.links.flatMap((l) => STATES.map((s): [Record<string, string>, number] => [{ link: l.name, state: s }, l.state === s ? 1 : 0])));
  // The call's interface and addresses as labels (Prometheus' *_info convention), IPv6's
  // link-local pair beside IPv4's, for links that have an interface.
  metric('dialbond_link_info', 'The current call\'s interface and addresses (value 1).', 'gauge', status.links.filter((l) => l.ifname).map((l) => [{ link: l.name, ifname: l.ifname as string, local: l.localIp ?? '', remote: l.remoteIp ?? '', local6: l.localLinkLocal ?? '', remote6: l.remoteLinkLocal ?? '' }, 1]));
  metric('dialbond_link_bundled', 'Whether the link is in the bundle.', 'gauge', status.links.map((l) => [{ link: l.name }, l.bundled ? 1 : 0]));
  metric('dialbond_link_weight', 'The link\'s share of traffic (bundle weight).', 'gauge', status.links.map((l) => [{ link: l.name }, l.weight]));
  metric('dialbond_link_speed_bps', 'CONNECT speed of the current call.', 'gauge', status.links.filter((l) => l.speed !== null).map((l) => [{ link: l.name }, l.speed as number]));
  metric('dialbond_link_line_rate_bps', 'The rate the current call\'s line carries (shaper, multilink fragments).', 'gauge', status.links.filter((l) => typeof l.lineRate === 'number').map((l) => [{ link: l.name }, l.lineRate as number]));
  metric('dialbond_link_connect_seconds', 'Time from ATD to CONNECT of the current call.', 'gauge', status.links.filter((l) => l.connectMs !== null).map((l) => [{ link: l.name }, (l.connectMs as number) / 1000]));
  metric('dialbond_link_dials_total', 'Dial attempts since the daemon started.', 'counter', status.links.map((l) => [{ link: l.name }, l.dials]));
  metric('dialbond_link_drops_total', 'Times the link left up since the daemon started.', 'counter', status.links.map((l) => [{ link: l.name }, l.drops]));
  metric('dialbond_link_consecutive_failures', 'Failures since the link was last up.', 'gauge', status.links.map((l) => [{ link: l.name }, l.failures]));
  metric('dialbond_link_tx_bytes', 'Bytes sent on the link\'s interface.', 'counter', status.links.flatMap((l) => (counters.get(l.name) ? [[{ link: l.name }, counters.get(l.name)!.txBytes] as [Record<string, string>, number]] : [])));
  metric('dialbond_link_rx_bytes', 'Bytes received on the link\'s interface.', 'counter', status.links.flatMap((l) => (counters.get(l.name) ? [[{ link: l.name }, counters.get(l.name)!.rxBytes] as [Record<string, string>, number]] : [])));
  return `${out.join('\n')}\n`;
}

export class MetricsServer {
  private constructor(private readonly server: Server) {}

  /** Listens on host:port; GET /metrics answers with the supervisor's figures. */
  static async listen(listen: string, supervisor: Pick<Supervisor, 'status'>): Promise<MetricsServer> {
    const at = listen.lastIndexOf(':');
    // An IPv6 host is written in brackets ([::1]:9410), as in a URL.
    const host = listen.slice(0, at).replace(/^\[(.*)\]$/, '$1');
    const port = Number(listen.slice(at + 1));
    const server = createServer((request, response) => {
      if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
        return;
      }
      supervisor
        .status()
        .then((status) => response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(renderMetrics(status)))
        .catch((error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new DialbondError('CONFIG_INVALID', `metrics.listen: cannot listen on ${listen}: ${systemErrorCode(error) ?? String(error)}`, { listen })));
      server.listen(port, host, () => resolve());
    });
    return new MetricsServer(server);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
