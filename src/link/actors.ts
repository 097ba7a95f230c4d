/**
 * The link machine's real effects, for one link: claiming its port (the modem's plan and
 * the UUCP lock), the modem machine over the port, the hand-over of the connected tty
 * (its rate set to what the line carries, where the port's rate moves nothing), pppd on it
 * (or with a pty command), and the end of a call (pppd stopped, the line taken back). A
 * link's port and pppd can be replaced (host tests give fakes); everything else runs as in
 * production.
 */
import { fromCallback, fromPromise, type EventObject } from 'xstate';
import { errorCodeOf, errorMessageOf } from '../errors/index.js';
import { claimPort, buildModemPlan, isPseudoTerminal, modemAsChild, portRateRole, type PortRateRole, ReopeningIo, resolveUsbMatch, SerialModemIo, takeLineBack, whenUsbPortAppears, type HandoverIo, type UsbMatch } from '../modem/index.js';
import { buildPppdArgs, startPppd, writePppSecretsFile, type PppdExit, type PppdProcessEvents, type PppLogEvent, type StartPppdOptions } from '../ppp/index.js';
import { acceptRouterAdvertisements, setTtyRate, solicitRouterDns, systemExec, ttyRate, whenPathExists, type AdvertisedDns } from '../sys/index.js';
import type { Logger } from '../log/index.js';
import { systemClock, type Clock } from '../util/clock.js';
import { lineRateOf } from './line-rate.js';
import { rotatedNumbers, type PppdInput, type Claim, type DialInput, type LinkEvent, type LinkPppEvent, type RunningPppd } from './vocabulary.js';
import type { PppExit } from './reasons.js';
import { secretsOf, type LinkConfig, type ModemLinkConfig } from './types.js';

/** The part of pppd's log the link machine reacts to. */
export function linkEventOf(event: PppLogEvent): LinkPppEvent | undefined {
  switch (event.type) {
    case 'interface':
      return { type: 'interface', ifname: event.ifname };
    case 'bundle-joined':
      return { type: 'bundle-joined', ifname: event.ifname };
    case 'local-ip':
      return { type: 'local-ip', address: event.address };
    case 'remote-ip':
      return { type: 'remote-ip', address: event.address };
    case 'local-ll':
    case 'remote-ll':
      return { type: event.type, address: event.address };
    case 'dns':
      return { type: 'dns', rank: event.rank, address: event.address };
    case 'peer-dead':
    case 'link-disconnected':
      return { type: 'peer-dead' };
    case 'hangup':
      return { type: 'hangup' };
    case 'auth-failed':
      return { type: 'auth-failed' };
    default:
      return undefined;
  }
}

/** pppd's argument vector for a link: a handed-over line is pppd's stdin (no device). */
export function pppdArgsFor(config: LinkConfig, optionsFile?: string, lineSignals: (device: string) => boolean = (device) => !isPseudoTerminal(device)): string[] {
  const { password: _password, ...ppp } = config.ppp;
  return buildPppdArgs({
    ...ppp,
    linkName: config.name,
    ...(config.kind === 'pty' ? { ptyCommand: config.command } : {}),
    ...(config.kind === 'modem' ? carrierOptions(config, lineSignals) : {}),
    ...(optionsFile !== undefined ? { optionsFile } : {}),
  });
}

/**
 * How pppd treats a modem's line: a real serial line whose modem raises DCD is watched
 * (`modem`): a dropped carrier hangs the tty up and pppd ends at once, where `local` would
 * leave it to the LCP echoes (seconds). RTS/CTS as the profile says. A pty has neither
 * signal (`lineSignals` false): `local`.
 */
export function carrierOptions(config: ModemLinkConfig, lineSignals: (device: string) => boolean): { modemControl: boolean; hardwareFlow?: boolean } {
  if (!lineSignals(config.device)) return { modemControl: false };
  return { modemControl: config.profile.carrierDetect, hardwareFlow: config.profile.flowControl === 'hardware' };
}

