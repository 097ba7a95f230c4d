/**
 * Lab: DNS while the bundle is up. The guest has a resolver of its own before dialbond
 * starts (test/lab/helpers/router.ts); the ISP offers each line its own servers (pppd
 * ms-dns) and `dialbond daemon` with `dns: peer` hands them to /etc/resolv.conf (the
 * guest has neither systemd-resolved nor resolvconf) while their line is in the bundle.
 * A line leaving takes its servers with it; SIGTERM gives the original file back, and so
 * does the next start after a kill -9.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SupervisorStatus } from '../../src/supervisor/index.js';
import { BUNDLE_ADDRESS, ISP_HOST } from './helpers/bundle-lab.js';
import { DaemonProcess } from './helpers/daemon.js';
import { startLabLines, type LabLines } from './helpers/lines.js';
import { RESOLV_CONF, ROUTER_NAMESERVER, setUpRouter } from './helpers/router.js';
import { sh } from './helpers/run.js';

/** What the ISP offers on each line (ms-dns): two servers on line0, one on line1. */
const OFFERED = [['198.51.100.201', '198.51.100.202'], ['198.51.100.211']];
const allBundled = (s: SupervisorStatus) => ['line0', 'line1'].every((n) => s.links.some((l) => l.name === n && l.state === 'up' && l.bundled));

function nameservers(): string[] {
  return readFileSync(RESOLV_CONF, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('nameserver '))
    .map((l) => l.slice('nameserver '.length).trim());
}

