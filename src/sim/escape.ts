/**
 * The guarded escape sequence (Hayes "+++" with guard time; V.250 leaves the escape from
 * online data state to the manufacturer and describes this one in its appendix): the escape
 * character (S2, default `+`) three times, preceded and followed by at least the guard time
 * (S12, in fiftieths of a second, default 50 = 1 s) with no other byte from the DTE, and the
 * three characters less than a guard time apart. Anything else is data: `+++` inside a
 * transfer, or `+++ATH` sent in one go, must not escape (that is what makes PPP safe).
 * The escape characters themselves are data too and go to the far end, as on Hayes modems.
 */
import type { Clock } from '../util/clock.js';

export interface EscapeDetectorOptions {
  clock: Clock;
  /** The guard time now (S12 x 20 ms). 0 turns guard timing off. */
  guardMs: () => number;
  /** The escape character now (S2); above 127 disables escape detection (Hayes). */
  escapeChar: () => number;
  /** Called when a guarded escape is complete. */
  onEscape: () => void;
}

/** Watches data-mode bytes from the DTE for a guarded escape sequence. */
export class EscapeDetector {
  private lastByteAt = 0;
  private lastEscapeAt = 0;
  private count = 0;
  private timer: unknown;

  constructor(private readonly options: EscapeDetectorOptions) {}

  /** Starts watching afresh: entering data mode counts as the start of a silence. */
  reset(): void {
    this.cancel();
    this.count = 0;
    this.lastByteAt = this.options.clock.now();
  }

  /** Stops any pending escape (leaving data mode). */
  cancel(): void {
    if (this.timer !== undefined) {
      this.options.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** Feeds bytes received from the DTE in online data state (all at the same instant). */
  feed(bytes: Uint8Array): void {
    const { clock, guardMs, escapeChar } = this.options;
    const now = clock.now();
    const esc = escapeChar();
    const guard = guardMs();
    if (bytes.length > 0) this.cancel();
    for (const byte of bytes) {
      if (esc <= 127 && byte === esc) {
        if (this.count === 0) {
          this.count = now - this.lastByteAt >= guard ? 1 : 0;
        } else if (this.count < 3 && (guard === 0 || now - this.lastEscapeAt < guard)) {
          this.count += 1;
        } else {
          this.count = 0;
        }
        this.lastEscapeAt = now;
      } else {
        this.count = 0;
      }
      this.lastByteAt = now;
    }
    if (this.count === 3) {
      // The trailing guard time: any byte before it fires cancels the escape (feed() above).
      this.timer = clock.setTimeout(() => {
        this.timer = undefined;
        this.count = 0;
        this.options.onEscape();
      }, guard);
    }
  }
}
