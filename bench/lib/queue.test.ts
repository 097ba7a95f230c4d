import { describe, expect, it } from 'vitest';
import { packetTimeMs, queueKey, queueMarkdown, queueRow, queueSvg, rttGoalMs, type QueueCell } from './queue.js';
import { percentile } from './stats.js';

const cell = (extra: Partial<QueueCell> = {}): QueueCell => ({ mode: 'teql', rates: [115200, 115200], mtu: 1500, queue: 'shaped', flowCount: 8, ...extra });
const run = (bps: number, rttsMs: number[], shares = [0.5, 0.5]) => ({ bps, retransmits: 3, rttsMs, idleRttsMs: [50, 52, 51], lost: 1, shares });

describe('queue bench figures', () => {
  it('takes the nearest-rank percentile', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.95)).toBe(95);
    expect(percentile([7], 0.95)).toBe(7);
    expect(() => percentile([], 0.5)).toThrow();
  });

  it('gives a row the median upload as a share of the summed byte rate, and RTT under load over every run', () => {
    const row = queueRow(cell(), [run(166_000, [100, 120, 140]), run(170_000, [110, 900])], [], 'now');
    expect(row.bps).toBe(168_000);
    expect(row.ofByteRate).toBeCloseTo(168_000 / 184_320);
    expect(row.rttMedianMs).toBe(120);
    expect(row.rttP95Ms).toBe(900);
    expect(row.idleMs).toBe(51);
    expect([row.lost, row.sent]).toEqual([2, 7]);
    expect(row.rateShares).toEqual([0.5, 0.5]);
    expect(queueKey(row)).toBe('teql/115200+115200/1500/shaped/8');
  });

  it('sets the RTT goal at 400 ms on 115200 bps lines, or two packet times plus the idle RTT where that is less, and two packet times on slower lines', () => {
    expect(packetTimeMs([115200, 28800], 1500)).toBeCloseTo(523.26, 1);
    const fast = queueRow(cell(), [run(1, [1])], [], 'now');
    expect(rttGoalMs(fast)).toBeCloseTo(2 * packetTimeMs([115200], 1500) + 51);
    const slow = queueRow(cell({ rates: [38400, 38400], mtu: 576 }), [run(1, [1])], [], 'now');
    expect(rttGoalMs(slow)).toBeCloseTo(2 * packetTimeMs([38400], 576) + 51);
  });

  it('tables and charts what was measured, a failed cell as failed', () => {
    const rows = [queueRow(cell({ queue: 'sfq' }), [run(150_000, [2800, 2800, 5200])], [], 'now'), queueRow(cell(), [run(168_000, [120, 120, 180])], [], 'now'), queueRow(cell({ mode: 'eql' }), [], ['iperf3 failed'], 'now')];
    const md = queueMarkdown(rows);
    expect(md).toContain('| teql | 2 x 115200 | 1500 | 8 | sfq | 81% | 3 | 51 ms | 2.8 s | 5.2 s | missed (');
    expect(md).toContain('| teql | 2 x 115200 | 1500 | 8 | shaped | 91% | 3 | 51 ms | 120 ms | 180 ms | met (');
    expect(md).toContain('| eql | 2 x 115200 | 1500 | 8 | shaped | failed* |');
    expect(md).toContain('- teql: shaped 91%-91% of the summed byte rate, p95 RTT 180 ms-180 ms; unshaped 81%-81% of the summed byte rate, p95 RTT 5.2 s-5.2 s');
    const svg = queueSvg(rows);
    expect(svg).toContain('SFQ, unshaped');
    expect(svg).toContain('shaped (CAKE)');
  });
});
