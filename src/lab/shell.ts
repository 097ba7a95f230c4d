/**
 * Commands the lab runs while setting up (ip netns, pppd, iperf3): an argument vector,
 * a bound on time, and the command's stderr in the error.
 */
import { execa } from 'execa';

/** Runs a command; throws with its stderr when it fails (unless `reject` is false).
 * `timedOut`: it was killed at `timeoutMs`. */
export async function sh(command: string, args: string[], options: { timeoutMs?: number; reject?: boolean } = {}): Promise<{ stdout: string; stderr: string; exitCode: number; timedOut: boolean }> {
  const result = await execa(command, args, { timeout: options.timeoutMs ?? 20_000, reject: false, stdin: 'ignore' });
  if ((options.reject ?? true) && result.exitCode !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.exitCode ?? result.signal}): ${String(result.stderr).trim() || String(result.stdout).trim()}`);
  }
  return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? -1, timedOut: result.timedOut };
}
