/**
 * Running system commands in lab tests: ip, tc, pppd, chat... always with an argument
 * vector (no shell), a bound on time, and the command's stderr in the error.
 */
import { sh } from '../../../src/lab/shell.js';

export { sh };

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
