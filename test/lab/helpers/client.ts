/**
 * A client pppd in the lab, on a modem's device (dialed by chat, the classic way) or on
 * a line dialbond already connected (the descriptor becomes pppd's standard input). Its
 * log (logfd 2) is read line by line to learn the interface and see why it ended.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTtyRate } from '../../../src/sys/index.js';

export interface PppClientOptions {
  /** The modem device, dialed by chat(8) through pppd's connect option... */
  device?: string;
  number?: string;
  /** ...or the descriptor of a line that is already connected. */
  fd?: number;
  local: string;
  remote: string;
  lcpEchoInterval?: number;
  lcpEchoFailure?: number;
  extra?: string[];
  /** Multilink PPP (default off): `multilink endpoint <endpoint>`. A link that joins an
   * existing bundle does no IPCP of its own: up() then returns the bundle's interface. */
  multilink?: { endpoint: string };
  /** The rate the line carries, told to the device's tty before pppd opens it, as dialbond
   * does on a port whose rate moves nothing (multilink sizes fragments by it); pppd is then
   * given no speed. Without it, pppd sets the tty to 115200. */
  ttyRate?: number;
}

export class PppClient {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private waiters: Array<() => void> = [];
  exitCode: number | null | undefined;
  private readonly multilink: boolean;

  constructor(options: PppClientOptions) {
    if (options.device && options.ttyRate !== undefined) {
      // The simulator holds the pty's master, so the rate stays for pppd's open.
      const fd = openSync(options.device, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
      try {
        setTtyRate(fd, options.ttyRate);
      } finally {
        closeSync(fd);
      }
    }
    const args = [
      ...(options.device ? [options.device, ...(options.ttyRate !== undefined ? [] : ['115200']), 'connect', `/usr/sbin/chat -s -t 20 '' AT OK ATDT${options.number ?? '5551234'} CONNECT ''`] : []),
      'nodetach', 'noauth', 'local', 'nolock', 'nodefaultroute', 'noipdefault',
      'novj', 'novjccomp', 'nodeflate', 'nobsdcomp', 'mtu', '1500', 'mru', '1500',
      'lcp-echo-interval', String(options.lcpEchoInterval ?? 1), 'lcp-echo-failure', String(options.lcpEchoFailure ?? 3),
      'logfd', '2', `${options.local}:${options.remote}`,
      ...(options.multilink ? ['multilink', 'endpoint', options.multilink.endpoint] : []),
      ...(options.extra ?? []),
    ];
    this.multilink = options.multilink !== undefined;
    this.child = spawn('pppd', args, { stdio: [options.fd ?? 'ignore', 'ignore', 'pipe'] });
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      this.lines.push(line);
      for (const w of [...this.waiters]) w();
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        this.exitCode = code;
        for (const w of [...this.waiters]) w();
        resolve(code);
      }),
    );
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Resolves with the first log line matching `pattern`; rejects after `ms` or on exit. */
  waitFor(pattern: RegExp, ms: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (const line of this.lines) {
          const match = pattern.exec(line);
          if (match) return done(() => resolve(match));
        }
        if (this.exitCode !== undefined) done(() => reject(new Error(`pppd exited (${this.exitCode}) before ${pattern}; log:\n${this.lines.join('\n')}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} from pppd within ${ms} ms; log:\n${this.lines.join('\n')}`))), ms);
      const done = (fn: () => void) => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        fn();
      };
      this.waiters.push(check);
      check();
    });
  }

  /** Waits for IPCP to finish; returns the interface name. */
  async up(ms = 60_000): Promise<string> {
    if (this.multilink) {
      // pppd 2.4.9 multilink.c: "Link attached to pppN" when joining, "New bundle pppN created" then IPCP when first
      const [, attached] = await this.waitFor(/Link attached to (ppp\d+)|remote IP address/, ms);
      if (attached) return attached;
    }
    await this.waitFor(/remote IP address/, ms);
    const [, ifname] = await this.waitFor(/Using interface (ppp\d+)/, 1000);
    return ifname as string;
  }

  /** SIGTERM, then SIGKILL if it does not end within 10 s. */
  async stop(): Promise<number | null> {
    if (this.exitCode !== undefined) return this.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
