import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { barChartSvg } from './chart.js';
import { mergeRows, readResults, writeResults } from './results.js';
import { formatSpread, median, spread } from './stats.js';

describe('bench figures', () => {
  it('takes the median of odd and even counts and refuses none', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/no values/);
  });

  it('gives the spread and writes the range only for several runs', () => {
    expect(spread([5, 9, 7])).toEqual({ runs: 3, median: 7, min: 5, max: 9 });
    expect(spread([])).toBeUndefined();
    expect(formatSpread(spread([1200, 1100, 1400]), (v) => (v / 1000).toFixed(1), ' s')).toBe('1.2 s (1.1–1.4)');
    expect(formatSpread(spread([1200]), (v) => (v / 1000).toFixed(1), ' s')).toBe('1.2 s');
    expect(formatSpread(undefined, String)).toBe('-');
  });

  it('merges a partial run into earlier rows by key', () => {
    const older = [
      { k: 'a', v: 1 },
      { k: 'b', v: 2 },
    ];
    expect(mergeRows(older, [{ k: 'b', v: 3 }, { k: 'c', v: 4 }], (r) => r.k)).toEqual([
      { k: 'a', v: 1 },
      { k: 'b', v: 3 },
      { k: 'c', v: 4 },
    ]);
  });

  it('writes json, markdown and svg and reads the json back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    writeResults(dir, 'x', { at: 'now', rows: [{ a: 1 }] }, '| a |', '<svg/>');
    expect(readResults<{ a: number }>(dir, 'x')?.rows).toEqual([{ a: 1 }]);
    expect(readFileSync(join(dir, 'x.md'), 'utf8')).toBe('| a |\n');
    expect(readFileSync(join(dir, 'x.svg'), 'utf8')).toBe('<svg/>');
    expect(readResults(dir, 'missing')).toBeUndefined();
  });

  it('draws one bar per value, scaled to the axis, with whiskers, goals and escaped labels', () => {
    const svg = barChartSvg({
      title: 'teql <&> eql',
      yLabel: '%',
      yMax: 100,
      groups: [
        { label: '2 lines', bars: [{ label: 'teql', value: 50, low: 40, high: 60 }, { label: 'eql', value: 100 }] },
        { label: '3 lines', bars: [{ label: 'teql', value: 150 }] },
      ],
      goals: [{ value: 90, label: 'goal 90%' }],
    });
    expect(svg).toContain('teql &lt;&amp;&gt; eql');
    const heights = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="12" height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights).toEqual([110, 220, 220]); // 50% of the 220-pixel plot; above the axis is clipped
    expect(svg.match(/stroke="black"\/>/g)?.length).toBe(3); // one whisker and the two axes
    expect(svg).toContain('goal 90%');
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });
});

describe('bench options from the environment', async () => {
  const { numbersFromEnv, runsFromEnv, wordsFromEnv } = await import('./options.js');
  it('reads lists, falls back when unset and says what is wrong', () => {
    expect(numbersFromEnv('R', [1], { R: '38400, 57600' })).toEqual([38400, 57600]);
    expect(numbersFromEnv('R', [1], {})).toEqual([1]);
    expect(() => numbersFromEnv('R', [1], { R: '38400,fast' })).toThrow(/R must be positive numbers.*"38400,fast"/);
    expect(wordsFromEnv('M', ['teql', 'eql'] as const, { M: 'eql' })).toEqual(['eql']);
    expect(() => wordsFromEnv('M', ['teql', 'eql'] as const, { M: 'slip' })).toThrow(/unknown slip \(choose from teql, eql\)/);
    expect(runsFromEnv({ DIALBOND_BENCH_RUNS: '5' })).toBe(5);
    expect(runsFromEnv({})).toBe(3);
    expect(() => runsFromEnv({ DIALBOND_BENCH_RUNS: '1.5' })).toThrow(/whole number/);
  });
});
