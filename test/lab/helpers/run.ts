/**
 * Running system commands in lab tests: ip, tc, pppd, chat... always with an argument
 * vector (no shell), a bound on time, and the command's stderr in the error.
 */
import { execa } from 'execa';

export async function sh(command: string, args: string[], options: { timeoutMs?: number; reject?: boolean } = {}): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const result = await execa(command, args, { timeout: options.timeoutMs ?? 20_000, reject: false, stdin: 'ignore' });
  if ((options.reject ?? true) && result.exitCode !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.exitCode ?? result.signal}): ${String(result.stderr).trim() || String(result.stdout).trim()}`);
  }
  return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? -1 };
}

/** `ip -j ...` parsed. */
export async function ipJson<T = unknown>(args: string[]): Promise<T> {
  const { stdout } = await sh('ip', ['-j', ...args]);
  return JSON.parse(stdout || '[]') as T;
}

/** An interface's byte counters from sysfs. */
export async function counters(ifname: string, netns?: string): Promise<{ rx: number; tx: number }> {
  const read = (what: string) => (netns ? sh('ip', ['netns', 'exec', netns, 'cat', `/sys/class/net/${ifname}/statistics/${what}`]) : sh('cat', [`/sys/class/net/${ifname}/statistics/${what}`]));
  const [rx, tx] = await Promise.all([read('rx_bytes'), read('tx_bytes')]);
  return { rx: Number(rx.stdout.trim()), tx: Number(tx.stdout.trim()) };
}
