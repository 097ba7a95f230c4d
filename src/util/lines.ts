/**
 * The one line splitter for what dialbond reads line by line from another process: the
 * control socket (requests in the server, answers and events in the client) and pppd's
 * log. Chunks may split lines, and UTF-8 characters, anywhere. Every line is bounded, so a
 * peer that never sends a newline cannot grow our memory: past `maxBytes` the line is an
 * overflow, which the caller either refuses (the control socket closes the connection) or
 * takes cut short (pppd's log keeps the first `maxBytes` and drops the rest of that line).
 */
import { StringDecoder } from 'node:string_decoder';

export type SplitEvent =
  | { type: 'line'; line: string }
  /** A line longer than the bound: `cut` is its beginning, the rest up to its newline is
   * dropped. */
  | { type: 'overflow'; cut: string };

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private partialBytes = 0;
  private discarding = false;

  /** @param maxBytes the longest line taken whole, in UTF-8 bytes, without its line end. */
  constructor(private readonly maxBytes: number) {}

  /** Feeds a chunk; returns the lines it completed, in order, each without CR LF or LF. */
  push(chunk: Buffer | string): SplitEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const events: SplitEvent[] = [];
    let start = 0;
    while (start < text.length) {
      const newline = text.indexOf('\n', start);
      const ended = newline !== -1;
      const part = text.slice(start, ended ? newline : text.length);
      start = ended ? newline + 1 : text.length;
      if (this.discarding) {
        if (ended) this.discarding = false;
        continue;
      }
      this.partial += part;
      this.partialBytes += Buffer.byteLength(part);
      // A CR before the newline is a line end, not part of the line (nor of its bound).
      const bytes = ended && this.partial.endsWith('\r') ? this.partialBytes - 1 : this.partialBytes;
      if (bytes > this.maxBytes) {
        events.push({ type: 'overflow', cut: cutToBytes(this.partial, this.maxBytes) });
        this.reset();
        this.discarding = !ended;
        continue;
      }
      if (ended) {
        events.push({ type: 'line', line: stripCr(this.partial) });
        this.reset();
      }
    }
    return events;
  }

  /** The input ended: a last line without a newline, if any. */
  end(): SplitEvent[] {
    const events = this.push(this.decoder.end());
    if (!this.discarding && this.partial) events.push({ type: 'line', line: stripCr(this.partial) });
    this.reset();
    this.discarding = false;
    return events;
  }

  private reset(): void {
    this.partial = '';
    this.partialBytes = 0;
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** The longest beginning of `text` that fits `maxBytes` of UTF-8, whole characters only. */
function cutToBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}
