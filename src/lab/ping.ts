/**
 * Round-trip times in the lab: ping(8) to the ISP's host while something else runs (an
 * upload filling every line), the latency a user typing over SSH would feel. Each reply's
 * time is kept; a ping that got no reply counts as lost.
 */
import { execa } from 'execa';
import { ISP_HOST } from './iperf.js';

export interface PingOptions {
  target?: string;
  /** Source address (ping -I), for a bundle address. */
  source?: string;
  /** Network namespace to ping from (a LAN behind the router). */
  netns?: string;
  /** Between two pings (default 200 ms). */
  intervalMs?: number;
}

export interface PingResult {
  /** Each answered ping's round trip, in the order they were sent. */
  rttsMs: number[];
  sent: number;
  lost: number;
}

/** Each reply line's sequence number and time ("icmp_seq=7 ttl=62 time=12.3 ms"). */
export function parsePingReplies(output: string): Array<{ seq: number; ms: number }> {
  return [...output.matchAll(/icmp_seq=(\d+)\b.* time=([\d.]+) ms/g)].map((m) => ({ seq: Number(m[1]), ms: Number(m[2]) }));
}

/** The "N packets transmitted" of ping's summary. */
export function parsePingTransmitted(output: string): number | undefined {
  const match = /(\d+) packets transmitted/.exec(output);
  return match ? Number(match[1]) : undefined;
}

/**
 * Pings every intervalMs while `during` runs; what `during` gives, and the times of the
 * pings sent while it ran, less those of its first `omitMs` (a start-up that is not the
 * steady state). Replies still on their way when it ends are waited for (up to 10 s):
 * a ping counts as lost only when no reply came at all.
 */
export async function pingDuring<T>(options: PingOptions & { omitMs?: number }, during: () => Promise<T>): Promise<{ value: T; ping: PingResult }> {
  const interval = options.intervalMs ?? 200;
  const argv = ['ping', '-n', '-i', String(interval / 1000), ...(options.source ? ['-I', options.source] : []), options.target ?? ISP_HOST];
  const [command, ...args] = options.netns ? ['ip', 'netns', 'exec', options.netns, ...argv] : argv;
  const child = execa(command as string, args, { reject: false, stdin: 'ignore', timeout: 3_600_000, buffer: true });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const started = Date.now();
  // ping's sequence numbers start at 1, one every interval
  const first = Math.floor((options.omitMs ?? 0) / interval) + 1;
  let value: T;
  let last = 0;
  try {
    value = await during();
  } finally {
    last = Math.floor((Date.now() - started) / interval) + 1;
    const answered = () => new Set(parsePingReplies(output).map((r) => r.seq));
    for (let waited = 0; waited < 10_000; waited += 100) {
      const got = answered();
      let missing = false;
      for (let seq = first; seq <= last && !missing; seq++) missing = !got.has(seq);
      if (!missing) break;
      await sleep(100);
    }
    child.kill('SIGINT');
  }
  await child;
  // ping may fall behind its interval on a busy machine: what it did not send is not lost
  last = Math.min(last, parsePingTransmitted(output) ?? last);
  const replies = new Map(parsePingReplies(output).map((r) => [r.seq, r.ms]));
  const rttsMs: number[] = [];
  for (let seq = first; seq <= last; seq++) {
    const ms = replies.get(seq);
    if (ms !== undefined) rttsMs.push(ms);
  }
  const sent = Math.max(0, last - first + 1);
  return { value, ping: { rttsMs, sent, lost: sent - rttsMs.length } };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` pings with nothing else running: the idle round trip. */
export async function idlePing(options: PingOptions & { count?: number }): Promise<PingResult> {
  const count = options.count ?? 5;
  const { ping } = await pingDuring(options, () => sleep(count * (options.intervalMs ?? 200)));
  return ping;
}