/** Waits until the resolver's nameservers are `expected` (in order). */
async function resolverHolds(expected: string[], ms: number, daemon?: DaemonProcess): Promise<void> {
  const deadline = Date.now() + ms;
  while (JSON.stringify(nameservers()) !== JSON.stringify(expected)) {
    if (Date.now() > deadline) throw new Error(`${RESOLV_CONF} holds ${JSON.stringify(nameservers())}, not ${JSON.stringify(expected)} after ${ms} ms\n${daemon?.tail() ?? ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The daemon's configuration for these tests: teql over the lab's two lines, with `dns`
 * (and IPv6 on, when asked). */
function dnsConfig(lab: LabLines, socket: string, dns: 'peer' | 'none', ipv6 = false): string {
  return stringify({
    bundle: { mode: 'teql', address: BUNDLE_ADDRESS, ...(ipv6 ? { ipv6: true } : {}), routes: [`${ISP_HOST}/32`] },
    links: [0, 1].map((i) => ({ name: `line${i}`, device: lab.lines[i]!.path, profile: 'generic', numbers: ['5551234'] })),
    dns,
    supervisor: { redial: { initial: '1s', factor: 2, max: '5s', jitter: 0.1 }, health: { lcpEchoInterval: 1, lcpEchoFailure: 3 } },
    control: { socket, mode: '0660' },
  });
}

/**
 * What both suites stand on, set up before their tests and undone after: a lock directory
 * of their own, the guest's resolver as a router has it, the lab's lines (offering DNS as
 * `lines` says), and the daemon's configuration file (written by `writeConfig`). The
 * daemon a test starts goes in `daemon`, so that it is stopped whatever happens.
 */
function dnsLab(prefix: string, lines: Parameters<typeof startLabLines>[0], options: { ipv6?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const lockDir = join(dir, 'lock');
  let tearDownRouter: (() => Promise<void>) | undefined;
  const ctx = {
    lab: undefined as unknown as LabLines,
    daemon: undefined as DaemonProcess | undefined,
    configFile: join(dir, 'dialbond.yaml'),
    socket: join(dir, 'control.sock'),
    runDir: join(dir, 'run'),
    /** The guest's resolv.conf before the suite. */
    original: { content: '', mode: 0 },
    writeConfig: (dns: 'peer' | 'none') => writeFileSync(ctx.configFile, dnsConfig(ctx.lab, ctx.socket, dns, options.ipv6)),
    start: async () => (ctx.daemon = await DaemonProcess.start({ config: ctx.configFile, socket: ctx.socket, runDir: ctx.runDir, timeoutMs: 180_000 })),
  };
  beforeAll(async () => {
    process.env.DIALBOND_LOCK_DIR = lockDir;
    await sh('mkdir', ['-p', lockDir]);
    tearDownRouter = await setUpRouter();
    ctx.original = { content: readFileSync(RESOLV_CONF, 'utf8'), mode: statSync(RESOLV_CONF).mode };
    expect(nameservers()).toEqual([ROUTER_NAMESERVER]);
    ctx.lab = await startLabLines(lines);
    ctx.writeConfig('peer');
  }, 60_000);
  afterAll(async () => {
    await DaemonProcess.stopIfRunning(ctx.daemon, 60_000);
    await ctx.lab?.close();
    await tearDownRouter?.();
    delete process.env.DIALBOND_LOCK_DIR;
  });
  return ctx;
}

describe('lab: DNS while the bundle is up', () => {
  const ctx = dnsLab('dialbond-dns-', { count: 2, dns: (i) => OFFERED[i]! });

  it('puts the servers each peer offered in the resolver while the bundle is up', async () => {
    const daemon = await ctx.start();
    const status = await daemon.until(allBundled, 120_000, 'both lines up and bundled');
    expect(status.links.map((l) => [l.name, l.dns])).toEqual([['line0', OFFERED[0]], ['line1', OFFERED[1]]]);
    await resolverHolds([...OFFERED[0]!, ...OFFERED[1]!], 10_000, daemon);
    expect(readFileSync(RESOLV_CONF, 'utf8')).not.toContain(ROUTER_NAMESERVER);
    const resolver = await daemon.event((e) => e.type === 'resolver' && e.servers.length === 3, 0, 5000, 'resolver with three servers');
    expect(resolver).toMatchObject({ backend: 'file' });
    // The distribution's ip-up hook (Debian's 0000usepeerdns) did not run: it would have
    // left a backup beside the file and rewritten it behind dialbond's back.
    expect(readdirSync('/etc').filter((f) => f.startsWith('resolv.conf.pppd-backup'))).toEqual([]);
    expect(existsSync(join(ctx.runDir, 'dns.json'))).toBe(true);
  });

  it('a line leaving the bundle takes its servers with it, and brings them back when it returns', async () => {
    await ctx.daemon!.control.request('hangup', { link: 'line1' });
    await resolverHolds(OFFERED[0]!, 15_000, ctx.daemon);
    // Dialed again once the hang-up is over (a dial request while it is still going down
    // is not one for a parked line).
    await ctx.daemon!.until((s) => s.links.find((l) => l.name === 'line1')?.state === 'parked', 60_000, 'line1 parked');
    await ctx.daemon!.control.request('dial', { link: 'line1' });
    await ctx.daemon!.until(allBundled, 90_000, 'line1 back');
    await resolverHolds([...OFFERED[0]!, ...OFFERED[1]!], 10_000, ctx.daemon);
  });

  it('SIGTERM gives the original resolv.conf back', async () => {
    ctx.daemon!.signal('SIGTERM');
    // How long a stop may take is the daemon's own business (the emulated lab is slow):
    // what counts here is what it left.
    await ctx.daemon!.exited(60_000);
    expect(readFileSync(RESOLV_CONF, 'utf8')).toBe(ctx.original.content);
    expect(statSync(RESOLV_CONF).mode).toBe(ctx.original.mode);
    expect(existsSync(join(ctx.runDir, 'dns.json'))).toBe(false);
  });

  it('kill -9 leaves the servers and the record of the original behind', async () => {
    const daemon = await ctx.start();
    await daemon.until(allBundled, 120_000, 'both lines up and bundled');
    await resolverHolds([...OFFERED[0]!, ...OFFERED[1]!], 10_000, daemon);
    daemon.signal('SIGKILL');
    await daemon.exited(10_000);
    // Nobody gave it back: the killed daemon's servers are still there, and its record.
    expect(nameservers()).toEqual([...OFFERED[0]!, ...OFFERED[1]!]);
    expect(existsSync(join(ctx.runDir, 'dns.json'))).toBe(true);
  }, 300_000);

  it('after kill -9, the next start gives the original back before anything else', async () => {
    // The next start leaves the resolver alone ("dns: none"): whatever it holds after
    // the start is what the restore after the crash made of it.
    ctx.writeConfig('none');
    const daemon = await ctx.start();
    expect(readFileSync(RESOLV_CONF, 'utf8')).toBe(ctx.original.content);
    const cleanup = daemon.log.map((l) => JSON.parse(l) as { msg?: string; found?: string[] }).find((l) => l.msg?.startsWith('cleaned up'));
    console.log(`lab: dns, restart after kill -9 found: ${JSON.stringify(cleanup?.found)}`);
    expect(cleanup?.found).toContain(`${RESOLV_CONF} as a previous run wrote it: the original is back`);
    expect(existsSync(join(ctx.runDir, 'dns.json'))).toBe(false);
    await daemon.until(allBundled, 120_000, 'both lines back after the restart');
    expect(readFileSync(RESOLV_CONF, 'utf8')).toBe(ctx.original.content);
    daemon.signal('SIGTERM');
    await daemon.exited(60_000);
    expect(readFileSync(RESOLV_CONF, 'utf8')).toBe(ctx.original.content);
    expect(statSync(RESOLV_CONF).mode).toBe(ctx.original.mode);
  }, 300_000);
});

/**
 * IPv6 DNS: the ISP advertises its IPv6 resolver in its router advertisements (RDNSS, RFC
 * 8106), since IPV6CP carries none. With `dns: peer` and `ipv6`, each line asks its router
 * (rdisc6) once IPV6CP is up, and the servers join the ones IPCP gave, in the status and in
 * the resolver; SIGTERM gives the original back.
 */
describe('lab: IPv6 DNS from the router advertisements', () => {
  const OFFERED4 = [['198.51.100.201'], ['198.51.100.211']];
  const ADVERTISED = '2001:db8:53::1';
  const ctx = dnsLab('dialbond-dns6-', { count: 2, dns: (i) => OFFERED4[i]!, ipv6: { dns: [ADVERTISED] } }, { ipv6: true });

  it("puts each line's IPv4 servers and its router's IPv6 one in the resolver, and takes them back at SIGTERM", async () => {
    const daemon = await ctx.start();
    await daemon.until(allBundled, 120_000, 'both lines up and bundled');
    const status = await daemon.until((s) => s.links.every((l) => l.dns?.includes(ADVERTISED)), 30_000, "each line has its router's IPv6 server");
    expect(status.links.map((l) => [l.name, l.dns])).toEqual([
      ['line0', [...OFFERED4[0]!, ADVERTISED]],
      ['line1', [...OFFERED4[1]!, ADVERTISED]],
    ]);
    const expected = [OFFERED4[0]![0]!, OFFERED4[1]![0]!, ADVERTISED].sort();
    const deadline = Date.now() + 10_000;
    while (JSON.stringify([...nameservers()].sort()) !== JSON.stringify(expected) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect([...nameservers()].sort()).toEqual(expected);
    daemon.signal('SIGTERM');
    await daemon.exited(60_000);
    expect(readFileSync(RESOLV_CONF, 'utf8')).toBe(ctx.original.content);
  }, 300_000);
});
