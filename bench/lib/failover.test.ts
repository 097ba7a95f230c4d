import { describe, expect, it } from 'vitest';
import { failoverMarkdown, failoverRow, failoverSvg, goalLines, seconds } from './failover.js';

const at = '2026-11-21T07:00:00.000Z';

describe('failover figures', () => {
  it('takes the spread of each phase over the runs that saw it', () => {
    const row = failoverRow('dialbond', 'eql', 'hangup', [{ detected: 250, out: 260, redial: 2300, back: 7000 }, { detected: 220, out: 240, redial: 2200 }, { detected: 300, out: 310, redial: 2400, back: 8000 }], [], at);
    expect(row.phases.detected).toEqual({ runs: 3, median: 250, min: 220, max: 300 });
    expect(row.phases.back).toEqual({ runs: 2, median: 7500, min: 7000, max: 8000 });
  });

  it('checks the goals on the worst run, and the out-of-bundle gap after detection', () => {
    const rows = [
      failoverRow('dialbond', 'eql', 'hangup', [{ detected: 250, out: 260 }, { detected: 900, out: 2100 }], [], at),
      failoverRow('dialbond', 'eql', 'silent', [{ detected: 3500, out: 3520 }], [], at),
      failoverRow('classic cron', 'cron', 'hangup', [{ detected: 40_000, out: 800 }], [], at),
    ];
    const [hangup, silent, out] = goalLines(rows);
    expect(hangup).toBe('- Hang-up detected in under 1 s: 0.90 s at worst: met.');
    expect(silent).toBe('- Silent line detected in under 10 s: 3.50 s at worst: met.');
    expect(out).toBe('- Out of the bundle under 1 s after detection: 1.20 s at worst: NOT met.');
    expect(goalLines([])[0]).toContain('not measured');
  });

  it('tabulates every approach and fault with the setup of each', () => {
    const md = failoverMarkdown([failoverRow('dialbond', 'LCP echo 1 s x 3', 'silent', [{ detected: 3500, out: 3520, redial: 5600, back: 12_000 }], ['x'], at)]);
    expect(md).toContain('| dialbond | silent line | 1 (+1 failed) | 3.50 s | 3.52 s | 5.60 s | 12.0 s |');
    expect(md).toContain('- dialbond: LCP echo 1 s x 3');
    expect(seconds(125_000)).toBe('125');
    expect(failoverSvg([failoverRow('dialbond', '', 'hangup', [{ detected: 250, back: 65_000 }], [], at)])).toContain('dialbond, hang-up');
  });
});
