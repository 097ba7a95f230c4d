import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { parseConfig } from '../config/index.js';
import { recordingExec, type InterfaceCounters } from '../sys/index.js';
import type { SupervisorEvent } from '../supervisor/index.js';
import { HealthMonitor } from './health.js';
import { renderMetrics } from './metrics.js';
import { assessTraffic, TrafficMonitor } from './traffic.js';

function counters(table: Record<string, Partial<InterfaceCounters>>) {
  return (ifname: string): InterfaceCounters | undefined => (table[ifname] ? { rxBytes: 0, txBytes: 0, rxPackets: 0, txPackets: 0, ...table[ifname] } : undefined);
}

describe('HealthMonitor', () => {
  it('probes only quiet links, and faults a link after the configured unanswered probes in a row', async () => {
    const rx: Record<string, Partial<InterfaceCounters>> = { ppp0: { rxPackets: 10 }, ppp1: { rxPackets: 10 } };
    const exec = recordingExec((_, args) => ({ exitCode: args.includes('ppp1') ? 1 : 0 }));
    const events: SupervisorEvent[] = [];
    const faults: string[] = [];
    const supervisor = {
      upLinks: () => [
        { name: 'line0', ifname: 'ppp0', remoteIp: '198.51.100.1' },
        { name: 'line1', ifname: 'ppp1', remoteIp: '198.51.100.2' },
      ],
      fault: (name: string, reason: { code: string }) => faults.push(`${name}:${reason.code}`),
      notify: (e: SupervisorEvent) => events.push(e),
    };
    const monitor = new HealthMonitor(supervisor, { interval: 5000, timeout: 2000, failures: 3, exec, counters: counters(rx), clock: new SimulatedClock() });
    await monitor.round(); // first sight: no baseline, both probed
    expect(exec.calls).toEqual(['ping -n -q -c 1 -W 2 -I ppp0 198.51.100.1', 'ping -n -q -c 1 -W 2 -I ppp1 198.51.100.2']);
    rx.ppp0 = { rxPackets: 20 }; // line0 received something: no probe needed
    await monitor.round();
    expect(exec.calls.slice(2)).toEqual(['ping -n -q -c 1 -W 2 -I ppp1 198.51.100.2']);
    expect(faults).toEqual([]);
    await monitor.round();
    expect(faults).toEqual(['line1:LINK_PROBE_FAILED']);
    expect(events.filter((e) => e.type === 'health' && !e.ok).map((e) => (e as { detail: string }).detail)).toEqual([
      'no answer from 198.51.100.2 through ppp1 (1 of 3)',
      'no answer from 198.51.100.2 through ppp1 (2 of 3)',
      'no answer from 198.51.100.2 through ppp1 (3 of 3)',
    ]);
  });

  it('probes a peer without an IPv4 address at its IPv6 link-local one, through the line, and an IPv6 target as given', async () => {
    const exec = recordingExec();
    const supervisor = { upLinks: () => [{ name: 'line0', ifname: 'ppp0', remoteIp: null, remoteLinkLocal: 'fe80::5' }, { name: 'line1', ifname: 'ppp1', remoteIp: null, remoteLinkLocal: null }], fault: () => undefined, notify: () => undefined };
    await new HealthMonitor(supervisor, { interval: 5000, timeout: 2000, failures: 3, exec, counters: () => undefined, clock: new SimulatedClock() }).round();
    expect(exec.calls).toEqual(['ping -n -q -c 1 -W 2 -I ppp0 fe80::5']);
    const v6 = recordingExec();
    await new HealthMonitor(supervisor, { target: '2001:db8::53', interval: 5000, timeout: 2000, failures: 3, exec: v6, counters: () => undefined, clock: new SimulatedClock() }).round();
    expect(v6.calls).toEqual(['ping -n -q -c 1 -W 2 -I ppp0 2001:db8::53', 'ping -n -q -c 1 -W 2 -I ppp1 2001:db8::53']);
    expect(parseConfig({ bundle: { mode: 'mlppp' }, links: [{ name: 'l', device: '/dev/ttyS0', numbers: ['1'] }], supervisor: { health: { probe: { target: '2001:db8::53' } } } }, 'x.yaml').supervisor.health.probe?.target).toBe('2001:db8::53');
  });

  it('lets traffic skip a probe without clearing earlier misses (a stray frame must not hide a dead line)', async () => {
    const rx: Record<string, Partial<InterfaceCounters>> = { ppp1: { rxPackets: 10 } };
    const exec = recordingExec(() => ({ exitCode: 1 }));
    const faults: string[] = [];
    const supervisor = { upLinks: () => [{ name: 'line1', ifname: 'ppp1', remoteIp: '198.51.100.2' }], fault: (name: string) => void faults.push(name), notify: () => undefined };
    const monitor = new HealthMonitor(supervisor, { interval: 5000, timeout: 2000, failures: 3, exec, counters: counters(rx), clock: new SimulatedClock() });
    await monitor.round(); // miss 1
    rx.ppp1 = { rxPackets: 11 };
    await monitor.round(); // a stray frame: no probe
    await monitor.round(); // miss 2
    expect(faults).toEqual([]);
    await monitor.round(); // miss 3
    expect(faults).toEqual(['line1']);
    expect(exec.calls).toHaveLength(3);
  });

  it('pings the configured target instead of the peer, and runs on its clock until stopped', async () => {
    const exec = recordingExec();
    const clock = new SimulatedClock();
    const supervisor = { upLinks: () => [{ name: 'line0', ifname: 'ppp0', remoteIp: '198.51.100.1' }], fault: () => undefined, notify: () => undefined };
    const monitor = new HealthMonitor(supervisor, { target: '192.0.2.53', interval: 5000, timeout: 1500, failures: 3, exec, counters: () => undefined, clock });
    monitor.start();
    clock.increment(4999);
    expect(exec.calls).toEqual([]);
    clock.increment(1);
    await new Promise((r) => setImmediate(r));
    expect(exec.calls).toEqual(['ping -n -q -c 1 -W 2 -I ppp0 192.0.2.53']);
    monitor.stop();
    clock.increment(50_000);
    await new Promise((r) => setImmediate(r));
    expect(exec.calls).toHaveLength(1);
  });
});

