/**
 * `dialbond daemon`: the supervisor with its real parts, the control socket, the health
 * and traffic monitors and optional metrics, started and ended in the right order.
 *
 * Start: read the configuration; refuse when another daemon answers on the socket; clean
 * what a crashed run left; create the bundle and start every link; then serve the socket.
 * Stop: monitors, every link (pppd ended, modem hung up, lock released), the bundle, the
 * socket. Signals are the caller's (src/cli/commands/daemon.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BundleConfig } from '../bundle/index.js';
import { isModemLink, loadConfig, type DialbondConfig } from '../config/index.js';
import { ControlServer, dispatchTo, socketInUse, type ControlHandler } from '../control/index.js';
import { detectResolverBackend, DnsManager, restoreDnsAfterCrash, type DnsLink } from '../dns/index.js';
import { DialbondError } from '../errors/index.js';
import { Link } from '../link/index.js';
import { SecretMask, type Logger } from '../log/index.js';
import { atExchange, defaultLockDir, type AtAnswer } from '../modem/index.js';
import { createBundle, currentDeviceOf, linkConfigOf, secretsOf, Supervisor, type ReloadResult, type SupervisorEvent } from '../supervisor/index.js';
import { interfaceExists, readSysctl, RouterJournal, SysctlJournal, systemExec, writeSysctl } from '../sys/index.js';
import { systemClock, type Clock } from '../util/index.js';
import { cleanLeftovers } from './leftovers.js';
import { HealthMonitor } from './health.js';
import { TrafficMonitor } from './traffic.js';
import { MetricsServer } from './metrics.js';
import { OnDemand } from './on-demand.js';

export interface DaemonOptions {
  configFile: string;
  logger: Logger;
  /** Secrets registered here are masked in every log line. */
  secrets: SecretMask;
  /** State: pppd's password files, the sysctl journal. Default /run/dialbond. */
  runDir?: string;
  /** Overrides the configuration's control socket path. */
  socketPath?: string;
  lockDir?: string;
  pppdPath?: string;
  clock?: Clock;
}

/** Supervisor events after which the resolver may need other servers: a link up or down,
 * in or out of the bundle, a peer's servers arriving, a reload. */
const DNS_TRIGGERS: ReadonlySet<SupervisorEvent['type']> = new Set(['link', 'bundle', 'bundle-error', 'dns', 'reload']);

export class Daemon {
  private supervisor!: Supervisor;
  private control: ControlServer | undefined;
  private health: HealthMonitor | undefined;
  private traffic: TrafficMonitor | undefined;
  private metrics: MetricsServer | undefined;
  private onDemand: OnDemand | undefined;
  private dns: DnsManager | undefined;
  private config!: DialbondConfig;
  private readonly log: Logger;
  private readonly runDir: string;
  private readonly lockDir: string;
  private readonly clock: Clock;
  private stopping: Promise<void> | undefined;
  /** Every change the bundle makes to the router, to give it back (see RouterJournal). */
  private journal: RouterJournal | undefined;

  private constructor(private readonly options: DaemonOptions) {
    this.log = options.logger;
    this.runDir = options.runDir ?? '/run/dialbond';
    this.lockDir = options.lockDir ?? defaultLockDir();
    this.clock = options.clock ?? systemClock;
  }

  static async start(options: DaemonOptions): Promise<Daemon> {
    const daemon = new Daemon(options);
    await daemon.begin();
    return daemon;
  }

  get socketPath(): string {
    return this.options.socketPath ?? this.config.control.socket;
  }