/** What the link machine needs of a running pppd: src/ppp's PppdProcess, or a fake. */
export interface PppdHandle extends RunningPppd {
  readonly exited: Promise<PppdExit>;
  on<K extends keyof PppdProcessEvents>(event: K, listener: (...args: PppdProcessEvents[K]) => void): unknown;
}

export interface LinkActorDeps {
  /** pppd to run (tests and unusual installs); found on PATH by default. */
  pppdPath?: string;
  /** Starts pppd; src/ppp's startPppd by default (host tests give a fake). */
  startPppd?: (options: StartPppdOptions) => PppdHandle;
  /** The port for a fresh session on the link's device; a serial port by default. */
  openPort?: (config: ModemLinkConfig) => HandoverIo;
  /** Each line pppd logs, secrets masked. */
  onPppLine?: (line: string) => void;
  /** Told about a stale UUCP lock that was removed. */
  onStaleLock?: (info: { file: string; pid: number | undefined }) => void;
  /** The DTR hold at a hang-up waits on it. */
  clock?: Clock;
  /** Calls back once `device` exists; returns a stop function (src/sys's whenPathExists by default). */
  whenDeviceExists?: (device: string, onPresent: () => void) => () => void;
  /** The same for a matched USB modem (src/modem's whenUsbPortAppears by default). */
  whenMatchAppears?: (match: UsbMatch, onPresent: () => void) => () => void;
  /** Finds a matched USB modem's tty (src/modem's resolveUsbMatch, over sysfs, by default). */
  resolveMatch?: (match: UsbMatch) => string;
  /** Whether a port's rate is the wire's (src/modem's portRateRole, over sysfs, by default). */
  portRateRole?: (device: string) => PortRateRole;
  /** Sets a handed-over line's tty rate (src/sys's setTtyRate by default). */
  setTtyRate?: (fd: number, bps: number) => number;
  /** Reads a handed-over line's tty rate (src/sys's ttyRate by default). */
  ttyRate?: (fd: number) => number;
  /** Readies a line's interface for IPv6 router advertisements (src/sys's
   * acceptRouterAdvertisements by default), for links with `ppp.ipv6`. */
  acceptRouterAdvertisements?: (ifname: string) => void;
  /** Asks the router on a line for the DNS servers it advertises (src/sys's
   * solicitRouterDns, with rdisc6, by default), for links with `ppp.ipv6` and `dns: peer`. */
  routerDns?: (ifname: string, signal: AbortSignal) => Promise<AdvertisedDns>;
  /** Where a tty rate that could not be set, or an interface not readied for IPv6, is reported. */
  logger?: Logger;
}

/** The link's port: a new serial port (or the given one) at each dial, on the device the
 * dial's claim found (`device()`: a matched USB modem may be renumbered between dials). */
function linkPort(config: LinkConfig, deps: LinkActorDeps, device: () => string): HandoverIo | null {
  if (config.kind !== 'modem') return null;
  const open = deps.openPort ?? ((c: ModemLinkConfig) => new SerialModemIo({ device: c.device, baudRate: c.baudRate ?? c.profile.baudRate, flowControl: c.profile.flowControl }));
  return new ReopeningIo(config.device, () => open({ ...config, device: device() }));
}

/**
 * The rate the call's line carries (line-rate.ts), told to its tty where the port's rate
 * moves nothing, before pppd attaches the line: multilink PPP sizes fragments by the rate
 * the tty has then (src/sys/tty-rate.ts). On a port whose rate is the wire's it stays.
 * Returns both: the line's rate, and the tty's as pppd gets it (null where not known).
 */