describe('assessTraffic', () => {
  const rules = { minShare: 0.05, busyAbove: 0.5 };
  it('finds the link that carries almost nothing while the bundle is busy', () => {
    const v = assessTraffic(
      [
        { name: 'a', txBps: 100_000, lineBps: 115_200 },
        { name: 'b', txBps: 100_000, lineBps: 115_200 },
        { name: 'c', txBps: 1_000, lineBps: 115_200 },
      ],
      rules,
    );
    expect(v).toMatchObject({ busy: true, starving: ['c'] });
  });
  it('calls nothing starving when the bundle is idle, or has one link, or rates are unknown', () => {
    expect(assessTraffic([{ name: 'a', txBps: 10_000, lineBps: 115_200 }, { name: 'b', txBps: 0, lineBps: 115_200 }], rules)).toMatchObject({ busy: false, starving: [] });
    expect(assessTraffic([{ name: 'a', txBps: 115_000, lineBps: 115_200 }], rules)).toMatchObject({ busy: true, starving: [] });
    expect(assessTraffic([{ name: 'a', txBps: 115_000, lineBps: null }, { name: 'b', txBps: 0, lineBps: null }], rules)).toMatchObject({ busy: false, starving: [] });
  });
  it('weights a line that moves clearly less than its speed by what it moves, else by its speed', () => {
    const v = assessTraffic([{ name: 'a', txBps: 110_000, lineBps: 115_200 }, { name: 'b', txBps: 40_000, lineBps: 115_200 }], rules);
    expect(Object.fromEntries(v.weights)).toEqual({ a: 115_200, b: 40_000 });
  });
});

describe('TrafficMonitor', () => {
  it('re-adds a starving link first, and redials it when it still starves a window later', async () => {
    const clock = new SimulatedClock();
    const tx: Record<string, Partial<InterfaceCounters>> = { ppp0: { txBytes: 0 }, ppp1: { txBytes: 0 } };
    const actions: string[] = [];
    const events: SupervisorEvent[] = [];
    const config = parseConfig({ bundle: { mode: 'teql', address: '203.0.113.100' }, links: [{ name: 'x', device: '/dev/ttyS0', numbers: ['1'] }] }, 't.yaml');
    const supervisor = {
      bundledLinks: () => [
        { name: 'line0', ifname: 'ppp0', remoteIp: null, weight: 1 },
        { name: 'line1', ifname: 'ppp1', remoteIp: null, weight: 1 },
      ],
      linkStatus: () => ({ speed: 115_200 }) as never,
      readd: async (name: string) => void actions.push(`readd:${name}`),
      fault: (name: string, reason: { code: string }) => void actions.push(`fault:${name}:${reason.code}`),
      setWeight: async (name: string, w: number) => void actions.push(`weight:${name}:${w}`),
      notify: (e: SupervisorEvent) => void events.push(e),
      currentConfig: config,
    };
    const monitor = new TrafficMonitor(supervisor, { minShare: 0.05, busyAbove: 0.3, window: 10_000, rebalance: false, clock, counters: counters(tx) });
    monitor.start();
    const busyWindow = async () => {
      tx.ppp0 = { txBytes: (tx.ppp0!.txBytes ?? 0) + 100_000 }; // 80 kbit/s over 10 s
      clock.increment(10_000);
      await new Promise((r) => setImmediate(r));
    };
    await busyWindow();
    expect(actions).toEqual(['readd:line1']);
    await busyWindow();
    expect(actions).toEqual(['readd:line1', 'fault:line1:LINK_STARVING']);
    expect(events.map((e) => (e as { detail: string }).detail)).toEqual(['carried 0 bit/s while the bundle was busy: re-adding it', 'still starving after being re-added: redialing']);
    monitor.stop();
  });
});

