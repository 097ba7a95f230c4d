import { describe, expect, it } from 'vitest';
import type { SupervisedLinkDetail, SupervisorStatus } from '../supervisor/index.js';
import { formatEvent, formatStatus } from './format.js';
import { formatLinkDetail, transcriptLine } from './link-detail.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const delayed = { code: 'MODEM_DIAL_FAILED' as const, message: 'modem on /dev/ttyS1 refuses to dial 5551234 for now (DELAYED)', fatal: false, holdOff: 'delayed' as const };

const line1: SupervisedLinkDetail = {
  name: 'line1',
  state: 'backoff',
  reason: delayed,
  ifname: null,
  localIp: null,
  remoteIp: null,
  failures: 1,
  connect: null,
  speed: null,
  connectMs: null,
  since: T0,
  nextDialAtMs: T0 + 600_000,
  bundled: false,
  heldOut: false,
  weight: 1,
  where: '/dev/ttyS1 5551234',
  dials: 1,
  drops: 0,
  transcript: [
    { direction: 'tx', text: 'ATZ', atMs: 12 },
    { direction: 'rx', text: 'OK', atMs: 130 },
    { direction: 'tx', text: 'ATDT5551234', atMs: 140 },
    { direction: 'rx', text: 'DELAYED', atMs: 1640 },
  ],
};

describe('one link in full and when it dials next', () => {
  it('dialbond status LINK: why, when the next dial is due, and the last dial line by line', () => {
    const text = formatLinkDetail(line1, T0 + 2000);
    expect(text).toContain('line1: backoff for 0m02s, /dev/ttyS1 5551234');
    expect(text).toContain('why:       MODEM_DIAL_FAILED: modem on /dev/ttyS1 refuses to dial 5551234 for now (DELAYED)');
    expect(text).toContain('next dial: in 9m58s (at 12:10:00Z), when the modem allows it again (DELAYED)');
    expect(text).toContain('last dial (4 lines):');
    expect(text).toContain('   +0.140s > ATDT5551234\n   +1.640s < DELAYED\n');
    expect(transcriptLine({ direction: 'note', text: 'busy on 1', atMs: 2500 })).toBe('   +2.500s # busy on 1');
    expect(text).toContain('  call:      none\n');
  });

  it("shows a call's CONNECT, the rate its line carries and its interface", () => {
    const up = { ...line1, state: 'up' as const, reason: null, connect: 'CONNECT 28800', speed: 28800, lineRate: 28800, connectMs: 2150, ifname: 'ppp1', localIp: '203.0.113.2', remoteIp: '198.51.100.2' };
    expect(formatLinkDetail(up, T0 + 2000)).toContain('  call:      CONNECT 28800 after 2.1 s, line 28800 bit/s on ppp1 203.0.113.2-198.51.100.2\n');
    expect(formatLinkDetail(up, T0 + 2000)).not.toContain('ipv6:');
    const v6 = formatLinkDetail({ ...up, localLinkLocal: 'fe80::1:2:3:4', remoteLinkLocal: 'fe80::5:6:7:8' }, T0 + 2000);
    expect(v6).toContain('  ipv6:      fe80::1:2:3:4-fe80::5:6:7:8 (IPV6CP)\n');
  });

  it('a parked link waits for someone; a link never dialed says so', () => {
    const parked = formatLinkDetail({ ...line1, state: 'parked', nextDialAtMs: null, holdOffUntilMs: T0 + 600_000, transcript: [] }, T0);
    expect(parked).toContain('next dial: none until dialed ("dialbond up line1")');
    expect(parked).toContain('hold-off:  the modem refuses dials in 10m00s (at 12:10:00Z) (DELAYED); "dialbond up --force line1" dials anyway');
    expect(parked).toContain('last dial: none yet');
  });

  it('status and events show when the next dial is due', () => {
    const status: SupervisorStatus = { state: 'running', pid: 1, startedAtMs: T0, mode: 'teql', up: 0, total: 1, bundle: null, links: [{ ...line1, transcript: undefined } as never] };
    expect(formatStatus(status, T0 + 60_000)).toContain('(DELAYED); next dial in 9m00s');
    expect(formatEvent({ type: 'link', link: 'line1', state: 'backoff', reason: delayed, atMs: T0, nextDialAtMs: T0 + 600_000 })).toBe(
      '12:00:00.000 line1 backoff (MODEM_DIAL_FAILED: modem on /dev/ttyS1 refuses to dial 5551234 for now (DELAYED)); next dial at 12:10:00Z',
    );
  });
});
