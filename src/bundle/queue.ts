/**
 * Who holds the standing queue of a full line. Below pppd sits the tty's write buffer (64 KiB
 * on a pty, 5.7 s at 115200 bps) and the modem's: nothing manages them, so a line that is
 * sent to faster than it drains fills them, and every packet behind waits seconds. dialbond
 * shapes each line a little under its rate with CAKE instead: the line then drains faster
 * than it is fed, the buffers below stay empty, and the queue sits in CAKE, where flow
 * isolation puts a ping or a keystroke ahead of the bulk flows and the AQM keeps each flow's
 * own queue short. CAKE scales its delay target to at least 1.5 packet times, so it does not
 * drop all the time on a line where one packet takes 130 ms (as fq_codel's 5 ms does).
 * CAKE's memory is kept to about half a second of its rate (`memlimit`, below): its default
 * of 4 MB lets a LAN host's flows, which have no TCP small queues to hold them back, fill
 * seconds of queue, and then retransmit what still waits there.
 * Fairness is per flow (`flows`), not CAKE's default per host and flow: every packet on a
 * line leaves from one address (the line's, or the bundle's), and host fairness divides
 * the DRR quantum by that host's flows, until a ping no longer fits in it and waits its
 * turn behind the bulk flows.
 *
 * Without a rate to shape at (a line whose speed is not known), or with shaping turned
 * off, a line gets the SFQ of old: fair, but it fills the buffers below.
 */
import { DEFAULT_QUEUE_PER_LINE } from './backend.js';

export interface QueueSettings {
  /** Shape each line under its rate with CAKE (default true). */
  shape?: boolean;
  /** The share of a line's byte rate to shape at: the rest is room for PPP's byte stuffing
   * (about 0.8% of random data) and for clocks that differ (default DEFAULT_SHAPE_SHARE). */
  share?: number;
  /** Packets a line may queue in the SFQ used where nothing is shaped; 0 keeps the
   * kernel's default qdisc (default DEFAULT_QUEUE_PER_LINE). */
  packetsPerLine?: number;
}

export const DEFAULT_SHAPE_SHARE = 0.95;

/** The bytes async HDLC framing adds to a packet: flag, address and control, protocol, a
 * 16-bit FCS (pppd may compress the address, control and protocol; the shaper counts them). */
export const PPP_FRAME_OVERHEAD = 7;

/**
 * How much CAKE may hold, in seconds of its shaped byte rate, counted as CAKE counts it: a
 * packet's whole buffer (skb truesize, about 2.7 KiB for a 1500-byte packet), so this is
 * about a third of a second of packets. A router's own TCP keeps at most a couple of
 * packets a flow in the qdisc (TCP small queues) and does not send a copy of a segment
 * while the first still waits there; a LAN host's flows have neither. With CAKE's default
 * memory (4 MB) eight LAN flows over 2 x 115200 bps kept 13 s of queue, whose packets the
 * senders' timers had already sent again: 52% of the summed byte rate. Measured (lab,
 * those flows, one run each): a limit of 24 KiB 57%, 16 KiB 72%, 12 KiB 80%, 8 KiB 87%,
 * 6 KiB 94%, 4 KiB 91%; the router's own eight flows 86% at 4 MB, 92% at 6 KiB. CAKE
 * drops from its fattest flow when full, so a ping or a keystroke still gets through.
 */
export const SHAPED_MEMORY_SECONDS = 0.55;
/** ...but never less than about two full-size packets' buffers: a slow line still holds
 * a packet to send while the next one arrives (at 28800 bps, about 1.1 s of packets). */
export const MIN_SHAPED_MEMORY = 6144;

/** CAKE's `memlimit` for a shaper at `bits` bit/s (see SHAPED_MEMORY_SECONDS). */
export function shapedMemory(bits: number): number {
  return Math.max(MIN_SHAPED_MEMORY, Math.round((bits / 8) * SHAPED_MEMORY_SECONDS));
}

/** What an async line of `lineBps` moves in packet bits per second: 10 bits a byte on the
 * wire (start, 8 data, stop), so 8/10 of the line rate. */
export const packetBitRate = (lineBps: number): number => (lineBps * 8) / 10;

/**
 * The packet bits per second a line of `lineBps` really passes out of its queue: the
 * shaper's rate where dialbond shapes it, else the line's own packet rate. For schedulers
 * that model each line's drain, like eql's.
 */
export function drainRate(settings: QueueSettings | undefined, lineBps: number): number {
  const shaped = settings?.shape ?? true;
  return Math.floor(packetBitRate(lineBps) * (shaped ? (settings?.share ?? DEFAULT_SHAPE_SHARE) : 1));
}

/** Lines whose rates are this far from the shares they are dealt cannot all be kept full. */
export const UNEVEN_RATIO = 1.25;

/** Whether shares in proportion to `splitBy` give every line about what its rate carries. */
function sharesFollowRates(rates: readonly number[], splitBy: readonly number[]): boolean {
  const perShare = rates.map((r, i) => r / (splitBy[i] ?? 1));
  return Math.max(...perShare) <= UNEVEN_RATIO * Math.min(...perShare);
}

/** What multilink deals `lines`: shares by each tty's rate, or the same to each where one is not known. */
export function multilinkSplit(lines: ReadonlyArray<{ ttyRateBps?: number }>): number[] {
  return lines.every((l) => l.ttyRateBps !== undefined && l.ttyRateBps > 0) ? lines.map((l) => l.ttyRateBps as number) : lines.map(() => 1);
}

/**
 * The root qdisc (the words after `tc qdisc replace dev X root`) for a device that carries
 * lines of `lineRates` bit/s (one line, or a master's slaves), or null to leave the kernel's
 * default. A master is shaped at the sum of its lines, so that none of them backs up, but
 * only where that holds: a master that deals its lines fixed shares (`splitBy`, one
 * number a line, in proportion: teql the same to each, Linux multilink by each tty's rate)
 * can fill them all only where those shares follow the lines' rates. Otherwise a shaper at
 * the sum overfeeds the line whose share is too big, whose buffers then fill as before,
 * and starves the others (measured over 115200 + 28800 bps: 56% of the summed rate through
 * teql and 21% through multilink split evenly, against 73% and 68% unshaped); such a
 * master keeps the SFQ. Multilink whose ttys say the lines' rates is shaped: 92% of the
 * summed rate for one flow over those lines, p95 RTT 133 ms.
 */
export function rootQdisc(settings: QueueSettings | undefined, lineRates: ReadonlyArray<number | undefined>, options: { splitBy?: ReadonlyArray<number> } = {}): string[] | null {
  const known = lineRates.every((r): r is number => r !== undefined && r > 0);
  const fits = !options.splitBy || !known || sharesFollowRates(lineRates as number[], options.splitBy);
  if ((settings?.shape ?? true) && known && fits && lineRates.length > 0) {
    const share = settings?.share ?? DEFAULT_SHAPE_SHARE;
    const bits = Math.floor(lineRates.reduce((sum, r) => sum + packetBitRate(r), 0) * share);
    return ['cake', 'bandwidth', `${bits}bit`, 'overhead', String(PPP_FRAME_OVERHEAD), 'memlimit', String(shapedMemory(bits)), 'besteffort', 'flows'];
  }
  const packets = (settings?.packetsPerLine ?? DEFAULT_QUEUE_PER_LINE) * Math.max(1, lineRates.length);
  return packets > 0 ? ['sfq', 'limit', String(packets), 'perturb', '10'] : null;
}
