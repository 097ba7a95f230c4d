import { describe, expect, it } from 'vitest';
import { ipv6Key, ipv6Markdown, ipv6Row } from './ipv6.js';

const cell = { mode: 'teql', family: 6 as const, source: 'router' as const, flows: 8, rates: [115200, 115200], seconds: 15 };

describe('the IPv6 bench rows', () => {
  it('takes a run as a share of the summed byte rate (8N1), and keeps a failed run with its error', () => {
    const row = ipv6Row(cell, { bps: 165_888, shares: [0.5, 0.5], retransmits: 12 }, '2026-12-07T16:00:00Z');
    expect(row.ofByteRate).toBeCloseTo(0.9, 5);
    expect(row).toMatchObject({ shares: [0.5, 0.5], retransmits: 12 });
    expect(ipv6Row(cell, { error: 'iperf3 failed' }, 'x')).toMatchObject({ bps: null, ofByteRate: null, error: 'iperf3 failed' });
    expect(ipv6Key(row)).toBe('teql/6/router/8/115200+115200');
  });

  it('tables IPv6 before IPv4 within a mode, modes in the given order', () => {
    const rows = [
      ipv6Row({ ...cell, mode: 'eql', family: 4 }, { bps: 92_160, shares: [1, 0] }, '2026-12-07'),
      ipv6Row({ ...cell, mode: 'eql' }, { bps: 147_456, shares: [0.5, 0.5] }, '2026-12-07'),
      ipv6Row({ ...cell, mode: 'mlppp', flows: 1 }, { error: 'gone' }, '2026-12-07'),
    ];
    const table = ipv6Markdown(rows, ['mlppp', 'eql']).split('\n');
    expect(table[2]).toBe('| mlppp | IPv6 | router | 1 | failed: gone | - | - | - | 2026-12-07 |');
    expect(table[3]).toBe('| eql | IPv6 | router | 8 | 147.5 | 80% | 50% / 50% | - | 2026-12-07 |');
    expect(table[4]).toBe('| eql | IPv4 | router | 8 | 92.2 | 50% | 100% / 0% | - | 2026-12-07 |');
  });
});
