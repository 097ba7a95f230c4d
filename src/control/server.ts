/**
 * The control socket server: a unix socket (mode 0660 by default, optionally owned by a
 * group) where each connection sends request lines and gets response lines, and may
 * subscribe to events. Nothing a client sends can hurt the daemon: bad lines get
 * {code, message} errors, an oversized line closes that connection, a client that does
 * not read its events is dropped, and there is a cap on connections.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { DialbondError, isDialbondError } from '../errors/index.js';
import { silentLogger, type Logger } from '../log/index.js';
import { LineSplitter } from '../util/index.js';
import { errorResponse, eventMessage, MAX_REQUEST_BYTES, okResponse, parseRequest, type CommandName, type ControlRequest, type ControlResponse, type RequestOf, type ResultOf } from './protocol.js';

/** The commands a daemon answers itself (the server handles subscribe and unsubscribe). */
export type HandledCommand = Exclude<CommandName, 'subscribe' | 'unsubscribe'>;

/** One function per command, each typed with its own request and result. */
export type CommandHandlers = { [C in HandledCommand]: (request: RequestOf<C>) => Promise<ResultOf<C>> };

/** A ControlHandler's `handle` over typed per-command functions. */
export function dispatchTo(handlers: CommandHandlers): ControlHandler['handle'] {
  return (request) => {
    if (request.cmd === 'subscribe' || request.cmd === 'unsubscribe') throw new DialbondError('CONTROL_FAILED', `${request.cmd} is the server's to answer`);
    const handler = handlers[request.cmd] as (r: ControlRequest) => Promise<unknown>;
    return handler(request);
  };
}

export interface ControlHandler {
  /** Answers a request (all but subscribe/unsubscribe, which the server handles). */
  handle(request: ControlRequest): Promise<unknown>;
  /** Calls `listener` with every event until the returned function is called. */
  subscribe(listener: (event: unknown) => void): () => void;
}

export interface ControlServerOptions {
  path: string;
  /** File mode of the socket, e.g. 0o660. */
  mode?: number;
  /** Group that may use the socket (with mode 0660). */
  group?: string;
  maxClients?: number;
  /** A subscriber whose unread events pass this many bytes is dropped. */
  maxBacklogBytes?: number;
  logger?: Logger;
}

/** The gid of a group name, from /etc/group. */
export function groupId(name: string, groupFile = '/etc/group'): number {
  for (const line of readFileSync(groupFile, 'utf8').split('\n')) {
    const [group, , gid] = line.split(':');
    if (group === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw new DialbondError('CONFIG_INVALID', `control.group: no group named "${name}" in ${groupFile}`, { group: name });
}

/** Whether a daemon answers on `path` (a socket file left by a crash does not). */
export function socketInUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

export class ControlServer {
  private readonly server: Server;
  private readonly clients = new Set<Socket>();
  private readonly log: Logger;

  private constructor(
    private readonly options: ControlServerOptions,
    private readonly handler: ControlHandler,
  ) {
    this.log = options.logger ?? silentLogger();
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Listens on the socket path: refuses when another daemon answers there, replaces a stale socket file. */
  static async listen(options: ControlServerOptions, handler: ControlHandler): Promise<{ server: ControlServer; replacedStale: boolean }> {
    let replacedStale = false;
    if (existsSync(options.path)) {
      if (await socketInUse(options.path)) throw new DialbondError('DAEMON_RUNNING', `another dialbond daemon answers on ${options.path}; stop it first`, { path: options.path });
      unlinkSync(options.path);
      replacedStale = true;
    }
    mkdirSync(dirname(options.path), { recursive: true, mode: 0o755 });
    const server = new ControlServer(options, handler);
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.server.listen(options.path, () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    chmodSync(options.path, options.mode ?? 0o660);
    if (options.group !== undefined) chownSync(options.path, process.getuid?.() ?? 0, groupId(options.group));
    return { server, replacedStale };
  }

  get connections(): number {
    return this.clients.size;
  }

  /** Stops listening, closes every connection and removes the socket file. */
  async close(): Promise<void> {
    for (const socket of this.clients) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    try {
      unlinkSync(this.options.path);
    } catch {
      /* already gone */
    }
  }

  private accept(socket: Socket): void {
    if (this.clients.size >= (this.options.maxClients ?? 64)) {
      socket.end(`${JSON.stringify(errorResponse(undefined, { code: 'CONTROL_FAILED', message: `too many control connections (${this.clients.size}); try again later` }))}\n`);
      return;
    }
    this.clients.add(socket);
    const lines = new LineSplitter(MAX_REQUEST_BYTES);
    let unsubscribe: (() => void) | undefined;
    let chain = Promise.resolve();
    const send = (message: ControlResponse | ReturnType<typeof eventMessage>) => {
      if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(message)}\n`);
    };
    const cleanup = () => {
      unsubscribe?.();
      unsubscribe = undefined;
      this.clients.delete(socket);
    };
    socket.on('error', () => socket.destroy());
    socket.on('close', cleanup);
    socket.on('data', (chunk: Buffer) => {
      for (const event of lines.push(chunk)) {
        if (event.type === 'overflow') return this.refuseOversized(socket, send);
        const line = event.line;
        if (line.trim() === '') continue;
        chain = chain.then(() => this.answer(line, send, {
          subscribe: () => {
            unsubscribe ??= this.handler.subscribe((event) => {
              if (socket.writableLength > (this.options.maxBacklogBytes ?? 1024 * 1024)) {
                this.log.warn({ backlog: socket.writableLength }, 'control: dropping a subscriber that does not read its events');
                socket.destroy();
                return;
              }
              send(eventMessage(event));
            });
          },
          unsubscribe: () => {
            unsubscribe?.();
            unsubscribe = undefined;
          },
        }));
      }
    });
  }

  private refuseOversized(socket: Socket, send: (m: ControlResponse) => void): void {
    send(errorResponse(undefined, { code: 'CONTROL_TOO_LARGE', message: `request line longer than ${MAX_REQUEST_BYTES} bytes; closing this connection` }));
    socket.end();
    socket.removeAllListeners('data');
  }

  private async answer(line: string, send: (m: ControlResponse) => void, stream: { subscribe(): void; unsubscribe(): void }): Promise<void> {
    const parsed = parseRequest(line);
    if (!parsed.ok) {
      send(errorResponse(parsed.id, parsed.error));
      return;
    }
    const { request } = parsed;
    try {
      if (request.cmd === 'subscribe') {
        stream.subscribe();
        send(okResponse(request.id, { subscribed: true }));
      } else if (request.cmd === 'unsubscribe') {
        stream.unsubscribe();
        send(okResponse(request.id, { subscribed: false }));
      } else {
        send(okResponse(request.id, (await this.handler.handle(request)) ?? {}));
      }
    } catch (error) {
      if (isDialbondError(error)) send(errorResponse(request.id, { code: error.code, message: error.message }));
      else {
        this.log.error({ err: error, cmd: request.cmd }, 'control: request failed');
        send(errorResponse(request.id, { code: 'CONTROL_FAILED', message: error instanceof Error ? error.message : String(error) }));
      }
    }
  }
}
