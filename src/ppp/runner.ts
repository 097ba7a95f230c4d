/**
 * Running one pppd: execa with an argument vector (never a shell), pppd in the foreground
 * (`nodetach`) with its log on our stderr pipe (`logfd 2`), in a process group of its own so
 * that its children (the pty command, a connect script) can be killed with it.
 *
 * Stopping is SIGTERM to pppd alone first: pppd then closes LCP politely, signals its own
 * connector/pty children (main.c term -> kill_my_pg) and exits 5. If it is still there after
 * `killAfterMs`, SIGKILL goes to the whole group. Whenever pppd ends, anything left in its
 * group is killed too, so no pty command outlives its pppd.
 *
 * execa's `cleanup` does nothing for a detached process, so this module keeps its own list
 * of running pppds and sends their groups SIGTERM when dialbond exits: pppd never outlives
 * dialbond.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { delimiter, isAbsolute, join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { DialbondError } from '../errors/index.js';
import { SecretMask } from '../log/index.js';
import { describePppExit, type PppExitInfo } from './exit-codes.js';
import { parsePppdLogLine, PppdLogReader, type PppLogEvent } from './log.js';

/** Where pppd usually lives when it is not on PATH (root's PATH has the sbin directories, a user's may not). */
export const PPPD_FALLBACK_DIRS: readonly string[] = ['/usr/sbin', '/sbin'];

/** How many of pppd's last log lines an exit report keeps. */
export const PPPD_EXIT_LINES = 50;

/** Default grace between SIGTERM and SIGKILL. */
export const DEFAULT_KILL_AFTER_MS = 5000;

/** How long to wait, after pppd exits, for the rest of its log still in the pipe. */
const LOG_DRAIN_MS = 2000;

/** How pppd ended: the exit table's entry, the raw status and signal, and its last log lines. */
export type PppdExit = PppExitInfo & {
  /** pppd's exit status, or null when a signal ended it. */
  status: number | null;
  /** The signal that ended pppd (e.g. 'SIGKILL'), or null. */
  signal: string | null;
  /** pppd's last log lines (at most PPPD_EXIT_LINES). */
  lines: string[];
};

/** Options for startPppd. */
export interface StartPppdOptions {
  /** pppd's arguments, usually from buildPppdArgs (which puts `nodetach` and `logfd 2` in). */
  args: string[];
  /** A descriptor for pppd's standard input: the handed-over line. Default: none ('ignore'). */
  stdinFd?: number;
  /** pppd's path. Default: found on PATH (env.PATH, else ours), then in /usr/sbin and /sbin. */
  pppdPath?: string;
  /** Extra environment for pppd (merged over ours; pppd passes it to the pty command, whose PATH matters). */
  env?: Record<string, string>;
  /** Aborting it stops pppd (as stop() does). */
  signal?: AbortSignal;
  /** Grace between SIGTERM and SIGKILL to the process group (default 5000 ms). */
  killAfterMs?: number;
  /** Masked in every line pppd logs before anyone sees it: with `debug` (and
   * `show-password`) pppd prints PAP requests with the password in them (upap.c). */
  secrets?: readonly string[];
}

