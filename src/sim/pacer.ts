/**
 * One direction of a modem's data path: a small buffer drained at the line rate. An async
 * serial line moves 10 bits per byte (start, 8 data, stop), so a `rate` bit/s line carries
 * rate/10 bytes per second. The buffer is small and bounded, like a modem's with RTS/CTS
 * flow control: when it is full, push() answers false and the writer must stop until
 * `onDrain`. An unbounded buffer here made latency grow without limit under load, until the
 * ISP's LCP echoes timed out and the line dropped (see the lab notes in design.md).
 */
import type { Clock } from '../util/clock.js';

export interface PacerOptions {
  clock: Clock;
  /** Bytes per second (line rate / 10). */
  bytesPerSecond: number;
  /** Where paced bytes go; answering false holds the pacer (reason 'sink') until release('sink'). */
  sink: (chunk: Buffer) => boolean;
  /** Called when the buffer has room again after push() answered false. */
  onDrain: () => void;
  /** push() answers false when this many bytes are queued (default 256). */
  highWaterMark?: number;
  /** How often bytes are released while there is something to send (default 10 ms). */
  tickMs?: number;
}

/** A rate-limited, bounded byte pipe. */
export class Pacer {
  private readonly clock: Clock;
  private readonly bytesPerMs: number;
  private readonly highWater: number;
  private readonly tickMs: number;
  /** Unused allowance is capped so an idle line is not followed by a burst above line rate. */
  private readonly maxBudget: number;
  /** While busy, a late timer (a loaded machine's event loop) is made up for, up to a
   * second of line time: a real line's bits keep their pace whatever the host does, and
   * a line that lost the lag would run slower than its rate, below any shaper set to it. */
  private readonly maxCatchUp: number;
  private readonly holds = new Set<string>();
  private queue: Buffer[] = [];
  private length = 0;
  private budget = 0;
  private last: number;
  private timer: unknown;
  private needDrain = false;
  private disposed = false;
  private emptyWaiters: Array<() => void> = [];

  constructor(private readonly options: PacerOptions) {
    this.clock = options.clock;
    this.bytesPerMs = options.bytesPerSecond / 1000;
    this.highWater = options.highWaterMark ?? 256;
    this.tickMs = options.tickMs ?? 10;
    this.maxBudget = Math.max(1, this.bytesPerMs * this.tickMs * 4);
    this.maxCatchUp = Math.max(this.maxBudget, this.bytesPerMs * 1000);
    this.last = this.clock.now();
  }

  /** Bytes waiting. */
  get queued(): number {
    return this.length;
  }

  /** Queues bytes; false when the buffer is full (stop writing until onDrain). */
  push(chunk: Buffer): boolean {
    if (this.disposed) return true;
    if (chunk.length > 0) {
      if (this.length === 0 && this.timer === undefined) this.accrue();
      this.queue.push(chunk);
      this.length += chunk.length;
      this.schedule();
    }
    if (this.length >= this.highWater) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  /** Stops sending for a reason (e.g. 'sink' or 'command-state') until release(reason). */
  hold(reason: string): void {
    this.holds.add(reason);
  }

  /** Lifts a hold; sending resumes when no hold is left. */
  release(reason: string): void {
    if (!this.holds.delete(reason)) return;
    this.accrue();
    this.schedule();
  }

  /**
   * Resolves when everything queued has been sent, or after `maxMs` (the queue may be held
   * for good, e.g. in online command state), or when disposed.
   */
  whenEmpty(maxMs: number): Promise<void> {
    if (this.length === 0 || this.disposed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => done(), maxMs);
      const done = (): void => {
        this.clock.clearTimeout(timer);
        this.emptyWaiters = this.emptyWaiters.filter((w) => w !== done);
        resolve();
      };
      this.emptyWaiters.push(done);
    });
  }

  /** Drops everything queued and stops for good. */
  dispose(): void {
    this.disposed = true;
    this.queue = [];
    this.length = 0;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.notifyEmpty();
  }

  private notifyEmpty(): void {
    for (const waiter of [...this.emptyWaiters]) waiter();
  }

  /** Adds the allowance of the time since the last call: capped short after idle time or
   * a hold, up to maxCatchUp while bytes were waiting to go. */
  private accrue(busy = false): void {
    const now = this.clock.now();
    this.budget = Math.min(busy ? this.maxCatchUp : this.maxBudget, this.budget + (now - this.last) * this.bytesPerMs);
    this.last = now;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.disposed || this.holds.size > 0 || this.length === 0) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, this.tickMs);
  }

  private pump(): void {
    if (this.disposed) return;
    this.accrue(true);
    while (this.holds.size === 0 && this.length > 0 && this.budget >= 1) {
      const head = this.queue[0]!;
      const take = Math.min(head.length, Math.floor(this.budget));
      const chunk = head.subarray(0, take);
      if (take === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(take);
      this.length -= take;
      this.budget -= take;
      if (!this.options.sink(chunk)) this.hold('sink');
      if (this.disposed) return;
    }
    if (this.needDrain && this.length < this.highWater / 2) {
      this.needDrain = false;
      this.options.onDrain();
    }
    if (this.length === 0) this.notifyEmpty();
    this.schedule();
  }
}
