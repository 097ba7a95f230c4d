/**
 * Waits for something a test starts (an event, a callback) with a bound: resolves with
 * what `start` hands to its resolve, rejects naming `what` after `ms`. Real ptys and
 * processes take real time, so the bound is generous and only catches a hang.
 */
export function within<T>(ms: number, what: string, start: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    start((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}