function lineRateOnTty(link: LinkConfig, device: string, connectSpeed: number | null, fd: number | null, deps: LinkActorDeps): { lineRate: number | null; ttyRate: number | null } {
  if (link.kind !== 'modem' || fd === null) return { lineRate: lineRateOf(link, { connectSpeed, port: 'free' }) ?? null, ttyRate: null };
  const port = (deps.portRateRole ?? portRateRole)(device);
  const lineRate = lineRateOf(link, { connectSpeed, port }) ?? null;
  try {
    if (port === 'free' && lineRate !== null) return { lineRate, ttyRate: (deps.setTtyRate ?? setTtyRate)(fd, lineRate) };
  } catch (error) {
    // Not fatal: multilink then splits packets as the tty's rate says, as it did before.
    deps.logger?.warn({ err: error, device, rate: lineRate }, `could not set the tty rate of ${device} to ${lineRate} bit/s`);
  }
  try {
    return { lineRate, ttyRate: (deps.ttyRate ?? ttyRate)(fd) };
  } catch {
    return { lineRate, ttyRate: null };
  }
}

/**
 * pppd named the line's interface, before LCP: it gets ready to take its IPv6 prefix from
 * the ISP's router advertisements (src/sys/ipv6.ts) before IPV6CP brings it up. Not fatal:
 * IPv4 works without it, and the link-local addresses still come.
 */
function readyForIpv6(ifname: string, deps: LinkActorDeps): void {
  try {
    (deps.acceptRouterAdvertisements ?? acceptRouterAdvertisements)(ifname);
  } catch (error) {
    deps.logger?.warn({ err: error, ifname }, `${ifname} will not take an IPv6 prefix from router advertisements: ${errorMessageOf(error)}`);
  }
}

/**
 * IPV6CP is up on a link that asks its peer for DNS: the ISP's IPv6 resolvers come in its
 * router advertisements (RDNSS, RFC 8106), not in IPV6CP, so the line solicits one and
 * reads them; they join the servers IPCP gave. Not fatal: without them the link still has
 * its IPv4 servers, and no answer means the router advertises none.
 */
function askRouterForDns(ifname: string, signal: AbortSignal, deps: LinkActorDeps, send: (event: LinkEvent) => void): void {
  const ask = deps.routerDns ?? ((name: string, s: AbortSignal) => solicitRouterDns(name, { exec: systemExec, signal: s }));
  void ask(ifname, signal).then(
    (advertised) => {
      if (!signal.aborted) send({ type: 'PPP_LOG', event: { type: 'router-dns', servers: advertised.servers } });
    },
    (error: unknown) => {
      if (!signal.aborted) deps.logger?.warn({ err: error, ifname }, `no IPv6 DNS servers from the router on ${ifname}: ${errorMessageOf(error)}`);
    },
  );
}

