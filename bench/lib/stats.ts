/**
 * Figures over repeated benchmark runs: the median says what to expect, min and max say
 * how far one run may stray from it. Timings vary from run to run on a shared machine, so
 * a benchmark reports these instead of one lucky or unlucky figure.
 */
export interface Spread {
  runs: number;
  median: number;
  min: number;
  max: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The value under which a share `p` (0-1) of `values` lies: the nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

/** The spread of `values`, or undefined when there are none (nothing was measured). */
export function spread(values: readonly number[]): Spread | undefined {
  if (values.length === 0) return undefined;
  return { runs: values.length, median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** "1.2 s (1.1–1.4)" style text: the median, then the range when there was more than one run. */
export function formatSpread(s: Spread | undefined, format: (v: number) => string, unit = ''): string {
  if (!s) return '-';
  const range = s.runs > 1 ? ` (${format(s.min)}–${format(s.max)})` : '';
  return `${format(s.median)}${unit}${range}`;
}
