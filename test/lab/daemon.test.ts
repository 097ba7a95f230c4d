/**
 * Lab: `dialbond daemon` end to end. Four simulated modems answered by an ISP; the daemon
 * runs three of them as a teql bundle from a config file, as a separate process driven
 * through its control socket and signals. Dropped, silent and starving lines, the control
 * commands, SIGHUP, kill -9 and a restart, and SIGTERM leaving nothing behind.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SupervisorStatus } from '../../src/supervisor/index.js';
import { shapedMemory } from '../../src/bundle/queue.js';
import { BUNDLE_ADDRESS, ISP_HOST, iperfUpload } from './helpers/bundle-lab.js';
import { DaemonProcess } from './helpers/daemon.js';
import { startLabLines, type LabLines } from './helpers/lines.js';
import { sh } from './helpers/run.js';
import { networkSnapshot, snapshotDiff } from './helpers/snapshot.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dialbond');
const allBundled = (names: string[]) => (s: SupervisorStatus) => names.every((n) => s.links.some((l) => l.name === n && l.state === 'up' && l.bundled));

describe('lab: the supervisor daemon', () => {
  let lab: LabLines;
  let daemon: DaemonProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'dialbond-daemon-'));
  const configFile = join(dir, 'dialbond.yaml');
  const socket = join(dir, 'control.sock');
  const runDir = join(dir, 'run');
  const lockDir = join(dir, 'lock');
  let before: Record<string, unknown>;

  const writeConfig = (lines: number[]) => {
    const config = {
      bundle: { mode: 'teql', address: BUNDLE_ADDRESS, routes: [`${ISP_HOST}/32`] },
      links: lines.map((i) => ({ name: `line${i}`, device: lab.lines[i]!.path, profile: 'generic', numbers: ['5551234'] })),
      supervisor: {
        redial: { initial: '1s', factor: 2, max: '10s', jitter: 0.1 },
        health: { lcpEchoInterval: 1, lcpEchoFailure: 3, probe: { interval: '2s', timeout: '1s', failures: 3 } },
        starvation: { window: '3s', minShare: 0.05, busyAbove: 0.3 },
      },
      control: { socket, mode: '0660' },
    };
    writeFileSync(configFile, stringify(config));
  };
  const ifnameOf = async (name: string) => (await daemon!.status()).links.find((l) => l.name === name)?.ifname as string;
  const pppdPids = async (link: string) => (await sh('pgrep', ['-f', `pppd .* linkname ${link} ipparam ${link}`], { reject: false })).stdout.split('\n').filter(Boolean);

  beforeAll(async () => {
    process.env.DIALBOND_LOCK_DIR = lockDir;
    await sh('mkdir', ['-p', lockDir]);
    lab = await startLabLines({ count: 4 });
    await lab.isp.exec(['ip', 'addr', 'add', `${ISP_HOST}/32`, 'dev', 'lo']);
    await lab.isp.exec(['iperf3', '-s', '-D', '-B', ISP_HOST, '--pidfile', `/tmp/iperf3-${lab.isp.netns}.pid`]);
    writeConfig([0, 1, 2]);
    before = await networkSnapshot();
  }, 60_000);

  afterAll(async () => {
    await DaemonProcess.stopIfRunning(daemon);
    await sh('sh', ['-c', `kill $(cat /tmp/iperf3-${lab?.isp.netns}.pid) 2>/dev/null; true`], { reject: false });
    await lab?.close();
    delete process.env.DIALBOND_LOCK_DIR;
  });

  it('brings three lines up and bundles them from the config file', async () => {
    const started = Date.now();
    daemon = await DaemonProcess.start({ config: configFile, socket, runDir });
    const status = await daemon.until(allBundled(['line0', 'line1', 'line2']), 120_000, 'all up and bundled');
    console.log(`lab: daemon start to 3 lines up and bundled: ${Date.now() - started} ms`);
    expect(status).toMatchObject({ state: 'running', mode: 'teql', up: 3, total: 3 });
    const qdiscs = (await sh('tc', ['qdisc', 'show'])).stdout;
    for (const link of status.links) expect(qdiscs).toMatch(new RegExp(`qdisc teql0 \\S+: dev ${link.ifname} root`));
    expect((await sh('ip', ['route', 'show', `${ISP_HOST}/32`])).stdout).toContain('dev teql0');
    // teql0 is shaped under the three lines' CONNECT speeds: 3 x 115200 bit/s, 8 bits of
    // every 10 on the wire, 95% of that, shared per flow
    const shaper = (await sh('tc', ['qdisc', 'show', 'dev', 'teql0', 'root'])).stdout;
    const bits = Math.floor(3 * 115200 * 0.8 * 0.95);
    expect(shaper).toMatch(new RegExp(`qdisc cake \\S+: root .*bandwidth ${bits}bit besteffort flows `));
    // ... holding about half a second of that rate, not CAKE's default 4 MB
    expect(tcBytes(/ memlimit (\S+)/.exec(shaper)?.[1])).toBeCloseTo(shapedMemory(bits), -2);
  });

  it('answers the command-line queries from the kernel and the daemon', async () => {
    const cli = (...args: string[]) => execa(process.execPath, [BIN, ...args], { reject: false, timeout: 30_000 });
    const status = await daemon!.status();
    const line0 = status.links.find((l) => l.name === 'line0')!;
    expect((await cli('info', line0.ifname!, 'local')).stdout).toBe(line0.localIp);
    expect((await cli('info', line0.ifname!, 'remote')).stdout).toBe(line0.remoteIp);
    const info = JSON.parse((await cli('info', line0.ifname!, '--json')).stdout) as { mtu: number; up: boolean; pid: number; sinceMs: number };
    expect(info).toMatchObject({ up: true, mtu: 1500 });
    expect(await pppdPids('line0')).toEqual([String(info.pid)]);
    const links = JSON.parse((await cli('links', '--json', '--interval', '0.5', '--socket', socket)).stdout) as { links: Array<{ name: string }> };
    expect(links.links.map((l) => l.name).sort()).toEqual(['line0', 'line1', 'line2']);
    expect((await cli('status', '--socket', socket)).stdout).toMatch(/teql bundle on teql0: 3 of 3 links in, 3 up/);

    const events = execa(process.execPath, [BIN, 'events', '--socket', socket], { reject: false, timeout: 60_000 });
    let seen = '';
    events.stdout?.on('data', (c: Buffer) => (seen += c.toString()));
    await new Promise((r) => setTimeout(r, 1500)); // its subscription in place
    expect((await cli('emancipate', 'line0', '--socket', socket)).stdout).toBe('line0: up');
    expect((await cli('enslave', 'line0', '--socket', socket)).stdout).toBe('line0: up, in the bundle');
    await daemon!.until(allBundled(['line0', 'line1', 'line2']), 10_000, 'line0 back');
    events.kill('SIGINT');
    await events;
    expect(seen).toMatch(/line0 left the bundle/);
    expect(seen).toMatch(/line0 joined the bundle/);
    const unknown = await cli('down', 'line9', '--socket', socket);
    expect(unknown.exitCode).toBe(3);
    expect((await cli('info', 'teql0')).exitCode).toBe(3);
  });

  it('takes a hung-up line out of the bundle at once (the hang-up, not the LCP echo) and puts it back after the redial', async () => {
    const droppedAt = Date.now();
    await lab.bank.drop(lab.lines[1]!.name);
    const down = await daemon!.event((e) => e.type === 'link' && e.link === 'line1' && e.state === 'down', droppedAt, 10_000, 'line1 down');
    const out = await daemon!.event((e) => e.type === 'bundle' && e.link === 'line1' && e.action === 'removed', droppedAt, 10_000, 'line1 removed');
    const back = await daemon!.event((e) => e.type === 'bundle' && e.link === 'line1' && e.action === 'added', droppedAt, 90_000, 'line1 added again');
    console.log(`lab: daemon, hang-up: detected ${down.atMs - droppedAt} ms, out of the bundle ${out.atMs - droppedAt} ms, back in ${back.atMs - droppedAt} ms`);
    expect(down).toMatchObject({ reason: { code: 'PPP_HANGUP' } });
    // The 1 s bar is the failover bench's to measure (it prints the figures over runs); in
    // the emulated lab one run took 470 ms and another 1021 ms. What this test holds to is
    // the path: out through the hang-up, well before the LCP echo (1 s x 3) could notice.
    expect(out.atMs - droppedAt).toBeLessThan(2500);
    await daemon!.until(allBundled(['line0', 'line1', 'line2']), 30_000, 'all bundled again');
  });

  it('detects a silent line within the LCP echo bounds (1 s x 3), takes it out and redials it', async () => {
    const marker = lab.lines[2]!.marker;
    const silencedAt = Date.now();
    await sh('pkill', ['-STOP', '-f', marker]);
    try {
      const down = await daemon!.event((e) => e.type === 'link' && e.link === 'line2' && e.state === 'down', silencedAt, 20_000, 'line2 down');
      const out = await daemon!.event((e) => e.type === 'bundle' && e.link === 'line2' && e.action === 'removed', silencedAt, 20_000, 'line2 removed');
      console.log(`lab: daemon, silent line: detected ${down.atMs - silencedAt} ms, out of the bundle ${out.atMs - silencedAt} ms`);
      expect(down).toMatchObject({ reason: { code: 'PPP_PEER_DEAD' } });
      expect(down.atMs - silencedAt).toBeLessThan(10_000);
    } finally {
      await sh('pkill', ['-CONT', '-f', marker], { reject: false });
    }
    await daemon!.until(allBundled(['line0', 'line1', 'line2']), 90_000, 'all bundled again');
  });

  it('redials a line whose PPP peer answers but whose IP goes nowhere, after 3 unanswered probes', async () => {
    // The ISP loses its route back to line2's address: LCP still answers, IP does not.
    const client = lab.lines[2]!.client;
    const since = Date.now();
    await lab.isp.exec(['ip', 'route', 'del', `${client}/32`]);
    const down = await daemon!.event((e) => e.type === 'link' && e.link === 'line2' && e.state === 'down', since, 30_000, 'line2 down');
    expect(down).toMatchObject({ reason: { code: 'LINK_PROBE_FAILED' } });
    const misses = daemon!.events.filter((e) => e.seenAtMs >= since && e.type === 'health' && e.check === 'probe' && e.link === 'line2' && !e.ok);
    const story = daemon!.events.filter((e) => e.seenAtMs >= since && 'link' in e && e.link === 'line2').map((e) => `${e.type}${'state' in e ? ` ${e.state}` : ''}${'detail' in e ? ` ${e.detail}` : ''} +${e.atMs - since}`);
    console.log(`lab: daemon, IP-dead line taken down by the probe ${down.atMs - since} ms after its route vanished (${story.join('; ')})`);
    // three unanswered in a row, then down
    expect(misses.slice(-3).map((e) => (e as { detail: string }).detail.replace(/.*\((\d) of 3\)$/, '$1'))).toEqual(['1', '2', '3']);
    expect(down.atMs - since).toBeLessThan(20_000);
    // the redial's new ISP pppd puts the route back
    await daemon!.until(allBundled(['line0', 'line1', 'line2']), 90_000, 'line2 back');
    expect(daemon!.events.some((e) => e.seenAtMs >= since && e.type === 'link' && e.state === 'down' && e.link !== 'line2')).toBe(false);
  });

  it('notices a starving line while the bundle is busy and re-adds it', async () => {
    await lab.isp.exec(['ip', 'route', 'replace', `${BUNDLE_ADDRESS}/32`, 'dev', (await lab.isp.interfaceFor(lab.lines[0]!.client)) as string]);
    const ifname = await ifnameOf('line1');
    const since = Date.now();
    const load = iperfUpload({ bind: BUNDLE_ADDRESS, parallel: 4, seconds: 25 });
    // Something outside dialbond takes line1's teql qdisc away: teql stops using it, nothing says so.
    await new Promise((r) => setTimeout(r, 4000));
    await sh('tc', ['qdisc', 'del', 'dev', ifname, 'root']);
    const starving = await daemon!.event((e) => e.type === 'health' && e.check === 'starvation' && e.link === 'line1', since, 20_000, 'line1 starving');
    await daemon!.event((e) => e.type === 'bundle' && e.link === 'line1' && e.action === 'added' && e.atMs >= starving.atMs, since, 10_000, 'line1 re-added');
    console.log(`lab: daemon, starving line re-added ${starving.atMs - since - 4000} ms after its qdisc vanished (${(starving as { detail?: string }).detail})`);
    expect((await sh('tc', ['qdisc', 'show', 'dev', ifname])).stdout).toContain('teql0');
    const { bps } = await load;
    console.log(`lab: daemon, teql 3 lines under that load: ${(bps / 1000).toFixed(1)} kbit/s`);
    await lab.isp.exec(['ip', 'route', 'del', `${BUNDLE_ADDRESS}/32`], { reject: false });
  });

  it('emancipates, enslaves, hangs up and dials links on request', async () => {
    const control = daemon!.control;
    const ifname = await ifnameOf('line0');
    expect(await control.request('emancipate', { link: 'line0' })).toMatchObject({ bundled: false, heldOut: true, state: 'up' });
    expect((await sh('tc', ['qdisc', 'show', 'dev', ifname])).stdout).not.toContain('teql0');
    expect(await control.request('enslave', { link: 'line0' })).toMatchObject({ bundled: true, heldOut: false });
    expect((await sh('tc', ['qdisc', 'show', 'dev', ifname])).stdout).toContain('teql0');

    await control.request('hangup', { link: 'line0' });
    const parked = await daemon!.until((s) => s.links.find((l) => l.name === 'line0')?.state === 'parked', 30_000, 'line0 parked');
    expect(parked.links.find((l) => l.name === 'line0')).toMatchObject({ bundled: false, reason: { code: 'LINK_HUNG_UP' } });
    expect(await pppdPids('line0')).toEqual([]);
    await control.request('dial', { link: 'line0' });
    await daemon!.until(allBundled(['line0', 'line1', 'line2']), 90_000, 'line0 back');
    await expect(control.request('dial', { link: 'line9' })).rejects.toMatchObject({ code: 'LINK_UNKNOWN' });
  });

  it('keeps serving after a thousand malformed control requests', async () => {
    const junk = ['{', '{"v":1,"cmd":"dial","link":"../../x"}', '{"v":7}', 'null', '\u0000\u0001', '{"v":1,"cmd":"rm"}', '[]', '{"v":1,"cmd":"status","x":1}'];
    const answers = await new Promise<string[]>((resolve, reject) => {
      const raw = createConnection(socket);
      let text = '';
      raw.setEncoding('utf8');
      raw.on('data', (chunk: string) => {
        text += chunk;
        const lines = text.split('\n').filter(Boolean);
        if (lines.length >= 1000) {
          raw.destroy();
          resolve(lines);
        }
      });
      raw.on('error', reject);
      raw.write(Array.from({ length: 1000 }, (_, i) => junk[i % junk.length]).join('\n') + '\n');
    });
    expect(answers.every((a) => JSON.parse(a).ok === false)).toBe(true);
    expect(await daemon!.control.request('ping')).toMatchObject({ pong: true });
    expect((await daemon!.status()).up).toBe(3);
  });

  it('SIGHUP adds and removes links without touching the others', async () => {
    const keep = { line0: await pppdPids('line0'), line1: await pppdPids('line1') };
    expect(keep.line0).toHaveLength(1);
    writeConfig([0, 1, 3]);
    const since = Date.now();
    daemon!.signal('SIGHUP');
    const reload = await daemon!.event((e) => e.type === 'reload', since, 10_000, 'reload');
    expect(reload).toMatchObject({ added: ['line3'], removed: ['line2'], changed: [], bundle: false });
    const status = await daemon!.until(allBundled(['line0', 'line1', 'line3']), 90_000, 'line3 up');
    expect(status.links.map((l) => l.name)).toEqual(['line0', 'line1', 'line3']);
    expect(await pppdPids('line2')).toEqual([]);
    expect({ line0: await pppdPids('line0'), line1: await pppdPids('line1') }).toEqual(keep);
    expect(daemon!.events.filter((e) => e.seenAtMs >= since && e.type === 'link' && (e.link === 'line0' || e.link === 'line1'))).toEqual([]);
  });

  it('after kill -9, a new daemon ends the orphaned pppd, clears the stale locks and brings everything back', async () => {
    const orphans = [...(await pppdPids('line0')), ...(await pppdPids('line1')), ...(await pppdPids('line3'))];
    expect(orphans).toHaveLength(3);
    daemon!.signal('SIGKILL');
    await daemon!.exited(10_000);
    expect(readdirSync(lockDir).length).toBeGreaterThan(0);
    daemon = await DaemonProcess.start({ config: configFile, socket, runDir });
    await daemon.until(allBundled(['line0', 'line1', 'line3']), 120_000, 'all back after the restart');
    const cleanup = daemon.log.map((l) => JSON.parse(l) as { msg?: string; found?: string[] }).find((l) => l.msg?.startsWith('cleaned up'));
    console.log(`lab: daemon restart after kill -9 found: ${JSON.stringify(cleanup?.found)}`);
    expect(cleanup?.found?.filter((f) => f.startsWith('pppd '))).toHaveLength(3);
    expect(cleanup?.found?.some((f) => f.startsWith('stale lock'))).toBe(true);
    expect(cleanup?.found?.some((f) => f.includes('net.ipv4.tcp_reordering'))).toBe(true);
    for (const pid of orphans) expect(existsSync(`/proc/${pid}`)).toBe(false);
    for (const link of ['line0', 'line1', 'line3']) expect(await pppdPids(link)).toHaveLength(1);
  });

  it('SIGTERM ends it within 10 s and leaves no pppd, interface, lock, qdisc, route or setting behind', async () => {
    const since = Date.now();
    daemon!.signal('SIGTERM');
    const exit = await daemon!.exited(20_000);
    const steps = daemon!.log
      .map((l) => JSON.parse(l) as { time: number; msg: string; link?: string; state?: string })
      .filter((l) => l.time >= since && (l.msg !== 'link' || l.state === 'stopped'))
      .map((l) => `${l.msg}${l.link ? ` ${l.link}` : ''}${l.state ? ` ${l.state}` : ''} +${l.time - since}`);
    console.log(`lab: daemon SIGTERM to exit: ${Date.now() - since} ms (${steps.join(', ')})`);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - since).toBeLessThan(10_000);
    for (const link of ['line0', 'line1', 'line2', 'line3']) expect(await pppdPids(link)).toEqual([]);
    expect(JSON.parse((await sh('ip', ['-j', 'link', 'show', 'type', 'ppp'])).stdout || '[]')).toEqual([]);
    expect(readdirSync(lockDir)).toEqual([]);
    expect(existsSync(socket)).toBe(false);
    expect(existsSync(join(runDir, 'sysctl.json'))).toBe(false);
    expect(readdirSync(join(runDir, 'ppp'))).toEqual([]);
    expect(snapshotDiff(before, await networkSnapshot())).toEqual({});
    const gone = await execa(process.execPath, [BIN, 'status', '--socket', socket], { reject: false });
    expect(gone.exitCode).toBe(4);
  });
});

/** A size as tc prints it ("18058b", "12Kb", "4Mb") in bytes. */
function tcBytes(size: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)(b|Kb|Mb)$/.exec(size ?? '');
  if (!m) throw new Error(`not a size as tc prints one: ${size}`);
  return Number(m[1]) * { b: 1, Kb: 1024, Mb: 1024 * 1024 }[m[2] as 'b' | 'Kb' | 'Mb'];
}
