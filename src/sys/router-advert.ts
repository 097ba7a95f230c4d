/**
 * The DNS servers an IPv6 router advertises on a line (RDNSS, RFC 8106). IPV6CP settles
 * only interface identifiers, so over PPP an ISP's IPv6 resolvers come in its router
 * advertisements; the kernel makes the address from the prefix (SLAAC) but leaves the
 * RDNSS option to user space. rdisc6 (ndisc6) solicits an advertisement on the interface
 * and prints it, RDNSS included, which is all a dialer needs at the start of a call: one
 * solicitation, the first answer, its servers.
 */
import { DialbondError } from '../errors/index.js';
import type { Exec } from './exec.js';
import { isInterfaceName } from './ifname.js';

/** What an advertisement says of DNS. */
export interface AdvertisedDns {
  /** The recursive DNS servers, in the order advertised; empty when none (or withdrawn). */
  servers: string[];
  /** How long they may be used, in seconds (0 withdraws them); null when not said. */
  lifetimeS: number | null;
  /** The DNS search list (DNSSL), when advertised. */
  searchDomains: string[];
}

/** An IPv6 address as rdisc6 prints it (numeric, -n): hex groups and colons, maybe a dotted tail. */
const IPV6 = /^[0-9a-f:.]*:[0-9a-f:.]*$/i;

/**
 * Reads the first advertisement in rdisc6's verbose output (pure). The lines it cares about:
 * ` Recursive DNS server     : 2001:db8::53` (one per server), `  DNS servers lifetime    :
 * 600 (0x00000258) seconds`, ` DNS search list          : example.net lab.example`.
 * Output from a second router (rdisc6 -m) is not read: the call has one peer.
 */
export function parseRouterAdvertisement(output: string): AdvertisedDns {
  const servers: string[] = [];
  const searchDomains: string[] = [];
  let lifetimeS: number | null = null;
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    // the end of one advertisement ("from fe80::1")
    if (/^from\s/.test(line) && (servers.length > 0 || searchDomains.length > 0)) break;
    const field = /^([^:]+?)\s*:\s*(.*)$/.exec(line);
    if (!field) continue;
    const [, name, value] = field as unknown as [string, string, string];
    if (/^Recursive DNS server$/i.test(name)) {
      const address = value.trim().toLowerCase();
      if (IPV6.test(address) && !servers.includes(address)) servers.push(address);
    } else if (/^DNS servers? lifetime$/i.test(name)) {
      // "infinite" (all ones) stays null: no end
      const seconds = /^(\d+)/.exec(value.trim());
      if (seconds) lifetimeS = Number(seconds[1]);
    } else if (/^DNS search list$/i.test(name)) {
      for (const domain of value.trim().split(/\s+/)) if (domain && !searchDomains.includes(domain)) searchDomains.push(domain);
    }
  }
  return { servers: lifetimeS === 0 ? [] : servers, lifetimeS, searchDomains };
}

export interface SolicitOptions {
  exec: Exec;
  /** Solicitations to send, one wait each (rdisc6 -r, -w). */
  attempts?: number;
  waitMs?: number;
  signal?: AbortSignal;
}

/**
 * Solicits a router advertisement on `ifname` and returns the DNS it advertises: servers
 * empty when the router answered without RDNSS, or did not answer (rdisc6's status 2, "No
 * response"). Throws SYS_NOT_FOUND without rdisc6, SYS_COMMAND_FAILED when the interface
 * is gone or rdisc6 fails otherwise.
 */
export async function solicitRouterDns(ifname: string, options: SolicitOptions): Promise<AdvertisedDns> {
  if (!isInterfaceName(ifname)) throw new DialbondError('SYS_COMMAND_FAILED', `not an interface name: ${JSON.stringify(ifname)}`, { ifname });
  const attempts = options.attempts ?? 3;
  const waitMs = options.waitMs ?? 1000;
  const args = ['-1', '-n', '-r', String(attempts), '-w', String(waitMs), ifname];
  const result = await options.exec('rdisc6', args, {
    allowFailure: true,
    timeoutMs: attempts * waitMs + 5000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (result.exitCode === 2) return { servers: [], lifetimeS: null, searchDomains: [] };
  if (result.exitCode !== 0) {
    const said = (result.stderr || result.stdout).trim().split('\n').slice(-1).join(' ');
    throw new DialbondError('SYS_COMMAND_FAILED', `rdisc6 ${args.join(' ')} failed (status ${result.exitCode}): ${said}`, { command: 'rdisc6', ifname, exitCode: result.exitCode });
  }
  return parseRouterAdvertisement(result.stdout);
}
