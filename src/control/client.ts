/**
 * A control socket client: requests with ids, responses matched back to them, and events
 * for a subscriber. The CLI queries, the console and the tests all talk to the daemon
 * through this.
 */
import { EventEmitter } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { DialbondError, isErrorCode, systemErrorCode } from '../errors/index.js';
import { LineSplitter } from '../util/index.js';
import { MAX_ANSWER_BYTES, PROTOCOL_VERSION, type ArgsOf, type CommandName, type ControlResponse, type ResultOf } from './protocol.js';

export const DEFAULT_CONTROL_SOCKET = '/run/dialbond/control.sock';

/** An error the daemon answered with: its code and message, as a DialbondError when the code is one of ours. */
function remoteError(code: string, message: string): Error {
  if (isErrorCode(code)) return new DialbondError(code, message, { remote: true });
  return Object.assign(new Error(message), { code });
}

export class ControlClient extends EventEmitter<{ event: [unknown]; close: [] }> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  /** Answers carry whole status reports (transcripts included), far larger than a
   * request, but still bounded: a runaway peer cannot grow the client without end. */
  private readonly lines = new LineSplitter(MAX_ANSWER_BYTES);

  private constructor(private readonly socket: Socket) {
    super();
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => {
      for (const { reject } of this.pending.values()) reject(new DialbondError('CONTROL_UNAVAILABLE', 'the daemon closed the control connection'));
      this.pending.clear();
      this.emit('close');
    });
    socket.on('error', () => undefined);
  }

  /** Connects to the daemon's socket; says plainly when no daemon answers or access is denied. */
  static connect(path: string = DEFAULT_CONTROL_SOCKET, timeoutMs = 5000): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new DialbondError('CONTROL_UNAVAILABLE', `no answer from ${path} within ${timeoutMs} ms`, { path }));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new ControlClient(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        const code = systemErrorCode(error);
        const why =
          code === 'ENOENT' || code === 'ECONNREFUSED' ? 'no dialbond daemon is running there (start it with "dialbond daemon")' : code === 'EACCES' ? 'permission denied (run as root or as a member of the socket\'s group)' : (code ?? String(error));
        reject(new DialbondError('CONTROL_UNAVAILABLE', `cannot reach the daemon at ${path}: ${why}`, { path, code }));
      });
    });
  }

  /** Sends one request and resolves with its result (rejects with the daemon's error). */
  request<C extends CommandName>(cmd: C, ...[args]: {} extends ArgsOf<C> ? [args?: ArgsOf<C>] : [args: ArgsOf<C>]): Promise<ResultOf<C>> {
    const id = this.nextId++;
    return new Promise<ResultOf<C>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.socket.write(`${JSON.stringify({ v: PROTOCOL_VERSION, id, cmd, ...args })}\n`);
    });
  }

  /** Sends a raw line as it is (tests of bad input). */
  sendRaw(line: string): void {
    this.socket.write(line);
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    for (const event of this.lines.push(chunk)) {
      if (event.type === 'overflow') {
        // Whose answer it was is in the part we dropped: every waiting request fails.
        const error = new DialbondError('CONTROL_TOO_LARGE', `the daemon sent a line longer than ${MAX_ANSWER_BYTES} bytes`);
        for (const { reject } of this.pending.values()) reject(error);
        this.pending.clear();
        continue;
      }
      const line = event.line;
      let message: ControlResponse | { v: number; event: unknown };
      try {
        message = JSON.parse(line);
      } catch {
        continue;
      }
      if ('event' in message) {
        this.emit('event', message.event);
        continue;
      }
      const id = typeof message.id === 'number' ? message.id : undefined;
      const waiter = id !== undefined ? this.pending.get(id) : undefined;
      if (!waiter) {
        // An answer to no request of ours (e.g. "too many connections", "too large").
        if (!message.ok) this.emit('event', { type: 'control-error', ...message.error });
        continue;
      }
      this.pending.delete(id as number);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(remoteError(message.error.code, message.error.message));
    }
  }
}
