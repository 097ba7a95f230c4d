/**
 * `dialbond daemon` as a separate process for lab tests: started from a config file,
 * talked to over its control socket, signalled and killed like a real one. Its log (JSON
 * lines on stdout) is kept to show when something fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ControlClient } from '../../../src/control/index.js';
import type { SupervisorEvent, SupervisorStatus } from '../../../src/supervisor/index.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

export class DaemonProcess {
  readonly log: string[] = [];
  readonly events: Array<SupervisorEvent & { seenAtMs: number }> = [];
  private client: ControlClient | undefined;
  private exitStatus: Promise<{ code: number | null; signal: string | null }>;

  private constructor(
    readonly child: ChildProcess,
    readonly socket: string,
  ) {
    let partial = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      this.log.push(...lines);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.log.push(...chunk.split('\n').filter(Boolean)));
    this.exitStatus = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Starts a daemon and waits until its socket answers (rejects with its log if it exits first). */
  static async start(options: { config: string; socket: string; runDir: string; timeoutMs?: number }): Promise<DaemonProcess> {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'dialbond'), 'daemon', '-c', options.config, '--socket', options.socket, '--run-dir', options.runDir, '--log-level', 'debug'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env },
    });
    const daemon = new DaemonProcess(child, options.socket);
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    let exited = false;
    void daemon.exitStatus.then(() => (exited = true));
    for (;;) {
      if (exited) throw new Error(`the daemon exited while starting:\n${daemon.tail()}`);
      try {
        daemon.client = await ControlClient.connect(options.socket, 2000);
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`the daemon did not answer on ${options.socket}:\n${daemon.tail()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    daemon.client.on('event', (event) => daemon.events.push({ ...(event as SupervisorEvent), seenAtMs: Date.now() }));
    await daemon.client.request('subscribe');
    return daemon;
  }

  get control(): ControlClient {
    if (!this.client) throw new Error('not connected');
    return this.client;
  }

  status(): Promise<SupervisorStatus> {
    return this.control.request('status');
  }

  /** Resolves with the status once `ready(status)` holds; rejects after `ms` with the log. */
  async until(ready: (s: SupervisorStatus) => boolean, ms: number, what: string): Promise<SupervisorStatus> {
    const deadline = Date.now() + ms;
    for (;;) {
      const status = await this.status();
      if (ready(status)) return status;
      if (Date.now() > deadline) {
        throw new Error(`daemon: not ${what} within ${ms} ms; links: ${JSON.stringify(status.links.map((l) => [l.name, l.state, l.bundled, l.reason?.message]))}\n${this.tail()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The first event after `sinceMs` that matches, waiting up to `ms`. */
  async event(match: (e: SupervisorEvent) => boolean, sinceMs: number, ms: number, what: string): Promise<SupervisorEvent & { seenAtMs: number }> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.events.find((e) => e.seenAtMs >= sinceMs && match(e));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`daemon: no event "${what}" within ${ms} ms\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** The end of a test's daemon: SIGTERM to one still running, SIGKILL when it has not
   * ended within `ms`, and a wait for its end after that. */
  static async stopIfRunning(daemon: DaemonProcess | undefined, ms = 20_000): Promise<void> {
    if (!daemon || daemon.child.exitCode !== null || daemon.child.signalCode !== null) return;
    daemon.signal('SIGTERM');
    try {
      await daemon.exited(ms);
    } catch {
      daemon.signal('SIGKILL');
      await daemon.exited(10_000).catch(() => undefined);
    }
  }

  /** Waits for the process to end. */
  async exited(ms: number): Promise<{ code: number | null; signal: string | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the daemon did not exit within ${ms} ms\n${this.tail()}`)), ms);
    });
    try {
      return await Promise.race([this.exitStatus, timeout]);
    } finally {
      clearTimeout(timer);
      this.client?.close();
    }
  }

  tail(lines = 40): string {
    return this.log.slice(-lines).join('\n');
  }
}