/** Events of a running pppd. */
export interface PppdProcessEvents {
  /** A parsed log line (see parsePppdLogLine). */
  log: [event: PppLogEvent];
  /** Every raw log line. */
  line: [line: string];
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * pppd's path: the first executable `pppd` in the PATH directories, then in `fallbackDirs`
 * (/usr/sbin, /sbin). Relative PATH entries (and empty ones, which mean the current
 * directory) are skipped: a root daemon does not run programs found relative to its cwd.
 */
export function findPppd(pathEnv: string | undefined = process.env.PATH, fallbackDirs: readonly string[] = PPPD_FALLBACK_DIRS): string | undefined {
  const dirs = [...(pathEnv ?? '').split(delimiter), ...fallbackDirs].filter((dir) => dir && isAbsolute(dir));
  for (const dir of dirs) {
    const candidate = join(dir, 'pppd');
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function resolvePppd(pppdPath: string | undefined, pathEnv: string | undefined): string {
  if (pppdPath !== undefined) {
    if (!isExecutableFile(pppdPath)) {
      throw new DialbondError('PPP_NOT_FOUND', `pppd not found at ${pppdPath} (not an executable file); install the ppp package or fix the pppd path`, { pppdPath });
    }
    return pppdPath;
  }
  const found = findPppd(pathEnv);
  if (!found) {
    const searched = [...(pathEnv ?? '').split(delimiter).filter((dir) => dir && isAbsolute(dir)), ...PPPD_FALLBACK_DIRS];
    throw new DialbondError('PPP_NOT_FOUND', `pppd not found in PATH (${searched.join(delimiter)}); install the ppp package`, { searched });
  }
  return found;
}

/** Sends `signal` to process group `pgid`; false when the group is already empty (ESRCH). */
function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  return sendSignal(-pgid, signal);
}

/** process.kill that reports instead of throwing: it runs in exit handlers and timers. */
function sendSignal(target: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch {
    // ESRCH: already gone. EPERM cannot happen for our own child's group.
    return false;
  }
}

const running = new Set<PppdProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous; a signal is all we can still send. SIGTERM lets
  // each pppd take its link down and run its own cleanup (pid files, locks, ip-down).
  process.on('exit', () => {
    for (const ppp of running) killGroup(ppp.pid, 'SIGTERM');
  });
}

/**
 * A running pppd. Emits 'line' for every log line and 'log' for each parsed one. Create
 * with startPppd().
 */
export class PppdProcess extends EventEmitter<PppdProcessEvents> {
  /** pppd's process id, which is also its process group id. */
  readonly pid: number;
  /** Resolves when pppd has ended, with what its exit means. Never rejects. */
  readonly exited: Promise<PppdExit>;

  private readonly killAfterMs: number;
  private readonly lines: string[] = [];
  private stopping: Promise<PppdExit> | undefined;
  private done = false;

  /** @internal Use startPppd(), which spawns and checks that the spawn succeeded. */
  constructor(subprocess: ResultPromise, pid: number, options: StartPppdOptions) {
    super();
    this.pid = pid;
    this.killAfterMs = options.killAfterMs ?? DEFAULT_KILL_AFTER_MS;

    const mask = new SecretMask();
    for (const secret of options.secrets ?? []) mask.add(secret);
    const reader = new PppdLogReader();
    reader.on('line', (raw) => {
      const line = mask.mask(raw);
      this.lines.push(line);
      if (this.lines.length > PPPD_EXIT_LINES) this.lines.shift();
      this.emit('line', line);
      // parsed from the masked line, so no event carries a secret either
      const event = parsePppdLogLine(line);
      if (event) this.emit('log', event);
    });
    const stderr = subprocess.stderr;
    const drained = new Promise<void>((resolve) => {
      if (!stderr) return resolve();
      reader.attach(stderr);
      stderr.once('close', () => resolve());
      stderr.once('error', () => resolve());
    });

    // The 'exit' event, not execa's promise: execa also waits for stderr to close, which a
    // grandchild holding the pipe open (a pty command pppd left behind) could delay forever.
    this.exited = new Promise<PppdExit>((resolve) => {
      subprocess.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
        this.done = true;
        running.delete(this);
        // Whatever pppd left behind in its group (a pty command it did not reap) goes with it.
        killGroup(pid, 'SIGKILL');
        // The last lines may still be in the pipe; wait for them, within a bound.
        let timer: NodeJS.Timeout | undefined;
        const bound = new Promise<void>((r) => {
          timer = setTimeout(r, LOG_DRAIN_MS);
          timer.unref();
        });
        void Promise.race([drained, bound]).then(() => {
          clearTimeout(timer);
          resolve({ ...describePppExit(code, signal), status: code, signal, lines: [...this.lines] });
        });
      });
    });

