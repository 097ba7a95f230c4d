import { describe, expect, it } from 'vitest';
import { aggregationMarkdown, aggregationRow, aggregationSvg, goalLines, shareCell, unevenRow } from './aggregation.js';

const at = '2026-11-21T07:00:00.000Z';
const row = (mode: string, lines: number, flows: 'single' | 'multi', kbps: number[], rate = 115200, mtu = 1500) =>
  aggregationRow({ mode, rate, mtu, lines, flows, flowCount: flows === 'single' ? 1 : 4 * lines }, kbps.map((k) => ({ bps: k * 1000, retransmits: 2 })), [], at);

describe('aggregation figures', () => {
  it('relates the median to the summed byte rate (8N1) and the line rate', () => {
    const r = row('teql', 2, 'multi', [150, 166, 170]);
    expect(r.bps).toEqual({ runs: 3, median: 166_000, min: 150_000, max: 170_000 });
    expect(r.ofByteRate).toBeCloseTo(166_000 / (2 * 92_160));
    expect(r.ofLineRate).toBeCloseTo(166_000 / (2 * 115_200));
    expect(r.fileSeconds).toBeCloseTo((289_284 * 8) / 166_000);
    expect(shareCell(r)).toBe('90 (81–92)');
  });

  it('keeps a cell whose runs all failed, as failed', () => {
    const r = aggregationRow({ mode: 'eql', rate: 38400, mtu: 576, lines: 3, flows: 'single', flowCount: 1 }, [], ['iperf3 failed'], at);
    expect(r.bps).toBeUndefined();
    expect(shareCell(r)).toBe('failed');
    expect(shareCell(undefined)).toBe('-');
  });

  it('calls a line starved below half its rate share', () => {
    const fair = unevenRow('eql', [115200, 28800], 8, [{ bps: 1, shares: [0.78, 0.22] }], [], at);
    expect(fair.rateShares).toEqual([0.8, 0.2]);
    expect(fair.starved).toBe(false);
    expect(unevenRow('eql', [115200, 28800], 8, [{ bps: 1, shares: [0.95, 0.05] }], [], at).starved).toBe(true);
    expect(unevenRow('eql', [115200, 28800], 8, [], ['x'], at).starved).toBeUndefined();
  });

  it('checks the goals against the worst measured cell', () => {
    const rows = [row('teql', 2, 'multi', [170]), row('teql', 3, 'multi', [230]), row('mlppp', 2, 'single', [175]), row('mlppp', 1, 'single', [10])];
    const [multi, single, uneven] = goalLines(rows, [unevenRow('teql', [115200, 28800], 8, [{ bps: 1, shares: [0.95, 0.05] }], [], at)]);
    expect(multi).toContain('teql 83-92%');
    expect(multi).toContain('lowest anywhere 83% (teql, 3 lines, 115200 bps, MTU 1500)');
    expect(single).toContain('lowest 95% (mlppp, 2 lines'); // one line is not a bundle
    expect(uneven).toContain('starved in teql');
  });

  it('tabulates each rate and MTU with a column per line count and draws the chart', () => {
    const rows = [row('eql', 1, 'multi', [80]), row('eql', 1, 'single', [86]), row('teql', 2, 'multi', [166]), row('teql', 2, 'single', [170], 57600, 576)];
    const md = aggregationMarkdown(rows, []);
    expect(md).toContain('**115200 bps, MTU 1500**');
    expect(md).toContain('| mode | 1 line | 2 lines |');
    expect(md).toContain('| teql | - / - | 90 / - |');
    expect(md).toContain('| eql | 87 / 93 | - / - |');
    expect(md).toContain('**57600 bps, MTU 576**');
    expect(md.indexOf('| teql |')).toBeLessThan(md.indexOf('| eql |')); // the tables' mode order, not the rows'
    const uneven = aggregationMarkdown(rows, [unevenRow('perconn', [115200, 28800], 8, [{ bps: 103_680, shares: [0.71, 0.29] }], [], at)]);
    expect(uneven).toContain('| perconn | 115200 + 28800 | 103.7 | 90 | 71 / 29 | 80 / 20 | no |');
    const svg = aggregationSvg(rows, 115200, 1500);
    expect(svg.match(/<rect x="[\d.]+" y="[\d.]+" width="12"/g)?.length).toBe(3);
    expect(svg).toContain('2 lines, many flows');
  });
});
