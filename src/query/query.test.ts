import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordingExec } from '../sys/index.js';
import type { SupervisorStatus } from '../supervisor/index.js';
import { formatBytes, formatEvent, formatInfo, formatLinks, formatRate, formatStatus, shareBar, table, trafficOf } from './format.js';
import { listPppInterfaces, processStartMs, readPppInterface } from './interfaces.js';

const IP_ADDR = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP'], mtu: 65536, operstate: 'UNKNOWN', link_type: 'loopback', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
  { ifindex: 7, ifname: 'ppp0', flags: ['POINTOPOINT', 'MULTICAST', 'NOARP', 'UP', 'LOWER_UP'], mtu: 1500, operstate: 'UNKNOWN', link_type: 'ppp', addr_info: [{ family: 'inet', local: '203.0.113.1', address: '198.51.100.1', prefixlen: 32 }, { family: 'inet6', local: '2001:db8:0:1:a:b:c:d', prefixlen: 64, scope: 'global' }, { family: 'inet6', local: 'fe80::a:b:c:d', prefixlen: 128, scope: 'link' }] },
  { ifindex: 8, ifname: 'ppp1', flags: ['POINTOPOINT', 'NOARP'], mtu: 576, operstate: 'DOWN', link_type: 'ppp', addr_info: [] },
]);

describe('ppp interfaces from the kernel', () => {
  const exec = recordingExec(() => ({ stdout: IP_ADDR }));

  it('lists ppp interfaces only, with addresses and the pppd of this network namespace', async () => {
    const run = mkdtempSync(join(tmpdir(), 'dialbond-query-'));
    const proc = mkdtempSync(join(tmpdir(), 'dialbond-proc-'));
    const pppd = (pid: number, netns: string) => {
      mkdirSync(join(proc, String(pid), 'ns'), { recursive: true });
      writeFileSync(join(proc, String(pid), 'comm'), 'pppd\n');
      symlinkSync(netns, join(proc, String(pid), 'ns', 'net'));
      writeFileSync(join(proc, String(pid), 'stat'), `${pid} (pppd) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 500 0 0\n`);
    };
    mkdirSync(join(proc, 'self', 'ns'), { recursive: true });
    symlinkSync('net:[4026531840]', join(proc, 'self', 'ns', 'net'));
    writeFileSync(join(proc, 'stat'), 'btime 1700000000\n');
    pppd(4242, 'net:[4026531840]'); // ours, named by its linkname pid file
    pppd(5151, 'net:[4026532999]'); // an ISP's pppd in another namespace, with its own ppp0
    writeFileSync(join(run, 'ppp-line0.pid'), '4242\nppp0\n');
    writeFileSync(join(run, 'ppp0.pid'), '5151\n');
    writeFileSync(join(run, 'ppp1.pid'), '5151\n');
    const list = await listPppInterfaces({ exec, runDir: run, proc });
    expect(list.map((i) => [i.ifname, i.local, i.remote, i.local6, i.mtu, i.up, i.pid, i.sinceMs])).toEqual([
      ['ppp0', '203.0.113.1', '198.51.100.1', ['2001:db8:0:1:a:b:c:d'], 1500, true, 4242, 1700000000_000 + 5000],
      ['ppp1', null, null, [], 576, false, null, null],
    ]);
  });

  it('names the problem: no such interface, not a ppp one, not a name at all', async () => {
    await expect(readPppInterface('ppp9', { exec })).rejects.toMatchObject({ code: 'LINK_UNKNOWN', message: 'no interface named ppp9 (ppp interfaces now: ppp0, ppp1)' });
    await expect(readPppInterface('lo', { exec })).rejects.toMatchObject({ code: 'LINK_UNKNOWN', message: 'lo is not a ppp interface (its link type is loopback)' });
    await expect(readPppInterface('../etc', { exec })).rejects.toMatchObject({ code: 'LINK_UNKNOWN' });
  });

  it('reads a process start time from a /proc-like tree, and null for a gone process', () => {
    const proc = mkdtempSync(join(tmpdir(), 'dialbond-proc-'));
    mkdirSync(join(proc, '42'));
    // comm with spaces and a ")" must not shift the fields
    writeFileSync(join(proc, '42', 'stat'), `42 (pp) d) S 1 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 12345 0 0\n`);
    writeFileSync(join(proc, 'stat'), 'cpu  1 2 3\nbtime 1700000000\n');
    expect(processStartMs(42, proc)).toBe(1700000000_000 + 123450);
    expect(processStartMs(43, proc)).toBeNull();
  });
});

