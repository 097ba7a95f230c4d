import { describe, expect, it } from 'vitest';
import type { SupervisedLinkStatus, SupervisorStatus } from '../supervisor/index.js';
import { balance, firstVisible, headerLine, lastDialLines, linkRows, placeLine, RateTracker, rowLine, selectedLine, sparkline, utf8Terminal } from './view-model.js';

function link(name: string, over: Partial<SupervisedLinkStatus> = {}): SupervisedLinkStatus {
  return { name, state: 'up', reason: null, ifname: 'ppp0', localIp: '203.0.113.1', remoteIp: '198.51.100.1', failures: 0, connect: 'CONNECT 28800', speed: 28800, connectMs: 2000, since: 0, bundled: true, heldOut: false, weight: 28800, where: '/dev/ttyS0 5551234', dials: 1, drops: 0, ...over };
}

function status(links: SupervisedLinkStatus[], counters: Record<string, [number, number]>): SupervisorStatus {
  return {
    state: 'running',
    pid: 1,
    startedAtMs: 0,
    mode: 'teql',
    up: links.filter((l) => l.state === 'up').length,
    total: links.length,
    links,
    bundle: { mode: 'teql', device: 'teql0', links: links.filter((l) => l.bundled).map((l) => ({ name: l.name, ifname: l.ifname ?? '', localIp: '', remoteIp: '', weight: 1, counters: counters[l.name] ? { rxBytes: counters[l.name]![0], txBytes: counters[l.name]![1], rxPackets: 0, txPackets: 0 } : null })) },
  };
}

describe('console view model', () => {
  it('turns counter readings into rates and a history, and survives a redial resetting the counters', () => {
    const tracker = new RateTracker();
    const links = [link('line0')];
    tracker.update(status(links, { line0: [0, 0] }), 0);
    expect(tracker.get('line0')).toBeUndefined();
    tracker.update(status(links, { line0: [1000, 3000] }), 1000);
    expect(tracker.get('line0')).toEqual({ rxBps: 8000, txBps: 24000, history: [32000] });
    tracker.update(status(links, { line0: [10, 10] }), 2000); // pppd restarted: counters from zero
    expect(tracker.get('line0')).toMatchObject({ rxBps: 0, txBps: 0, history: [32000, 0] });
  });

  it('draws sparklines scaled to a maximum, padded to their width', () => {
    expect(sparkline([0, 50, 100], 5, 100)).toBe('  ▁▅█');
    expect(sparkline([], 3)).toBe('   ');
    expect(sparkline([5, 5], 2)).toBe('██');
    expect(sparkline([0, 50, 100], 5, 100, false)).toBe('  _=#');
  });

  it('splits the balance bar by traffic, filling exactly the width', () => {
    const rates = { a: { rxBps: 0, txBps: 100, history: [] }, b: { rxBps: 100, txBps: 100, history: [] }, c: { rxBps: 0, txBps: 0, history: [] } };
    const segments = balance(['a', 'b', 'c'], (n) => rates[n as 'a' | 'b' | 'c'], 10);
    expect(segments.map((s) => s.cells)).toEqual([3, 7, 0]);
    expect(segments.reduce((sum, s) => sum + s.cells, 0)).toBe(10);
    expect(balance(['a'], () => undefined, 10)).toEqual([{ name: 'a', cells: 0, share: 0 }]);
  });

  it('makes rows that fit 80 columns, with reasons for links that are not up', () => {
    const s = status([link('line0', { since: 0 }), link('line1', { state: 'backoff', ifname: null, bundled: false, reason: { code: 'MODEM_DIAL_FAILED', message: 'BUSY', fatal: false } })], {});
    const rows = linkRows(s, () => ({ rxBps: 12_345, txBps: 80_000, history: [10_000, 57_600] }), 125_000);
    expect(rows[0]).toMatchObject({ name: 'line0', state: 'up', uptime: '2m05s', ifname: 'ppp0', speed: '28800', bundled: true });
    expect(rows[1]).toMatchObject({ state: 'backoff', uptime: '-', rx: '-', reason: 'MODEM_DIAL_FAILED: BUSY' });
    const line = rowLine(rows[0]!, 78, { rxBps: 12_345, txBps: 80_000, history: [] });
    expect(line.length).toBeLessThanOrEqual(78);
    expect(line).toMatch(/^line0 +up +ppp0 +28800 +2m05s +12\.3 +80\.0 +\S+ +1$/);
    expect(headerLine(78)).toMatch(/^link +state +iface +speed +up +rx kb\/s +tx kb\/s +history +dl$/);
    expect(rowLine(rows[1]!, 78)).toMatch(/^line1 +backoff +- +28800 +- +- +- /);
  });
});

