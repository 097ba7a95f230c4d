/**
 * A pseudo-terminal that a program opens as if it were a serial port with a modem on it:
 * the simulator holds the master, the DTE (dialbond, pppd, chat, minicom) opens the slave.
 * pty(7) maps a serial line's life onto file descriptors like this:
 * - the DTE closing its port (dropping DTR) is the last slave fd closing: reads on the master
 *   then fail with EIO, which is how we notice a hang-up;
 * - the modem dropping carrier (DCD) can only be shown by closing the master: the DTE's reads
 *   then return 0/EIO and pppd exits 16 ("modem hangup"). The pty is gone after that, so we
 *   open a new one and re-point a stable symlink at its slave: the modem keeps its path.
 *
 * Node can read a master through libuv (tty.ReadStream) but cannot create one, nor dup() a
 * descriptor; native/pty.c (build/pty.node) adds those calls.
 */
import { EventEmitter } from 'node:events';
import { closeSync, constants, existsSync, openSync, renameSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import tty from 'node:tty';
import { fileURLToPath } from 'node:url';
import { DialbondError, systemErrorCode } from '../errors/index.js';
import { silentLogger, type Logger } from '../log/index.js';
import { systemClock, type Clock } from '../util/clock.js';

/** What build/pty.node exports (see native/pty.c). */
export interface PtyNative {
  /** A new master (O_CLOEXEC, unlocked), its slave already raw (cfmakeraw, CLOCAL|CREAD). */
  openPty(): { fd: number; path: string };
  /** fcntl(F_DUPFD_CLOEXEC). */
  dup(fd: number): number;
  /** tcflush(TCIOFLUSH). */
  flush(fd: number): void;
  /** The eql driver's EQL_EMANCIPATE / EQL_SETSLAVECFG ioctls (see src/sys/eql.ts); throws an Error whose code is the errno name. */
  eqlRequest(op: 'emancipate' | 'setslave', master: string, slave: string, priority: number): void;
  /** TCSETS2 with BOTHER in both directions (see src/sys/tty-rate.ts); returns the rate then held. */
  setTtyRate(fd: number, bps: number): number;
  /** TCGETS2's c_ospeed. */
  ttyRate(fd: number): number;
}

let native: PtyNative | undefined;

/**
 * Loads build/pty.node. The repository root is found relative to this module, which sits two
 * levels down both as source (src/sys/) and compiled (dist/sys/); one level is tried too.
 */
export function loadPtyNative(): PtyNative {
  if (native) return native;
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', '..', 'build', 'pty.node'), join(here, '..', 'build', 'pty.node')];
  const file = candidates.find((c) => existsSync(c));
  if (!file) {
    throw new DialbondError(
      'SIM_PTY_FAILED',
      `the pty helper is not built (looked for ${candidates.join(' and ')}); run "node scripts/build-native.mjs" (needs a C compiler and Node's headers)`,
      { candidates },
    );
  }
  try {
    native = createRequire(import.meta.url)(file) as PtyNative;
  } catch (error) {
    throw new DialbondError('SIM_PTY_FAILED', `cannot load the pty helper ${file}: ${String(error)}; rebuild it with "node scripts/build-native.mjs"`, { file }, { cause: error });
  }
  return native;
}

/** Events of a pty endpoint. */
export interface PtyEndpointEvents {
  /** Bytes from the DTE. */
  data: [bytes: Buffer];
  /** The first bytes from a DTE since the pty was opened or last hung up. */
  attach: [];
  /** The DTE closed the port (every slave fd closed). */
  hangup: [];
  /** The write queue has room again after write() returned false. */
  drain: [];
}

export interface PtyEndpointOptions {
  /** A stable path (symlink) to the current slave, kept across dropCarrier(). */
  linkPath?: string;
  /** For the write retry timer. */
  clock?: Clock;
  logger?: Logger;
}

/** write() answers false above this many queued bytes. */
const WRITE_HIGH_WATER = 4096;
/** How soon to retry a write the pty refused (EAGAIN: the DTE is not reading). */
const WRITE_RETRY_MS = 10;

/** The master side of one pty, presented as a serial line's modem end. */
export class PtyEndpoint extends EventEmitter<PtyEndpointEvents> {
  private readonly native: PtyNative;
  private readonly linkPath: string | undefined;
  private readonly clock: Clock;
  private readonly logger: Logger;
  /** Bumped whenever the pty or its read stream is replaced, so stale events are ignored. */
  private generation = 0;
  private master = -1;
  private writeFd = -1;
  private keeper = -1;
  private currentPts = '';
  private reader: tty.ReadStream | undefined;
  private readerClosed: Promise<void> = Promise.resolve();
  private paused = false;
  private isAttached = false;
  private closed = false;
  private queue: Buffer[] = [];
  private queued = 0;
  private needDrain = false;
  private retryTimer: unknown;
  private linkSeq = 0;

  private constructor(options: PtyEndpointOptions) {
    super();
    this.native = loadPtyNative();
    this.linkPath = options.linkPath;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger();
  }

  /** Opens a new pty (and its symlink, if asked). Throws DialbondError SIM_PTY_FAILED. */
  static open(options: PtyEndpointOptions = {}): PtyEndpoint {
    const endpoint = new PtyEndpoint(options);
    endpoint.openPty();
    return endpoint;
  }

  /** The path DTEs open: the stable link if there is one, else the current slave. */
  get path(): string {
    return this.linkPath ?? this.currentPts;
  }

  /** The current slave device, e.g. /dev/pts/7 (changes at each dropCarrier()). */
  get ptsPath(): string {
    return this.currentPts;
  }

  /** Whether a DTE has sent bytes since the pty was opened or last hung up. */
  get attached(): boolean {
    return this.isAttached;
  }

  /**
   * Queues bytes for the DTE. Answers false when the queue is above its mark (the DTE reads
   * slowly); 'drain' follows when it has room. Bytes written while closed are dropped.
   */
  write(bytes: Buffer): boolean {
    if (this.closed || bytes.length === 0) return true;
    this.queue.push(bytes);
    this.queued += bytes.length;
    this.flushQueue();
    if (this.queued > WRITE_HIGH_WATER) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  /** Stops reading from the DTE (back-pressure: the DTE's writes then block, as with CTS off). */
  pause(): void {
    this.paused = true;
    this.reader?.pause();
  }

  /** Reads from the DTE again. */
  resume(): void {
    this.paused = false;
    this.reader?.resume();
  }

  /**
   * Drops carrier: closes the master (the DTE sees its line hang up) and opens a new pty
   * behind the same stable path, so the modem can be dialed again.
   */
  dropCarrier(): void {
    if (this.closed) return;
    this.closePty();
    this.openPty();
  }

  /** Closes the pty and removes the symlink. Resolves when every descriptor is closed. */
  async close(): Promise<void> {
    if (this.closed) return this.readerClosed;
    this.closed = true;
    this.closePty();
    if (this.linkPath) {
      try {
        unlinkSync(this.linkPath);
      } catch (error) {
        if (systemErrorCode(error) !== 'ENOENT') this.logger.warn({ err: error, link: this.linkPath }, 'cannot remove modem link');
      }
    }
    this.removeAllListeners();
    await this.readerClosed;
  }

  // ---- internals ------------------------------------------------------------------------

  private openPty(): void {
    try {
      const { fd, path } = this.native.openPty();
      this.master = fd;
      this.currentPts = path;
      this.writeFd = this.native.dup(fd);
      this.openKeeper();
      this.startReader();
      this.relink();
    } catch (error) {
      this.closePty();
      if (error instanceof DialbondError) throw error;
      throw new DialbondError(
        'SIM_PTY_FAILED',
        `cannot open a pseudo-terminal${this.linkPath ? ` for ${this.linkPath}` : ''}: ${error instanceof Error ? error.message : String(error)}; is /dev/pts mounted and /dev/ptmx usable?`,
        { linkPath: this.linkPath, code: systemErrorCode(error) },
        { cause: error },
      );
    }
  }

  /** Holds the slave open while no DTE is attached: with no slave fd at all, the master's
   * reads fail with EIO at once and would look like a hang-up every time. */
  private openKeeper(): void {
    if (this.keeper === -1) this.keeper = openSync(this.currentPts, constants.O_RDWR | constants.O_NOCTTY);
  }

  private closeKeeper(): void {
    if (this.keeper !== -1) closeSync(this.keeper);
    this.keeper = -1;
  }

  /** A read stream on a fresh dup of the master (a stream closes its fd when it errors, and
   * libuv keeps one watcher per fd number, so each stream gets its own). */
  private startReader(): void {
    const generation = ++this.generation;
    const reader = new tty.ReadStream(this.native.dup(this.master));
    // libuv leaves a pty master in blocking mode (it only reopens slaves non-blocking); make
    // the open file description non-blocking so that reads and our writes never stall the
    // event loop. The flag is shared by every dup of the master, including writeFd.
    const handle = (reader as unknown as { _handle?: { setBlocking?: (b: boolean) => number } })._handle;
    if (typeof handle?.setBlocking !== 'function') {
      reader.destroy();
      throw new DialbondError('SIM_PTY_FAILED', 'this Node.js cannot make a pty non-blocking (tty handle without setBlocking)', {});
    }
    handle.setBlocking(false);
    this.reader = reader;
    this.readerClosed = new Promise((resolve) => reader.once('close', () => resolve()));
    if (this.paused) reader.pause();
    reader.on('data', (chunk: Buffer) => {
      if (generation !== this.generation) return;
      if (!this.isAttached) {
        // A DTE is here: let go of the slave so its close is seen (EIO) as a hang-up.
        this.isAttached = true;
        this.closeKeeper();
        this.emit('attach');
      }
      this.emit('data', chunk);
    });
    reader.on('error', (error: NodeJS.ErrnoException) => {
      if (generation !== this.generation) return;
      if (error.code === 'EIO') this.onHangup();
      else this.logger.warn({ err: error, pty: this.currentPts }, 'pty read failed');
    });
  }

  private onHangup(): void {
    this.logger.debug({ pty: this.currentPts }, 'DTE closed the port');
    this.isAttached = false;
    this.dropQueue();
    this.openKeeper();
    // Whatever the modem said that nobody read must not reach the next caller.
    this.native.flush(this.master);
    this.startReader();
    this.emit('hangup');
  }

  private closePty(): void {
    this.generation++;
    this.isAttached = false;
    this.dropQueue();
    this.reader?.destroy();
    this.reader = undefined;
    this.closeKeeper();
    for (const fd of [this.writeFd, this.master]) {
      if (fd !== -1) closeSync(fd);
    }
    this.writeFd = -1;
    this.master = -1;
  }

  private dropQueue(): void {
    this.queue = [];
    this.queued = 0;
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.needDrain) {
      this.needDrain = false;
      queueMicrotask(() => this.emit('drain'));
    }
  }

  /** Writes what the pty takes now (non-blocking); retries later on EAGAIN. */
  private flushQueue(): void {
    if (this.retryTimer !== undefined) return;
    while (this.queue.length > 0 && this.writeFd !== -1) {
      const head = this.queue[0]!;
      let written: number;
      try {
        written = writeSync(this.writeFd, head);
      } catch (error) {
        if (systemErrorCode(error) === 'EAGAIN') {
          this.retryTimer = this.clock.setTimeout(() => {
            this.retryTimer = undefined;
            this.flushQueue();
          }, WRITE_RETRY_MS);
          return;
        }
        // EIO: the slave side is gone; the reader reports the hang-up.
        this.logger.debug({ err: error, pty: this.currentPts }, 'pty write failed');
        this.dropQueue();
        return;
      }
      this.queued -= written;
      if (written < head.length) this.queue[0] = head.subarray(written);
      else this.queue.shift();
    }
    if (this.needDrain && this.queued <= WRITE_HIGH_WATER / 2) {
      this.needDrain = false;
      this.emit('drain');
    }
  }

  /** Points the stable path at the current slave atomically (symlink a temp name, rename). */
  private relink(): void {
    if (!this.linkPath) return;
    const temp = join(dirname(this.linkPath), `.${basename(this.linkPath)}.${process.pid}.${this.linkSeq++}.tmp`);
    try {
      unlinkSync(temp);
    } catch {
      /* not there: the usual case */
    }
    symlinkSync(this.currentPts, temp);
    renameSync(temp, this.linkPath);
  }
}