describe('renderMetrics', () => {
  it('writes Prometheus text with a series per link', () => {
    const text = renderMetrics({
      state: 'running',
      pid: 1,
      startedAtMs: 0,
      mode: 'teql',
      up: 1,
      total: 1,
      bundle: { mode: 'teql', device: 'teql0', links: [{ name: 'line0', ifname: 'ppp0', localIp: '', remoteIp: '', weight: 1, counters: { rxBytes: 5, txBytes: 7, rxPackets: 1, txPackets: 1 } }] },
      links: [
        { name: 'line0', state: 'up', reason: null, ifname: 'ppp0', localIp: '203.0.113.1', remoteIp: '198.51.100.1', localLinkLocal: 'fe80::1:2:3:4', remoteLinkLocal: 'fe80::5:6:7:8', failures: 0, connect: 'CONNECT 28800', speed: 28800, lineRate: 28800, connectMs: 2150, since: 0, bundled: true, heldOut: false, weight: 28800, where: '/dev/ttyS0 5551234', dials: 2, drops: 1 },
        { name: 'line1', state: 'backoff', reason: null, ifname: null, localIp: null, remoteIp: null, failures: 1, connect: null, speed: null, connectMs: null, since: 0, bundled: false, heldOut: false, weight: 0, where: '/dev/ttyS1 5551234', dials: 1, drops: 0 },
      ],
    });
    expect(text).toContain('dialbond_link_info{link="line0",ifname="ppp0",local="203.0.113.1",remote="198.51.100.1",local6="fe80::1:2:3:4",remote6="fe80::5:6:7:8"} 1\n');
    expect(text).not.toContain('dialbond_link_info{link="line1"');
    expect(text).toContain('dialbond_link_state{link="line0",state="up"} 1\n');
    expect(text).toContain('dialbond_link_state{link="line0",state="down"} 0\n');
    expect(text).toContain('# TYPE dialbond_link_dials_total counter\ndialbond_link_dials_total{link="line0"} 2\n');
    expect(text).toContain('dialbond_link_tx_bytes{link="line0"} 7\n');
    expect(text).toContain('dialbond_links_up 1\n');
    expect(text).toContain('dialbond_link_connect_seconds{link="line0"} 2.15\n');
    expect(text).toContain('dialbond_link_line_rate_bps{link="line0"} 28800\n');
  });
});

describe('MetricsServer', () => {
  it('serves the metrics page on GET /metrics and nothing else', async () => {
    const { MetricsServer } = await import('./metrics.js');
    const status = { state: 'running', pid: 1, startedAtMs: 0, mode: 'teql', up: 0, total: 0, bundle: null, links: [] } as const;
    const server = await MetricsServer.listen('127.0.0.1:0', { status: async () => ({ ...status, links: [] }) });
    try {
      const page = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      expect(await page.text()).toContain('dialbond_links_up 0\n');
      expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'POST' })).status).toBe(404);
    } finally {
      await server.close();
    }
    await expect(MetricsServer.listen('256.0.0.1:9', { status: async () => ({ ...status, links: [] }) })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  // A machine without IPv6 on its loopback cannot listen there: nothing to check then.
  const hasIpv6Loopback = Object.values(networkInterfaces()).some((list) => list?.some((a) => a.address === '::1'));
  it.skipIf(!hasIpv6Loopback)('listens on an IPv6 address written in brackets', async () => {
    const { MetricsServer } = await import('./metrics.js');
    const status = { state: 'running', pid: 1, startedAtMs: 0, mode: 'teql', up: 0, total: 0, bundle: null, links: [] } as const;
    const server = await MetricsServer.listen('[::1]:0', { status: async () => ({ ...status, links: [] }) });
    try {
      const page = await fetch(`http://[::1]:${server.port}/metrics`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('dialbond_links_up 0\n');
    } finally {
      await server.close();
    }
  });
});
