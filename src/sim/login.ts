/**
 * A terminal server's login dialogue in front of the far end: after CONNECT the remote side
 * prints a banner and `login:`, echoes the user name, asks `Password:` without echo, and only
 * then starts the data peer (PPP). Three wrong logins and it hangs up, as getty/login do.
 * This is remote data, so it travels at line rate like everything else after CONNECT.
 */
import { LinePeer } from './peer.js';
import type { LoginSpec } from './scenario.js';

/** Wrong attempts before the remote hangs up (login(1) defaults to a few; 3 keeps tests short). */
export const MAX_LOGIN_ATTEMPTS = 3;

const CRLF = '\r\n';

/** Presents a login dialogue, then hands the line to the peer `startPeer` creates. */
export class LoginGate extends LinePeer {
  private phase: 'user' | 'password' | 'done' = 'user';
  private buffer = '';
  private user = '';
  private attempts = 0;
  private lastWasCr = false;
  private inner: LinePeer | undefined;
  private paused = false;

  constructor(
    private readonly spec: LoginSpec,
    private readonly startPeer: () => LinePeer,
  ) {
    super();
  }

  /** Whether the login has succeeded. */
  get loggedIn(): boolean {
    return this.phase === 'done';
  }

  /** Prints the banner and the first prompt (call once listeners are attached). */
  start(): void {
    this.emit('data', this.opening());
  }

  /** The banner and first prompt as bytes, for a caller that sends them itself (in the
   * same write as CONNECT); then start() is not called. */
  opening(): Buffer {
    const banner = this.spec.banner ? `${CRLF}${this.spec.banner}${CRLF}` : '';
    return Buffer.from(`${banner}${CRLF}${this.spec.prompt}`, 'latin1');
  }

  write(bytes: Buffer): boolean {
    if (this.inner) return this.inner.write(bytes);
    if (this.closed) return true;
    for (let i = 0; i < bytes.length; i++) {
      this.byte(bytes[i]!);
      const inner = this.innerPeer();
      if (inner) {
        // Logged in mid-chunk: the rest is the first data for the far end.
        return i + 1 < bytes.length ? inner.write(bytes.subarray(i + 1)) : true;
      }
      if (this.closed) return true;
    }
    return true;
  }

  pause(): void {
    this.paused = true;
    this.inner?.pause();
  }

  resume(): void {
    this.paused = false;
    this.inner?.resume();
  }

  async close(): Promise<void> {
    if (this.inner) await this.inner.close();
    this.finish();
  }

  override async hangUp(): Promise<void> {
    if (this.inner) await this.inner.hangUp();
    this.finish();
  }

  /** The far end once logged in (a method, so that TypeScript does not narrow it away). */
  private innerPeer(): LinePeer | undefined {
    return this.inner;
  }

  private say(text: string): void {
    this.emit('data', Buffer.from(text, 'latin1'));
  }

  private byte(byte: number): void {
    const wasCr = this.lastWasCr;
    this.lastWasCr = byte === 0x0d;
    if (byte === 0x0a && wasCr) return; // the LF of a CR LF pair
    if (byte === 0x0d || byte === 0x0a) {
      this.line();
      return;
    }
    if (byte === 0x08 || byte === 0x7f) {
      if (this.buffer.length > 0) {
        this.buffer = this.buffer.slice(0, -1);
        if (this.phase === 'user') this.say('\b \b');
      }
      return;
    }
    if (byte < 0x20) return;
    const ch = String.fromCharCode(byte);
    this.buffer += ch;
    if (this.phase === 'user') this.say(ch); // the password is not echoed
  }

  private line(): void {
    const text = this.buffer;
    this.buffer = '';
    if (this.phase === 'user') {
      if (text === '') {
        this.say(`${CRLF}${this.spec.prompt}`); // getty prompts again on an empty line
        return;
      }
      this.user = text;
      this.phase = 'password';
      this.say(`${CRLF}${this.spec.passwordPrompt}`);
      return;
    }
    if (this.user === this.spec.user && text === this.spec.password) {
      this.phase = 'done';
      this.say(this.spec.welcome ? `${CRLF}${this.spec.welcome}${CRLF}` : CRLF);
      this.startInner();
      return;
    }
    this.attempts++;
    this.phase = 'user';
    this.say(`${CRLF}${this.spec.failMessage}${CRLF}`);
    if (this.attempts >= MAX_LOGIN_ATTEMPTS) {
      this.finish(); // the remote hangs up
      return;
    }
    this.say(`${CRLF}${this.spec.prompt}`);
  }

  private startInner(): void {
    const inner = this.startPeer();
    this.inner = inner;
    inner.on('data', (bytes) => this.emit('data', bytes));
    inner.on('drain', () => this.emit('drain'));
    inner.on('close', () => this.finish());
    if (this.paused) inner.pause();
  }
}
