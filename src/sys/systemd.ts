/**
 * systemd's service notifications (sd_notify(3)), for `Type=notify` units: READY=1 once the
 * daemon can be talked to, STATUS= with a one-line summary, WATCHDOG=1 at half the unit's
 * WatchdogSec, STOPPING=1 when it begins to stop. The socket is an AF_UNIX datagram socket
 * named by NOTIFY_SOCKET ("@name" for an abstract one); Node has none, so the datagrams go
 * through the native helper (native/pty.c notify()).
 *
 * The watchdog is fed by a timer on the daemon's own event loop: if the loop is stuck, the
 * timer does not run, systemd sees no WATCHDOG=1 and restarts the service, which is the point.
 */
import { systemErrorCode } from '../errors/index.js';
import { systemClock, type Clock } from '../util/index.js';
import { loadPtyNative } from './pty.js';

/** What the native helper offers for the notification protocol. */
export interface NotifyNative {
  notify(socketPath: string, text: string): void;
  notifyListen(socketPath: string): number;
  notifyReceive(fd: number): string | null;
  closeFd(fd: number): void;
}

export function loadNotifyNative(): NotifyNative {
  return loadPtyNative() as unknown as NotifyNative;
}

/** The service manager's side as systemd sets it in our environment. */
export interface SystemdSettings {
  socket: string;
  /** Half of WatchdogSec (how often to send WATCHDOG=1), or null when no watchdog is set. */
  watchdogEveryMs: number | null;
}

/**
 * Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID, and removes them from `env`, as
 * sd_notify's unset_environment does: pppd and the other children must not notify in our
 * name (with NotifyAccess=main systemd would drop it, with =all it would be believed).
 * Null when not started by systemd with Type=notify.
 */
export function systemdSettingsFrom(env: NodeJS.ProcessEnv = process.env, pid = process.pid): SystemdSettings | null {
  const socket = env.NOTIFY_SOCKET;
  const usec = env.WATCHDOG_USEC;
  const watchdogPid = env.WATCHDOG_PID;
  delete env.NOTIFY_SOCKET;
  delete env.WATCHDOG_USEC;
  delete env.WATCHDOG_PID;
  if (!socket || !(socket.startsWith('/') || socket.startsWith('@'))) return null;
  // WATCHDOG_PID names the process the watchdog is meant for; another one's is not ours.
  const forUs = watchdogPid === undefined || watchdogPid === '' || Number(watchdogPid) === pid;
  const micros = usec !== undefined && /^\d+$/.test(usec) ? Number(usec) : 0;
  return { socket, watchdogEveryMs: forUs && micros > 0 ? Math.max(1, Math.floor(micros / 2000)) : null };
}

export interface SystemdNotifierOptions {
  settings: SystemdSettings;
  /** Sends one datagram; the native helper's notify() by default. */
  send?: (socket: string, text: string) => void;
  clock?: Clock;
  /** Told once when a notification could not be sent (the daemon goes on without). */
  onError?: (message: string) => void;
}

export class SystemdNotifier {
  private readonly send: (socket: string, text: string) => void;
  private readonly clock: Clock;
  private watchdogTimer: unknown;
  private watchdogOn = false;
  private lastStatus: string | undefined;
  private failed = false;
  private isStopping = false;

  constructor(private readonly options: SystemdNotifierOptions) {
    this.send = options.send ?? ((socket, text) => loadNotifyNative().notify(socket, text));
    this.clock = options.clock ?? systemClock;
  }

  /** A notifier when systemd asked for notifications (and the environment cleaned), else null. */
  static fromEnvironment(options: Omit<SystemdNotifierOptions, 'settings'> & { env?: NodeJS.ProcessEnv } = {}): SystemdNotifier | null {
    const settings = systemdSettingsFrom(options.env ?? process.env);
    return settings ? new SystemdNotifier({ ...options, settings }) : null;
  }

  /** Starts feeding the watchdog (when the unit has one). */
  startWatchdog(): void {
    if (this.options.settings.watchdogEveryMs === null || this.watchdogOn) return;
    this.watchdogOn = true;
    this.scheduleWatchdog(this.options.settings.watchdogEveryMs);
  }

  private scheduleWatchdog(everyMs: number): void {
    this.watchdogTimer = this.clock.setTimeout(() => {
      if (!this.watchdogOn) return;
      this.notify('WATCHDOG=1');
      this.scheduleWatchdog(everyMs);
    }, everyMs);
    // The watchdog alone must not keep a finished process alive.
    (this.watchdogTimer as { unref?: () => void } | undefined)?.unref?.();
  }

  private stopWatchdog(): void {
    this.watchdogOn = false;
    if (this.watchdogTimer !== undefined) this.clock.clearTimeout(this.watchdogTimer);
    this.watchdogTimer = undefined;
  }

  /** The daemon answers on its socket and every link has started. */
  ready(status: string): void {
    this.lastStatus = status;
    this.notify(`READY=1\nSTATUS=${oneLine(status)}`);
  }

  /** A new one-line summary for `systemctl status`; sent only when it changed. */
  status(status: string): void {
    // Once stopping, links going down say nothing new: the "stopping" line stays.
    if (status === this.lastStatus || this.isStopping) return;
    this.lastStatus = status;
    this.notify(`STATUS=${oneLine(status)}`);
  }

  /** The daemon is stopping: systemd waits for it (up to TimeoutStopSec) instead of thinking it failed. */
  stopping(status: string): void {
    this.isStopping = true;
    this.stopWatchdog();
    this.lastStatus = status;
    this.notify(`STOPPING=1\nSTATUS=${oneLine(status)}`);
  }

  /** Stops the watchdog timer (the process is about to end). */
  close(): void {
    this.stopWatchdog();
  }

  private notify(text: string): void {
    try {
      this.send(this.options.settings.socket, text);
      this.failed = false;
    } catch (error) {
      if (this.failed) return;
      this.failed = true;
      this.options.onError?.(`cannot notify systemd at ${this.options.settings.socket} (${systemErrorCode(error) ?? String(error)}): ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 400);
}