describe('utf8Terminal', () => {
  it('goes by LC_ALL, then LC_CTYPE, then LANG', () => {
    expect(utf8Terminal({ LANG: 'en_US.UTF-8' })).toBe(true);
    expect(utf8Terminal({ LANG: 'C.utf8' })).toBe(true);
    expect(utf8Terminal({ LC_ALL: 'C', LANG: 'en_US.UTF-8' })).toBe(false);
    expect(utf8Terminal({})).toBe(false);
  });
});

describe('two-line rows and the window over many links', () => {
  it('puts where a link goes, its addresses and its reason on the second line', () => {
    const s = status([link('line0', { state: 'backoff', bundled: false, localIp: null, reason: { code: 'MODEM_DIAL_FAILED', message: 'BUSY', fatal: false } })], {});
    const [row] = linkRows(s, () => undefined, 0);
    expect(placeLine(row!, 78)).toBe('  /dev/ttyS0 5551234  MODEM_DIAL_FAILED: BUSY');
    expect(selectedLine(s.links[0]!)).toBe(' line0: CONNECT 28800 after 2.0 s; 1 dial, 0 drops, 0 failures in a row, weight 28800');
    const withIpv6 = link('line0', { localLinkLocal: 'fe80::1:2:3:4', remoteLinkLocal: 'fe80::5:6:7:8' });
    expect(selectedLine(withIpv6)).toBe(' line0: CONNECT 28800 after 2.0 s; IPv6 fe80::1:2:3:4-fe80::5:6:7:8; 1 dial, 0 drops, 0 failures in a row, weight 28800');
  });

  it('scrolls so the selected link stays in view', () => {
    expect(firstVisible(0, 64, 8)).toBe(0);
    expect(firstVisible(3, 64, 8)).toBe(0);
    expect(firstVisible(4, 64, 8)).toBe(1);
    expect(firstVisible(63, 64, 8)).toBe(60);
    expect(firstVisible(1, 2, 8)).toBe(0);
  });
});

describe("the selected link's wait and last dial", () => {
  const delayed = { code: 'MODEM_DIAL_FAILED' as const, message: 'DELAYED', fatal: false, holdOff: 'delayed' as const };

  it('says when a held-off link dials next and why, and that a blacklisted one waits for d', () => {
    const waiting = link('line1', { state: 'backoff', reason: delayed, nextDialAtMs: Date.UTC(2026, 0, 1, 12, 10, 0), failures: 1 });
    expect(selectedLine(waiting, Date.UTC(2026, 0, 1, 12, 0, 30))).toBe(' line1: next dial in 9m30s (at 12:10:00Z), the modem said DELAYED; 1 dial, 0 drops, 1 failure in a row');
    const parked = link('line1', { state: 'parked', reason: { ...delayed, fatal: true, holdOff: 'blacklisted' } });
    expect(selectedLine(parked)).toBe(' line1: parked, the modem said BLACKLISTED: d dials again; 1 dial, 0 drops, 0 failures in a row');
  });

  it('lists the last dial line by line for the event log', () => {
    expect(lastDialLines({ ...link('line1'), transcript: [{ direction: 'tx', text: 'ATDT5551234', atMs: 140 }, { direction: 'rx', text: 'DELAYED', atMs: 1640 }] })).toEqual([
      'line1: last dial (2 lines)',
      '   +0.140s > ATDT5551234',
      '   +1.640s < DELAYED',
    ]);
    expect(lastDialLines({ ...link('line1'), transcript: [] })).toEqual(['line1: no dial yet']);
  });
});
