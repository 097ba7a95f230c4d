/**
 * Splits the byte stream from a modem into text lines.
 *
 * Why byte by byte and so forgiving: V.250 (5.7.1) frames every result as
 * `<S3><S4>text<S3><S4>` (CR LF by default), but real modems and the things behind them
 * do not: some send LF only, some CR only, some `CR CR LF`, terminal servers send `LF CR`,
 * and a noisy line or a baud-rate mismatch delivers NULs and 8-bit garbage. Prompts such as
 * `login:` or `Password:` never get a line end at all, so the unfinished text is exposed as
 * {@link LineFramer.partial} for expect/send chat.
 *
 * Pure: no I/O, no timers. Memory is bounded by `maxLineLength` whatever arrives.
 */

/** What {@link LineFramer.push} reports, in stream order. */
export type FramerEvent =
  | { type: 'line'; text: string }
  | { type: 'discarded'; bytes: number; reason: 'overflow' | 'garbage' };

/** Options for {@link LineFramer}. */
export interface LineFramerOptions {
  /**
   * Longest line (in kept characters, before trimming) the framer will hold. A line that
   * grows past it is dropped and reported as `overflow`; the framer resyncs at the next
   * line end. Default 512: longer than any result or information text a modem sends
   * (V.250 command lines are far shorter), short enough that a flood costs nothing.
   */
  maxLineLength?: number;
}

/** The default for {@link LineFramerOptions.maxLineLength}. */
const DEFAULT_MAX_LINE_LENGTH = 512;

const CR = 0x0d;
const LF = 0x0a;
const TAB = 0x09;

/** Strings are encoded the way they would arrive on the wire, so both input kinds agree. */
const encoder = new TextEncoder();

/**
 * C0 controls (except TAB), DEL and every byte >= 0x80 are line noise here: AT result
 * text is 7-bit ASCII (V.250 5.1 and its IA5 character set), so a byte outside it cannot
 * be part of a result, and removing it byte by byte means a split multi-byte sequence can
 * never corrupt the text around it.
 */
function isGarbage(byte: number): boolean {
  return (byte < 0x20 && byte !== TAB) || byte >= 0x7f;
}

/** Trims spaces and tabs only (not the other whitespace `String.prototype.trim` knows). */
function trimBlanks(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text.charCodeAt(start) === 0x20 || text.charCodeAt(start) === TAB)) start++;
  while (end > start && (text.charCodeAt(end - 1) === 0x20 || text.charCodeAt(end - 1) === TAB)) end--;
  return text.slice(start, end);
}

/**
 * Incremental line framer for modem output.
 *
 * - Any run of CR and/or LF ends a line; empty (or blank) lines are dropped.
 * - Garbage bytes (see above) are removed from the text and reported once per push as
 *   `{ type: 'discarded', reason: 'garbage' }`, after that push's other events.
 * - A line longer than `maxLineLength` is dropped: `overflow` is reported with the byte
 *   count (once when the limit is crossed, then once per push for the bytes discarded until
 *   the next line end, so the counts add up to the length of the dropped line).
 * - Lines are trimmed of surrounding spaces and tabs.
 */
export class LineFramer {
  private readonly maxLineLength: number;
  /** Kept text since the last line end; never longer than maxLineLength. */
  private buffer = '';
  /** True from an overflow until the next line end: bytes are counted, not kept. */
  private discarding = false;

  /**
   * @param options see {@link LineFramerOptions}
   * @throws RangeError when `maxLineLength` is not a positive integer (a programming error).
   */
  constructor(options: LineFramerOptions = {}) {
    const max = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`LineFramer: maxLineLength must be a positive integer, got ${String(max)}`);
    }
    this.maxLineLength = max;
  }

  /**
   * Feeds the next chunk as it came from the port. A string is UTF-8 encoded first, so any
   * non-ASCII character in it counts as garbage just as it would on the wire.
   *
   * @returns the complete lines and discard reports this chunk produced, in order.
   */
  push(chunk: Uint8Array | string): FramerEvent[] {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    const events: FramerEvent[] = [];
    let garbage = 0;
    // Overflow bytes of the current line discarded during this push, not yet reported.
    let overflow = 0;
    let text = this.buffer;

    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i] as number;
      if (byte === CR || byte === LF) {
        if (this.discarding) {
          // Resync: the overlong line is over; report what was left of it.
          if (overflow > 0) events.push({ type: 'discarded', bytes: overflow, reason: 'overflow' });
          overflow = 0;
          this.discarding = false;
        } else {
          const line = trimBlanks(text);
          if (line.length > 0) events.push({ type: 'line', text: line });
        }
        text = '';
        continue;
      }
      if (isGarbage(byte)) {
        garbage++;
        continue;
      }
      if (this.discarding) {
        overflow++;
        continue;
      }
      if (text.length >= this.maxLineLength) {
        // Everything held so far plus this byte goes; nothing more is kept until a line end.
        overflow = text.length + 1;
        text = '';
        this.discarding = true;
        continue;
      }
      text += String.fromCharCode(byte);
    }

    this.buffer = text;
    if (overflow > 0) events.push({ type: 'discarded', bytes: overflow, reason: 'overflow' });
    if (garbage > 0) events.push({ type: 'discarded', bytes: garbage, reason: 'garbage' });
    return events;
  }

  /**
   * The text received since the last line end, untrimmed (a prompt such as `login: ` or
   * `> ` keeps its trailing space so chat patterns can match it exactly). Empty while an
   * overlong line is being discarded.
   */
  get partial(): string {
    return this.buffer;
  }

  /**
   * Returns {@link partial} and clears it, so a prompt matched by chat is not delivered
   * again as the start of the next line.
   */
  takePartial(): string {
    const text = this.buffer;
    this.buffer = '';
    return text;
  }

  /** Forgets all state (e.g. after reopening the port or leaving online data mode). */
  reset(): void {
    this.buffer = '';
    this.discarding = false;
  }
}
