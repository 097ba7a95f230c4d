/**
 * A scripted stand-in for a modem port, for unit tests of the modem machine. It implements
 * our own ModemIo interface; `respond` is called for every write and answers through
 * `emit`, immediately or later on the test's simulated clock.
 */
import type { Clock } from '../../util/clock.js';
import type { HandoverIo, PortEvent } from '../io.js';

export interface FakeWrite {
  text: string;
  atMs: number;
}

export class FakeModemIo implements HandoverIo {
  readonly device = '/dev/ttyFAKE0';
  readonly writes: FakeWrite[] = [];
  opened = false;
  closed: { dropDtr: boolean } | null = null;
  openError: Error | null = null;
  private readonly listeners = new Set<(event: PortEvent) => void>();

  constructor(
    readonly clock: Clock,
    private readonly respond: (text: string, io: FakeModemIo) => void = () => undefined,
  ) {}

  async open(): Promise<void> {
    if (this.openError) throw this.openError;
    this.opened = true;
  }

  /** Dial writes that asked for the hold at CONNECT, and resumeReading() calls. */
  holdRequests = 0;
  resumes = 0;

  async write(text: string, options: { holdAtConnect?: boolean } = {}): Promise<void> {
    if (options.holdAtConnect) this.holdRequests++;
    this.writes.push({ text, atMs: this.clock.now() });
    queueMicrotask(() => this.respond(text, this));
  }

  async close(options: { dropDtr?: boolean } = {}): Promise<void> {
    this.closed ??= { dropDtr: options.dropDtr ?? false };
  }

  resumeReading(): void {
    this.resumes++;
  }

  /** Hand-overs: the descriptor given, and how it was taken back. */
  readonly handovers: Array<{ fd: number; takenBack: { reopen: boolean } | null }> = [];

  async detach(): Promise<number> {
    const fd = 100 + this.handovers.length;
    this.handovers.push({ fd, takenBack: null });
    return fd;
  }

  async takeBack(fd: number, options: { reopen: boolean }): Promise<void> {
    const handover = this.handovers.find((h) => h.fd === fd);
    if (!handover || handover.takenBack) throw new Error(`fd ${fd} was not handed over, or was taken back twice`);
    handover.takenBack = { ...options };
  }

  subscribe(listener: (event: PortEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The modem says `text` (raw: give line ends yourself). */
  emit(text: string): void {
    for (const listener of [...this.listeners]) listener({ type: 'data', data: Buffer.from(text, 'latin1') });
  }

  /** The modem answers `lines`, each framed as a verbose result (CR LF ... CR LF). */
  reply(...lines: string[]): void {
    this.emit(lines.map((l) => `\r\n${l}\r\n`).join(''));
  }

  /** Answers later, on the simulated clock. */
  replyAfter(ms: number, ...lines: string[]): void {
    this.clock.setTimeout(() => this.reply(...lines), ms);
  }

  /** The device disappears (USB modem unplugged). */
  vanish(): void {
    for (const listener of [...this.listeners]) listener({ type: 'closed', reason: 'vanished', message: 'device disconnected' });
  }

  /** The commands written so far, without their CR. */
  get commands(): string[] {
    return this.writes.map((w) => w.text.replace(/\r$/, ''));
  }
}