    running.add(this);
    installExitHook();

    const signal = options.signal;
    if (signal) {
      const onAbort = () => void this.stop();
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        void this.exited.then(() => signal.removeEventListener('abort', onAbort));
      }
    }
  }

  /**
   * Stops pppd: SIGTERM to pppd (it terminates the link cleanly and exits 5), then SIGKILL
   * to its whole process group if it has not exited after `killAfterMs`. Idempotent;
   * resolves with how pppd ended (at once if it already had).
   */
  stop(): Promise<PppdExit> {
    if (this.stopping) return this.stopping;
    if (this.done) return (this.stopping = this.exited);
    const pid = this.pid;
    // pppd alone: it passes SIGTERM on to its connector/pty children itself.
    sendSignal(pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (!this.done) killGroup(pid, 'SIGKILL');
    }, this.killAfterMs);
    this.stopping = this.exited.finally(() => clearTimeout(timer));
    return this.stopping;
  }
}

/**
 * Starts pppd. Every failure to start is reported here, synchronously, before or instead
 * of a process: pppd missing (PPP_NOT_FOUND, naming where it looked) is checked before
 * anything is spawned; a spawn the system refuses anyway throws PPP_START_FAILED. A
 * returned PppdProcess therefore always has a pid, and its `exited` never rejects.
 *
 * @throws DialbondError PPP_NOT_FOUND, PPP_START_FAILED, PPP_OPTIONS (an argument or option that cannot be passed).
 */
export function startPppd(options: StartPppdOptions): PppdProcess {
  if (!Array.isArray(options.args) || options.args.some((arg) => typeof arg !== 'string' || arg.includes('\0'))) {
    throw new DialbondError('PPP_OPTIONS', 'pppd arguments must be strings without NUL characters', { field: 'args' });
  }
  if (options.stdinFd !== undefined && (!Number.isInteger(options.stdinFd) || options.stdinFd < 0)) {
    throw new DialbondError('PPP_OPTIONS', `stdinFd: expected an open file descriptor (got ${options.stdinFd})`, { field: 'stdinFd' });
  }
  const killAfterMs = options.killAfterMs ?? DEFAULT_KILL_AFTER_MS;
  if (!Number.isInteger(killAfterMs) || killAfterMs < 0) throw new DialbondError('PPP_OPTIONS', `killAfterMs: expected a non-negative integer (got ${killAfterMs})`, { field: 'killAfterMs' });
  const file = resolvePppd(options.pppdPath, options.env?.PATH ?? process.env.PATH);

  const subprocess = execa(file, options.args, {
    // An argument vector, never a shell string.
    shell: false,
    // execa's types list only descriptors 0 and 3..9; any open descriptor works at run time.
    stdin: (options.stdinFd ?? 'ignore') as 'ignore',
    stdout: 'ignore',
    stderr: 'pipe',
    // We read stderr line by line ourselves; execa's buffer would grow without bound.
    buffer: false,
    // A process group (and session) of its own: setsid(2). That is also pppd's natural
    // state once it daemonizes (main.c detach), so nothing in pppd relies on sharing ours.
    detached: true,
    // A no-op for a detached process in execa; this module's exit hook does the job.
    cleanup: true,
    // pppd's exit status is a report, not an exception: 'exit' is read directly.
    reject: false,
    ...(options.env ? { env: options.env } : {}),
  });
  const pid = subprocess.pid;
  if (pid === undefined) {
    // Node reports the reason only asynchronously; execa resolves (reject: false) with it.
    void subprocess.then(() => undefined);
    if (!isExecutableFile(file)) {
      throw new DialbondError('PPP_NOT_FOUND', `pppd not found at ${file} (it vanished as it was started); install the ppp package`, { pppdPath: file });
    }
    throw new DialbondError('PPP_START_FAILED', `cannot start pppd (${file}): the system refused to run it (out of processes or memory?); try again`, { pppdPath: file });
  }
  return new PppdProcess(subprocess, pid, options);
}