  private async begin(): Promise<void> {
    this.config = loadConfig(this.options.configFile).config;
    const socket = this.socketPath;
    if (await socketInUse(socket)) throw new DialbondError('DAEMON_RUNNING', `another dialbond daemon answers on ${socket}; stop it first`, { path: socket });
    mkdirSync(join(this.runDir, 'ppp'), { recursive: true, mode: 0o700 });

    const found = await cleanLeftovers({
      linkNames: this.config.links.map((l) => l.name),
      devices: this.config.links.flatMap((l) => (isModemLink(l) ? [currentDeviceOf(l)].filter((d): d is string => d !== undefined) : [])),
      lockDir: this.lockDir,
      secretsDir: join(this.runDir, 'ppp'),
    });
    // After the orphan pppd are gone (their interfaces and routes with them), before the
    // bundle: a journal file means a run that did not stop cleanly; undo it first, so this
    // run records the router's own state, not the dead run's.
    const journal = new RouterJournal({
      file: join(this.runDir, 'journal.json'),
      exec: systemExec,
      exists: interfaceExists,
      report: (putBack) => this.log.info({ putBack }, 'gave the router back what the bundle had changed'),
    });
    this.journal = journal;
    if (journal.inherited > 0) {
      const putBack = await journal.restore();
      found.push(`router state a previous run changed: ${putBack.length > 0 ? `put back: ${putBack.join('; ')}` : 'nothing left to put back'}`);
    }
    // The sysctl-only journal of earlier versions.
    const legacy = new SysctlJournal(readSysctl, writeSysctl, join(this.runDir, 'sysctl.json'));
    if (legacy.inherited.length > 0) {
      legacy.restore();
      found.push(`sysctls a previous run changed, put back: ${legacy.inherited.join(', ')}`);
    }
    // The resolver as a killed run left it, before any line brings servers (src/dns).
    found.push(...(await restoreDnsAfterCrash(this.runDir)));

    this.supervisor = new Supervisor(this.config, {
      createLink: (config) => {
        for (const secret of secretsOf(config)) this.options.secrets.add(secret);
        return new Link(config, { ...(this.options.pppdPath !== undefined ? { pppdPath: this.options.pppdPath } : {}), clock: this.clock, logger: this.log });
      },
      createBundle: (config: BundleConfig) => createBundle(config, { sysctl: journal, exec: journal.exec }),
      linkConfig: (link, config) => linkConfigOf(link, config, { runDir: join(this.runDir, 'ppp'), lockDir: this.lockDir }),
      clock: this.clock,
      logger: this.log,
    });
    this.supervisor.on('event', (event) => this.logEvent(event));
    this.dns = this.dnsManager();
    this.supervisor.on('event', (event) => {
      if (DNS_TRIGGERS.has(event.type)) void this.dns?.update();
    });
    if (found.length > 0) {
      this.log.warn({ found }, 'cleaned up after a previous run that did not stop cleanly');
      this.supervisor.emit('event', { type: 'cleanup', found, atMs: this.clock.now() });
    }

    try {
      const onDemand = this.config.supervisor.onDemand;
      await this.supervisor.start(onDemand ? { deferred: OnDemand.deferred(this.config.links.map((l) => l.name), onDemand.minLinks) } : {});
      const { server, replacedStale } = await ControlServer.listen(
        { path: socket, mode: parseInt(this.config.control.mode, 8), ...(this.config.control.group !== undefined ? { group: this.config.control.group } : {}), logger: this.log },
        this.handler(),
      );
      this.control = server;
      if (replacedStale) this.log.warn({ socket }, 'replaced a control socket file left by a previous run');
      this.startMonitors();
      if (this.config.metrics) this.metrics = await MetricsServer.listen(this.config.metrics.listen, this.supervisor);
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.log.info({ socket, links: this.config.links.length, mode: this.config.bundle.mode }, 'daemon running');
  }

  /** Ends everything; safe to call more than once (later calls wait for the first). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopMonitors();
      await this.metrics?.close();
      await this.supervisor?.stop();
      await this.dns?.close();
      // The bundle's destroy restored the journal already; this catches a destroy that failed halfway.
      await this.journal?.restore().catch((error: unknown) => this.log.warn({ err: error }, 'could not give the router back everything the bundle changed'));
      await this.control?.close();
      this.log.info('daemon stopped');
    })();
    return this.stopping;
  }

  /** One line for the service manager (systemd's STATUS=): how many links are up and bundled.
   * Reads only the supervisor's state, no I/O, so it can follow every event. */
  summary(): string {
    const links = this.config.links.flatMap((l) => {
      try {
        return [this.supervisor.linkStatus(l.name)];
      } catch {
        return []; // a reload in progress: the link is not the supervisor's yet
      }
    });
    const up = links.filter((l) => l.state === 'up').length;
    const bundled = links.filter((l) => l.bundled).length;
    const parked = links.filter((l) => l.state === 'parked').length;
    const waiting = links.filter((l) => l.state === 'waiting').length;
    return `${up} of ${links.length} links up, ${bundled} in the ${this.config.bundle.mode} bundle${parked > 0 ? `, ${parked} parked` : ''}${waiting > 0 ? `, ${waiting} waiting for their device` : ''}`;
  }

  /** Calls `listener` on every supervisor event; returns the function that stops it. */
  onEvent(listener: (event: SupervisorEvent) => void): () => void {
    this.supervisor.on('event', listener);
    return () => this.supervisor.off('event', listener);
  }

  /** Reads the configuration file again and applies it; a bad file changes nothing. */
  async reload(): Promise<ReloadResult> {
    const next = loadConfig(this.options.configFile).config;
    if (next.control.socket !== this.config.control.socket && this.options.socketPath === undefined) {
      this.log.warn({ socket: next.control.socket }, 'control.socket changed: takes effect at the next start');
    }
    const result = await this.supervisor.reload(next);
    this.config = next;
    await this.dns?.setSetting(next.dns);
    this.stopMonitors();
    this.startMonitors();
    return result;
  }

  /** The router's resolver kept in step with the links that are up and in the bundle. */
  private dnsManager(): DnsManager {
    return new DnsManager({
      setting: this.config.dns,
      links: () =>
        this.supervisor.bundledLinks().flatMap((l): DnsLink[] => {
          const status = this.supervisor.linkStatus(l.name);
          return status.state === 'up' ? [{ name: l.name, ifname: l.ifname, servers: status.dns ?? [] }] : [];
        }),
      backend: () => detectResolverBackend({ exec: systemExec, runDir: this.runDir }),
      onChange: (change) => this.supervisor.notify({ type: 'resolver', ...change, atMs: this.clock.now() }),
    });
  }

  private stopMonitors(): void {
    this.health?.stop();
    this.traffic?.stop();
    this.onDemand?.stop();
  }

  private startMonitors(): void {
    const s = this.config.supervisor;
    if (s.health.probe) {
      this.health = new HealthMonitor(this.supervisor, { ...s.health.probe, clock: this.clock, logger: this.log });
      this.health.start();
    }
    this.traffic = new TrafficMonitor(this.supervisor, { ...s.starvation, clock: this.clock, rebalance: this.config.links.every((l) => l.weight === undefined) });
    this.traffic.start();
    if (s.onDemand) {
      const o = s.onDemand;
      this.onDemand = new OnDemand(this.supervisor, { minLinks: o.minLinks, upAbove: o.upAbove, forMs: o.for, idleDownMs: o.idleDown, sampleMs: Math.max(1000, Math.min(5000, o.for / 3)), clock: this.clock });
      this.onDemand.start();
    }
  }

  private handler(): ControlHandler {
    return {
      handle: dispatchTo({
        ping: async () => ({ pong: true, pid: process.pid }),
        status: () => this.supervisor.status(),
        links: async () => (await this.supervisor.status()).links,
        link: async ({ link }) => this.supervisor.linkDetail(link),
        dial: async ({ link, force }) => {
          this.supervisor.dial(link, { force: force === true });
          return this.supervisor.linkStatus(link);
        },
        hangup: async ({ link }) => {
          this.supervisor.hangUp(link);
          return this.supervisor.linkStatus(link);
        },
        enslave: async ({ link }) => {
          await this.supervisor.enslave(link);
          return this.supervisor.linkStatus(link);
        },
        emancipate: async ({ link }) => {
          await this.supervisor.emancipate(link);
          return this.supervisor.linkStatus(link);
        },
        reload: () => this.reload(),
        at: ({ link, command }) => this.terminal(link, command),
      }),
      subscribe: (listener) => {
        const on = (event: SupervisorEvent) => listener(event);
        this.supervisor.on('event', on);
        return () => this.supervisor.off('event', on);
      },
    };
  }

  /** The console's AT terminal: one command to the modem of a link that is not in use. */
  private async terminal(name: string, command: string): Promise<AtAnswer> {
    const status = this.supervisor.linkStatus(name);
    const link = this.config.links.find((l) => l.name === name);
    if (!link || !isModemLink(link)) throw new DialbondError('DAEMON_STATE', `${name} is a pty link: it has no modem to talk to`, { link: name });
    if (status.state !== 'parked' && status.state !== 'idle') {
      throw new DialbondError('DAEMON_STATE', `${name} is ${status.state}: hang it up first ("dialbond down ${name}"), the modem is in use`, { link: name, state: status.state });
    }
    const device = currentDeviceOf(link);
    if (device === undefined) throw new DialbondError('MODEM_NO_DEVICE', `${name}: no serial port fits its match (is the modem plugged in?)`, { link: name });
    return atExchange({ device, command, lockDir: this.lockDir, ...(link.baud !== undefined ? { baudRate: link.baud } : {}) });
  }

  private logEvent(event: SupervisorEvent): void {
    const { type, ...rest } = event;
    const level = type === 'bundle-error' || (type === 'health' && !event.ok) || (type === 'resolver' && event.error !== undefined) ? 'warn' : 'info';
    this.log[level]({ event: type, ...rest }, type);
  }
}
