import { describe, expect, it } from 'vitest';
import { cpuSecondsFromStat, scaleMarkdown, scaleRow, scaleSvg, statusMb } from './scale.js';

describe('scale figures', () => {
  it('reads CPU seconds from /proc/PID/stat, even with odd command names', () => {
    const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 11 0 100 1000000 20000';
    expect(cpuSecondsFromStat(stat, 100)).toBe(3);
  });

  it('reads resident memory from /proc/PID/status', () => {
    const status = 'Name:\tnode\nVmHWM:\t  102400 kB\nVmRSS:\t   81920 kB\n';
    expect(statusMb(status, 'VmRSS')).toBe(80);
    expect(statusMb(status, 'VmHWM')).toBe(100);
    expect(() => statusMb('Name: x', 'VmRSS')).toThrow(/no VmRSS/);
  });

  it('sums up runs against the goals', () => {
    const run = { allUpMs: 60_000, rssUpMb: 90, rssIdleMb: 92, peakMb: 120, idleCpu: 0.004, churnCpu: 0.2, drops: 15, backInMs: 9000, exitMs: 4000, stopMs: 6000 };
    const row = scaleRow({ modems: 64, mode: 'teql', idleSeconds: 30, churnSeconds: 60 }, [run, { ...run, peakMb: 160, idleCpu: 0.006 }], [], '2026-11-21T07:00:00Z');
    expect(row.figures.peakMb).toEqual({ runs: 2, median: 140, min: 120, max: 160 });
    const md = scaleMarkdown([row]);
    expect(md).toContain('| daemon peak RSS (VmHWM) | 140 MB (120–160) | under 150 MB: NOT met |');
    expect(md).toContain('| daemon CPU idle (30 s) | 0.50% (0.40–0.60) of a core | under 1%: met |');
    expect(md).toContain('| start to all 64 up and bundled | 60.0 s (60.0–60.0) | |');
    expect(md).toContain("| SIGTERM to the daemon's exit / to every pppd ended | 4.0 s (4.0–4.0) / 6.0 s (6.0–6.0) | |");
    expect(scaleSvg([row])).toContain('64 modems, teql');
  });
});