describe('query formatting', () => {
  it('formats units and bars', () => {
    expect([formatBytes(512), formatBytes(2048), formatBytes(5 * 1024 * 1024 * 1024)]).toEqual(['512 B', '2.0 KiB', '5.0 GiB']);
    expect([formatRate(92_160), formatRate(2_500_000)]).toEqual(['92.2 kbit/s', '2.50 Mbit/s']);
    expect([shareBar(0.5, 10), shareBar(0, 4), shareBar(1.7, 4)]).toEqual(['[#####.....]', '[....]', '[####]']);
    expect(table(['a', 'bb'], [['ccc', 'd']])).toBe('a    bb\nccc  d\n');
  });

  it('prints getpppinfo\'s answers', () => {
    const i = { ifname: 'ppp0', local: '203.0.113.1', remote: '198.51.100.1', local6: [], mtu: 1500, state: 'UNKNOWN', up: true, pid: 77, sinceMs: 1_000 };
    expect(formatInfo(i, 'local', 0)).toBe('203.0.113.1\n');
    expect(formatInfo(i, 'remote', 0)).toBe('198.51.100.1\n');
    expect(formatInfo(i, 'all', 3_725_000)).toBe('iface  local        remote        ipv6  mtu   state  pppd  up for\nppp0   203.0.113.1  198.51.100.1  -     1500  up     77    1h02m\n');
    expect(formatInfo({ ...i, local6: ['2001:db8:0:1::5'] }, 'all', 3_725_000)).toContain('198.51.100.1  2001:db8:0:1::5  1500');
  });

  it('computes rates and shares between two readings and draws them', () => {
    const traffic = trafficOf(
      [
        { name: 'line0', ifname: 'ppp0', before: { rxBytes: 0, txBytes: 0 }, after: { rxBytes: 1000, txBytes: 30_000 } },
        { name: 'line1', ifname: 'ppp1', before: { rxBytes: 0, txBytes: 0 }, after: { rxBytes: 0, txBytes: 10_000 } },
      ],
      2000,
    );
    expect(traffic.map((t) => [t.txBps, t.txShare, t.rxShare])).toEqual([
      [120_000, 0.75, 1],
      [40_000, 0.25, 0],
    ]);
    const text = formatLinks(traffic);
    expect(text.split('\n')[1]).toBe('line0  ppp0   1000 B  29 KiB   4.0 kbit/s  120.0 kbit/s   75% [###############.....]');
    expect(formatLinks([])).toBe('no ppp links\n');
  });

  it('prints the daemon status with reasons and held-out links marked', () => {
    const status: SupervisorStatus = {
      state: 'running',
      pid: 99,
      startedAtMs: 0,
      mode: 'teql',
      up: 1,
      total: 2,
      bundle: { mode: 'teql', device: 'teql0', links: [] },
      links: [
        { name: 'line0', state: 'up', reason: null, ifname: 'ppp0', localIp: null, remoteIp: null, failures: 0, connect: null, speed: 28800, connectMs: null, since: 60_000, bundled: false, heldOut: true, weight: 28800, where: '/dev/ttyS0', dials: 1, drops: 0 },
        { name: 'line1', state: 'parked', reason: { code: 'LINK_HUNG_UP', message: 'hung up on request', fatal: true }, ifname: null, localIp: null, remoteIp: null, failures: 0, connect: null, speed: null, connectMs: null, since: 0, bundled: false, heldOut: false, weight: 1, where: '/dev/ttyS1', dials: 2, drops: 1 },
      ],
    };
    const text = formatStatus(status, 120_000);
    expect(text).toContain('dialbond daemon (pid 99) running, up 2m00s; teql bundle on teql0: 0 of 2 links in, 1 up');
    expect(text).toContain('line0  up*     1m00s  ppp0   28800  no');
    expect(text).toContain('LINK_HUNG_UP: hung up on request');
    expect(text).toContain('* kept out of the bundle on request');
  });

  it('prints events as log lines', () => {
    expect(formatEvent({ type: 'link', link: 'line1', state: 'down', reason: { code: 'PPP_HANGUP', message: 'the modem hung up', fatal: false }, atMs: Date.UTC(2026, 0, 1, 12, 0, 1, 250) })).toBe('12:00:01.250 line1 down (PPP_HANGUP: the modem hung up)');
    expect(formatEvent({ type: 'bundle', link: 'line1', action: 'removed', ifname: 'ppp1', atMs: 0, tookMs: 24 })).toBe('00:00:00.000 line1 left the bundle (ppp1, 24 ms after it went down)');
  });
});