export function createLinkActors(config: LinkConfig, deps: LinkActorDeps = {}) {
  /** The device of the current dial: the configured path, or what the match found. */
  let device = config.kind === 'modem' ? config.device : '';
  const port = linkPort(config, deps, () => device);
  const clock = deps.clock ?? systemClock;
  const start: (options: StartPppdOptions) => PppdHandle = deps.startPppd ?? startPppd;
  const noPort = () => Promise.reject(new Error(`link ${config.name} has no modem port`));
  return {
    /** The plan for this dial (numbers rotated after failures) and the UUCP lock, which
     * stays ours until the call is over; a bad profile or a locked port throws. */
    claim: fromPromise<Claim, DialInput>(async ({ input }) => {
      const link = input.config;
      if (link.kind !== 'modem') return { plan: null, lock: null };
      device = link.match ? (deps.resolveMatch ?? resolveUsbMatch)(link.match) : link.device;
      const plan = buildModemPlan(link.profile, {
        device,
        numbers: rotatedNumbers(link.numbers, input.failures),
        holdLine: true,
        ...(link.login ? { login: link.login } : {}),
        ...(link.variables ? { variables: link.variables } : {}),
      });
      const lock = claimPort(device, {
        ...(link.lockDir !== undefined ? { dir: link.lockDir } : {}),
        ...(deps.onStaleLock ? { onStale: deps.onStaleLock } : {}),
      });
      return { plan, lock };
    }),

    modem: modemAsChild(port ?? new ReopeningIo('(none)', () => {
      throw new Error(`link ${config.name} has no modem`);
    })),

    detach: fromPromise<number, void>(() => (port ? port.detach() : noPort())),

    pppd: fromCallback<EventObject, PppdInput>(({ input, sendBack }) => {
      const send = (event: LinkEvent) => sendBack(event);
      let running: PppdHandle | undefined;
      let stopped = false;
      /** The solicitation for the router's DNS servers under way (one per IPV6CP up). */
      let soliciting: AbortController | undefined;
      let ifname: string | undefined;
      void (async () => {
        const { config: link, fd } = input;
        const rates = lineRateOnTty(link, device, input.connectSpeed, fd, deps);
        const secret = link.ppp.user !== undefined && link.ppp.password !== undefined ? await writePppSecretsFile(link.runDir, link.name, { user: link.ppp.user, password: link.ppp.password }) : undefined;
        try {
          const pppd = start({
            args: pppdArgsFor(link.kind === 'modem' ? { ...link, device } : link, secret?.path),
            ...(fd !== null ? { stdinFd: fd } : {}),
            ...(deps.pppdPath !== undefined ? { pppdPath: deps.pppdPath } : {}),
            secrets: secretsOf(link),
          });
          running = pppd;
          if (deps.onPppLine) pppd.on('line', deps.onPppLine);
          if (stopped) void pppd.stop();
          send({ type: 'PPP_STARTED', pppd, ...rates });
          pppd.on('log', (event: PppLogEvent) => {
            if (event.type === 'interface' && link.ppp.ipv6 === true) readyForIpv6(event.ifname, deps);
            if (event.type === 'interface' || event.type === 'bundle-joined') ifname = event.ifname;
            const linkEvent = linkEventOf(event);
            if (linkEvent) send({ type: 'PPP_LOG', event: linkEvent });
            if (event.type === 'remote-ll' && link.ppp.ipv6 === true && link.ppp.usePeerDns === true && ifname !== undefined && !stopped) {
              soliciting?.abort();
              soliciting = new AbortController();
              askRouterForDns(ifname, soliciting.signal, deps, send);
            }
          });
          const exit = await pppd.exited;
          send({ type: 'PPP_EXIT', exit: { status: exit.status, signal: exit.signal, name: exit.name, meaning: exit.meaning, code: exit.code } });
        } finally {
          await secret?.remove();
        }
      })().catch((error: unknown) => {
        // pppd could not even start (not installed, bad options, no secrets file): its code
        // says whether a redial can help.
        const code = errorCodeOf(error, 'PPP_START_FAILED');
        const exit: PppExit = { status: null, signal: null, name: code.replace(/^PPP_/, '').toLowerCase().replace(/_/g, '-'), meaning: errorMessageOf(error), code };
        send({ type: 'PPP_EXIT', exit });
      });
      return () => {
        stopped = true;
        soliciting?.abort();
        void running?.stop();
      };
    }),

    deviceBack: fromCallback<EventObject, { device: string }>(({ input, sendBack }) => {
      const back = () => sendBack({ type: 'DEVICE_BACK' } satisfies LinkEvent);
      if (config.kind === 'modem' && config.match) return (deps.whenMatchAppears ?? whenUsbPortAppears)(config.match, back);
      return (deps.whenDeviceExists ?? whenPathExists)(input.device, back);
    }),

    /** pppd first (it has the line), then the line comes back to the port for the hang-up. */
    endCall: fromPromise<void, { pppd: RunningPppd | null; fd: number | null; dtrHangup: boolean }>(async ({ input }) => {
      await input.pppd?.stop();
      if (input.fd !== null && port) await takeLineBack(port, input.fd, input.dtrHangup, clock);
    }),
  };
}
