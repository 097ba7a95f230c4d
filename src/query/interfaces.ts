/**
 * The kernel's view of ppp links, for the getpppinfo- and checklinks-style queries: which
 * ppp interfaces exist, their addresses, MTU, state, the pppd behind each and since when.
 * Parsing is pure (from `ip -j addr show` output); reading goes through an Exec.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { DialbondError } from '../errors/index.js';
import { systemExec, type Exec } from '../sys/index.js';
import { isInterfaceName } from '../sys/ifname.js';

export interface PppInterface {
  ifname: string;
  /** Our address on the link. */
  local: string | null;
  /** The peer's address. */
  remote: string | null;
  /** Our global IPv6 addresses (from the ISP's advertisements, or set); empty without. */
  local6: string[];
  mtu: number | null;
  /** UP, DOWN, UNKNOWN (ppp links say UNKNOWN when up: they have no carrier notion). */
  state: string;
  up: boolean;
  /** The pppd running it (from /run/<ifname>.pid), and when it started (ms since the epoch). */
  pid: number | null;
  sinceMs: number | null;
}

interface IpAddrEntry {
  ifname?: string;
  link_type?: string;
  mtu?: number;
  operstate?: string;
  flags?: string[];
  addr_info?: Array<{ family?: string; local?: string; address?: string; scope?: string }>;
}

/** Every interface of `ip -j addr show` output, with its link type. */
export function parseIpAddr(json: string): Array<{ ifname: string; linkType: string; entry: IpAddrEntry }> {
  let entries: IpAddrEntry[];
  try {
    entries = JSON.parse(json || '[]') as IpAddrEntry[];
  } catch {
    throw new DialbondError('SYS_COMMAND_FAILED', 'ip -j addr show did not print JSON (iproute2 too old?)', {});
  }
  return entries.filter((e) => typeof e.ifname === 'string').map((e) => ({ ifname: e.ifname as string, linkType: e.link_type ?? 'unknown', entry: e }));
}

/** A ppp interface from its `ip -j addr` entry (pid and start time filled in by the caller). */
export function pppInterfaceOf(entry: IpAddrEntry): PppInterface {
  const inet = (entry.addr_info ?? []).find((a) => a.family === 'inet');
  const flags = entry.flags ?? [];
  return {
    ifname: entry.ifname as string,
    local: inet?.local ?? null,
    remote: inet?.address ?? null,
    local6: (entry.addr_info ?? []).filter((a) => a.family === 'inet6' && a.scope === 'global' && typeof a.local === 'string').map((a) => a.local as string),
    mtu: entry.mtu ?? null,
    state: entry.operstate ?? 'UNKNOWN',
    up: flags.includes('UP'),
    pid: null,
    sinceMs: null,
  };
}

/** When process `pid` started (ms since the epoch), from /proc; null when it is gone. */
export function processStartMs(pid: number, proc = '/proc'): number | null {
  try {
    const stat = readFileSync(`${proc}/${pid}/stat`, 'utf8');
    // Field 22 (starttime, in clock ticks since boot) counts from after the ")" of the name.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync(`${proc}/stat`, 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return null;
    return Math.round(btime * 1000 + (ticks * 1000) / 100); // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** A pppd in our network namespace? (pid files in /run know no namespaces: an ISP's pppd
 * in another namespace writes /run/ppp0.pid for its own ppp0.) */
function ourPppd(pid: number, proc: string): boolean {
  try {
    if (readFileSync(`${proc}/${pid}/comm`, 'utf8').trim() !== 'pppd') return false;
    return readlinkSync(`${proc}/${pid}/ns/net`) === readlinkSync(`${proc}/self/ns/net`);
  } catch {
    return false;
  }
}

function pidIn(file: string): { pid: number; ifname?: string } | null {
  try {
    const [first, second] = readFileSync(file, 'utf8').split('\n');
    const pid = Number(first?.trim());
    return Number.isInteger(pid) && pid > 0 ? { pid, ...(second?.trim() ? { ifname: second.trim() } : {}) } : null;
  } catch {
    return null;
  }
}

/**
 * The pppd of an interface (pppd(8) FILES): /run/ppp-LINKNAME.pid holds its pid and the
 * interface, /run/IFNAME.pid its pid; either may be another namespace's pppd's.
 */
function pppdPidOf(ifname: string, runDir: string, proc = '/proc'): number | null {
  const candidates: number[] = [];
  try {
    for (const name of readdirSync(runDir)) {
      if (!/^ppp-.+\.pid$/.test(name)) continue;
      const entry = pidIn(`${runDir}/${name}`);
      if (entry?.ifname === ifname) candidates.push(entry.pid);
    }
  } catch {
    /* no run directory */
  }
  const plain = pidIn(`${runDir}/${ifname}.pid`);
  if (plain) candidates.push(plain.pid);
  return candidates.find((pid) => ourPppd(pid, proc)) ?? null;
}

export interface InterfaceReader {
  exec?: Exec;
  /** Where pppd writes its pid files (/run). */
  runDir?: string;
  /** The proc filesystem (/proc; tests give a tree of their own). */
  proc?: string;
}

/** Every ppp interface now. */
export async function listPppInterfaces(options: InterfaceReader = {}): Promise<PppInterface[]> {
  const exec = options.exec ?? systemExec;
  const { stdout } = await exec('ip', ['-j', 'addr', 'show']);
  return parseIpAddr(stdout)
    .filter((i) => i.linkType === 'ppp')
    .map((i) => withPid(pppInterfaceOf(i.entry), options));
}

/** One ppp interface; says plainly when it does not exist or is not ppp. */
export async function readPppInterface(ifname: string, options: InterfaceReader = {}): Promise<PppInterface> {
  if (!isInterfaceName(ifname)) throw new DialbondError('LINK_UNKNOWN', `"${ifname}" is not an interface name`, { ifname });
  const exec = options.exec ?? systemExec;
  const all = parseIpAddr((await exec('ip', ['-j', 'addr', 'show'])).stdout);
  const found = all.find((i) => i.ifname === ifname);
  if (!found) throw new DialbondError('LINK_UNKNOWN', `no interface named ${ifname} (ppp interfaces now: ${all.filter((i) => i.linkType === 'ppp').map((i) => i.ifname).join(', ') || 'none'})`, { ifname });
  if (found.linkType !== 'ppp') throw new DialbondError('LINK_UNKNOWN', `${ifname} is not a ppp interface (its link type is ${found.linkType})`, { ifname });
  return withPid(pppInterfaceOf(found.entry), options);
}

function withPid(i: PppInterface, options: InterfaceReader): PppInterface {
  const proc = options.proc ?? '/proc';
  const pid = pppdPidOf(i.ifname, options.runDir ?? '/run', proc);
  return { ...i, pid, sinceMs: pid !== null ? processStartMs(pid, proc) : null };
}
