/**
 * What a benchmark run measures, from the environment (npm run bench passes DIALBOND_*
 * variables into the lab): the full matrix by default, a part of it when asked, e.g.
 * DIALBOND_BENCH_RATES=115200 DIALBOND_BENCH_RUNS=1 for a quick look.
 */
export function numbersFromEnv(name: string, fallback: number[], env: NodeJS.ProcessEnv = process.env): number[] {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const values = raw.split(/[\s,]+/).map(Number);
  if (values.some((v) => !Number.isFinite(v) || v <= 0)) throw new Error(`${name} must be positive numbers separated by commas, not "${raw}"`);
  return values;
}

export function wordsFromEnv<T extends string>(name: string, allowed: readonly T[], env: NodeJS.ProcessEnv = process.env): T[] {
  const raw = env[name]?.trim();
  if (!raw) return [...allowed];
  const words = raw.split(/[\s,]+/);
  const unknown = words.filter((w) => !allowed.includes(w as T));
  if (unknown.length > 0) throw new Error(`${name}: unknown ${unknown.join(', ')} (choose from ${allowed.join(', ')})`);
  return words as T[];
}

/** Repetitions of each measurement (DIALBOND_BENCH_RUNS, default 3). */
export function runsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const [runs] = numbersFromEnv('DIALBOND_BENCH_RUNS', [3], env);
  if (!Number.isInteger(runs)) throw new Error(`DIALBOND_BENCH_RUNS must be a whole number, not ${runs}`);
  return runs as number;
}
