/**
 * When the port may read, and how much. After the dial command the port reads one byte at
 * a time and stops right after the end of the CONNECT line, as chat(8) does by reading byte
 * by byte and stopping after its expect string: whatever the modem sent behind CONNECT (a
 * terminal server's login prompt in the same burst, the peer's first PPP frames) stays in
 * the kernel's tty buffer for whoever reads next (the login chat once reading resumes, or
 * pppd on the handed-over descriptor). A bulk read would have taken those bytes into our
 * buffers, where pppd can never get them back (TIOCSTI does not help: the switch to the PPP
 * line discipline flushes N_TTY's buffer).
 */
import { classifyLine } from '../hayes/index.js';

/** What the port's read loop asks before each read(2) and tells after it. */
export interface ReadGate {
  /** Resolves with the most bytes the next read may take (1 while byte-precise), once
   * reading may go on; 0 means the port is closing: read nothing more. */
  ready(): Promise<number>;
  /** The bytes the last read returned. */
  took(bytes: Uint8Array): void;
  /** True while reading is byte-precise: the port may then read the bytes already waiting
   * one at a time in a row, asking again after each (see hangup-binding.ts). */
  readonly precise?: boolean;
}

type Mode = 'bulk' | 'precise' | 'held' | 'closed';

/** Longest line kept while scanning for CONNECT (a result line is far shorter). */
const MAX_LINE = 512;

export class ConnectReadGate implements ReadGate {
  private mode: Mode = 'bulk';
  private line = '';
  private waiters: Array<() => void> = [];

  /** Reads byte by byte from now on and holds after the next CONNECT line's end. */
  arm(): void {
    if (this.mode === 'closed') return;
    this.mode = 'precise';
    this.line = '';
  }

  /** Reads on (in bulk) after a hold, or stops scanning for CONNECT. */
  release(): void {
    if (this.mode === 'closed') return;
    this.mode = 'bulk';
    this.wake();
  }

  /** The port is closing or handed over: no read may start any more. */
  close(): void {
    this.mode = 'closed';
    this.wake();
  }

  get precise(): boolean {
    return this.mode === 'precise';
  }

  /** Whether reading stopped at a CONNECT line and waits for release(). */
  get held(): boolean {
    return this.mode === 'held';
  }

  async ready(): Promise<number> {
    while (this.mode === 'held') await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.mode === 'closed') return 0;
    return this.mode === 'precise' ? 1 : Number.MAX_SAFE_INTEGER;
  }

  took(bytes: Uint8Array): void {
    for (const byte of bytes) {
      if (this.mode !== 'precise') return;
      if (byte === 0x0d || byte === 0x0a) {
        const line = this.line.trim();
        this.line = '';
        // CR or LF, whichever ends the line first: stopping there never reads a byte too
        // many (the LF of a CR LF pair is left for the next reader, who ignores it).
        if (line && isConnect(line)) this.mode = 'held';
      } else if (byte >= 0x20 && byte < 0x7f && this.line.length < MAX_LINE) {
        this.line += String.fromCharCode(byte);
      }
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

function isConnect(text: string): boolean {
  const line = classifyLine(text);
  return line.kind === 'final' && line.result === 'connect';
}
