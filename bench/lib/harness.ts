/**
 * What the benchmarks' measuring loops share: repeat a measurement and keep going past a
 * failed run (its error is recorded, the others still count), and poll for something the
 * system under test does not announce (an interface gone, a line in a script's log).
 */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The text of a thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The first line of a thrown value's text (errors that carry a log tail below it). */
export function errorLine(error: unknown): string {
  return errorMessage(error).split('\n')[0] as string;
}

/**
 * Asks `get` every `everyMs` until it gives a value, and resolves with that value, or with
 * undefined once `ms` have passed. It asks at least once, even when `ms` is already spent.
 */
export async function pollFor<T>(get: () => Promise<T | undefined> | T | undefined, ms: number, everyMs = 100): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await sleep(everyMs);
  }
}

/** `measure` run `runs` times, one after another: what the runs gave, and why the others failed. */
export async function eachRun<T>(runs: number, measure: (run: number) => Promise<T>): Promise<{ results: T[]; errors: string[] }> {
  const results: T[] = [];
  const errors: string[] = [];
  for (let run = 0; run < runs; run++) {
    try {
      results.push(await measure(run));
    } catch (error) {
      errors.push(errorMessage(error));
    }
  }
  return { results, errors };
}
