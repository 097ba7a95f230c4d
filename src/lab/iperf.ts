/**
 * Upload measurements in the lab: iperf3 from the client side to the ISP's host address.
 */
import { sh } from './shell.js';

/** The ISP's host address behind every line (on the ISP namespace's loopback). */
export const ISP_HOST = '198.51.100.100';

export interface UploadResult {
  /** Bits per second the receiver got, over the whole test. */
  bps: number;
  seconds: number;
  /** Bytes the sender wrote, and the segments it sent again (lost or thought lost). */
  sentBytes?: number;
  retransmits?: number;
}

/**
 * iperf3 upload to the ISP host: `parallel` TCP flows for `seconds`, from `bind` (or from
 * whatever source address the routes and marks pick), in `netns` (or the root namespace).
 * The server runs one test at a time and may still be finishing the previous one. It then
 * says "the server is busy", or, when it closes before our cookie was read, the kernel
 * resets the control connection ("Connection reset by peer"). Both happen before any
 * data moved: wait a little and try again.
 *
 * The bound on the whole run is generous (twice the test, plus two minutes): a control
 * message lost on a full line waits out TCP's backed-off retransmission timer, which can
 * pass a minute. A run killed at the bound says so, rather than passing on the message
 * iperf3 prints when it is signalled ("interrupt - the client has terminated"), and is
 * tried once more.
 */
export async function iperfUpload(options: { bind?: string; netns?: string; parallel: number; seconds: number; target?: string; omit?: number }): Promise<UploadResult> {
  const target = options.target ?? ISP_HOST;
  const argv = ['iperf3', '-c', target, ...(options.bind ? ['-B', options.bind] : []), '-P', String(options.parallel), '-t', String(options.seconds), ...(options.omit ? ['-O', String(options.omit)] : []), '-J', '--connect-timeout', '10000'];
  const timeoutMs = (2 * (options.seconds + (options.omit ?? 0)) + 120) * 1000;
  let timeouts = 0;
  for (let attempt = 1; ; attempt++) {
    const { stdout, timedOut } = await (options.netns ? sh('ip', ['netns', 'exec', options.netns, ...argv], { timeoutMs, reject: false }) : sh(argv[0] as string, argv.slice(1), { timeoutMs, reject: false }));
    const report = JSON.parse(stdout || '{}') as { error?: string; end?: { sum_received?: { bits_per_second: number; seconds: number }; sum_sent?: { bytes?: number; retransmits?: number } } };
    const received = report.end?.sum_received;
    const sent = report.end?.sum_sent;
    if (received && !report.error) return { bps: received.bits_per_second, seconds: received.seconds, ...(sent?.bytes !== undefined ? { sentBytes: sent.bytes } : {}), ...(sent?.retransmits !== undefined ? { retransmits: sent.retransmits } : {}) };
    if (timedOut) {
      if (++timeouts < 2) continue;
      throw new Error(`iperf3 to ${target}${options.netns ? ` from ${options.netns}` : ''} did not finish within ${timeoutMs / 1000} s, twice: killed (${report.error ?? 'no report'})`);
    }
    if (attempt < 6 && /busy|reset by peer|control message/i.test(report.error ?? '')) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      continue;
    }
    throw new Error(`iperf3 to ${target}${options.netns ? ` from ${options.netns}` : ''} failed: ${report.error ?? stdout.slice(0, 200)}`);
  }
}

