/**
 * The far end of a simulated call: what the DTE talks to in online data state. `echo` sends
 * every byte back, `discard` swallows them, `command` runs a program whose stdin/stdout are
 * the line (e.g. `ip netns exec isp pppd notty ...`, pppd speaking PPP on its stdio).
 * Either side ending ends the other: the program exiting is a lost carrier; the call ending
 * (ATH, the DTE closing its port, a lost carrier) is a hangup to the program, which sees its
 * line end and goes in its own time, as an answering pppd does.
 */
import { EventEmitter } from 'node:events';
import { execa, type ResultPromise } from 'execa';
import { silentLogger, type Logger } from '../log/index.js';
import type { DataPeerSpec } from './scenario.js';

/** Events of a far end. */
export interface LinePeerEvents {
  /** Bytes from the far end toward the DTE. */
  data: [bytes: Buffer];
  /** write() may be called again after answering false. */
  drain: [];
  /** The far end is gone (on its own or after close()); emitted once. */
  close: [];
}

/** The far end of a line. Flow control both ways: write() answers false when full; pause()
 * asks it to stop sending 'data'. */
export abstract class LinePeer extends EventEmitter<LinePeerEvents> {
  private ended = false;

  /** Bytes from the DTE; false means wait for 'drain'. */
  abstract write(bytes: Buffer): boolean;
  abstract pause(): void;
  abstract resume(): void;
  /** Ends the far end; resolves when it is gone. */
  abstract close(): Promise<void>;

  /**
   * The line went away under the far end. A program sees its line end (EOF on stdin) and
   * ends in its own time: an answering pppd that ends on a hangup is not asked to quit,
   * which for the master of a multilink bundle would end every other link of the bundle
   * too (pppd's SIGTERM terminates the bundle; a hangup leaves the master holding it for
   * the links that remain). Resolves when it is gone; close() still ends it at once.
   */
  hangUp(): Promise<void> {
    return this.close();
  }

  /** Emits 'close' once. */
  protected finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.emit('close');
  }

  /** Whether the far end has gone. */
  get closed(): boolean {
    return this.ended;
  }
}

/** Sends everything back (a loopback at the remote modem). */
export class EchoPeer extends LinePeer {
  private paused = false;
  private held: Buffer[] = [];

  write(bytes: Buffer): boolean {
    if (this.closed) return true;
    if (this.paused) {
      this.held.push(bytes);
      return false;
    }
    this.emit('data', bytes);
    return true;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const [i, bytes] of held.entries()) {
      if (this.paused) {
        this.held = held.slice(i);
        return;
      }
      this.emit('data', bytes);
    }
    if (held.length > 0) this.emit('drain');
  }

  async close(): Promise<void> {
    this.held = [];
    this.finish();
  }
}

/** Swallows everything. */
export class DiscardPeer extends LinePeer {
  write(): boolean {
    return true;
  }
  pause(): void {}
  resume(): void {}
  async close(): Promise<void> {
    this.finish();
  }
}

/** How long a far-end program gets to exit on SIGTERM before SIGKILL. */
const KILL_AFTER_MS = 2000;

interface CommandPeerExecOptions {
  stdin: 'pipe';
  stdout: 'pipe';
  stderr: 'pipe';
  buffer: false;
  reject: false;
  cleanup: true;
  cancelSignal: AbortSignal;
  forceKillAfterDelay: number;
}

/** A program as the far end: its stdin receives the DTE's bytes, its stdout answers. */
export class CommandPeer extends LinePeer {
  private readonly subprocess: ResultPromise<CommandPeerExecOptions>;
  private readonly controller = new AbortController();
  private readonly done: Promise<void>;

  constructor(argv: readonly string[], logger: Logger = silentLogger()) {
    super();
    const [file, ...args] = argv;
    // No shell: argv goes to execve as is. cleanup kills it if the simulator itself dies.
    const options: CommandPeerExecOptions = {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      cleanup: true,
      cancelSignal: this.controller.signal,
      forceKillAfterDelay: KILL_AFTER_MS,
    };
    this.subprocess = execa(file!, args, options);
    const { stdin, stdout, stderr } = this.subprocess;
    stdout.on('data', (chunk: Buffer) => this.emit('data', chunk));
    stdin.on('drain', () => this.emit('drain'));
    stdin.on('error', (error) => logger.debug({ err: error }, 'far end stdin closed'));
    stderr.setEncoding('utf8');
    stderr.on('data', (text: string) => {
      for (const line of text.split('\n')) if (line.trim()) logger.debug({ line }, 'far end stderr');
    });
    this.done = this.subprocess.then((result) => {
      logger.info({ command: argv[0], exitCode: result.exitCode, signal: result.signal, failed: result.failed && !result.isCanceled ? result.shortMessage : undefined }, 'far end exited');
      this.finish();
    });
  }

  write(bytes: Buffer): boolean {
    const { stdin } = this.subprocess;
    if (this.closed || !stdin.writable) return true;
    return stdin.write(bytes);
  }

  pause(): void {
    this.subprocess.stdout.pause();
  }

  resume(): void {
    this.subprocess.stdout.resume();
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.subprocess.stdin.end();
      this.controller.abort();
    }
    await this.done;
  }

  /** EOF on the program's stdin, as a hangup reads on its line; it ends when it will. */
  override async hangUp(): Promise<void> {
    if (!this.closed) this.subprocess.stdin.end();
    await this.done;
  }
}

/** The far end a scenario asks for. */
export function createPeer(spec: DataPeerSpec, logger?: Logger): LinePeer {
  switch (spec.type) {
    case 'echo':
      return new EchoPeer();
    case 'discard':
      return new DiscardPeer();
    case 'command':
      return new CommandPeer(spec.argv, logger);
  }
}
