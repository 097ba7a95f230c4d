/**
 * A simulated modem: the command interpreter on a pty, with a far end behind it. In online
 * data state bytes cross the line at rate/10 bytes per second in both directions through
 * small bounded buffers, and reading from the DTE stops while the line is behind, the way a
 * real modem holds CTS off. Losing the line is shown to the DTE the only way a pty can: the
 * pty closes under it (see src/sys/pty.ts) and a new one takes its stable path.
 */
import { EventEmitter } from 'node:events';
import { DialbondError } from '../errors/index.js';
import { SecretMask, silentLogger, type Logger } from '../log/index.js';
import { PtyEndpoint, type PtyEndpointEvents } from '../sys/index.js';
import { sleep, systemClock, type Clock } from '../util/index.js';
import { HayesInterpreter, type CallEndReason, type CallInfo, type ModemState } from './interpreter.js';
import { LoginGate } from './login.js';
import { Pacer } from './pacer.js';
import { TtyEndpoint } from './tty-endpoint.js';
import { createPeer, type LinePeer } from './peer.js';
import type { DataPeerSpec, Scenario } from './scenario.js';

/** The DTE side of a modem: what PtyEndpoint provides (tests use a fake). */
export interface DteEndpoint extends EventEmitter<PtyEndpointEvents> {
  readonly path: string;
  readonly ptsPath: string;
  write(bytes: Buffer): boolean;
  pause(): void;
  resume(): void;
  dropCarrier(): void;
  /** A real line's end (TtyEndpoint): closes for an unplug, opens again at the replug. */
  unplug?(): Promise<void>;
  close(): Promise<void>;
}

/** How long NO CARRIER gets to reach the DTE before the pty closes under it (closing the
 * master discards whatever the DTE has not read yet). */
export const CARRIER_DROP_GRACE_MS = 200;

/** How long the far end's last words (a failed login, pppd's LCP Terminate) get to cross the
 * line before the carrier goes. */
export const FAR_END_FLUSH_MS = 2000;

/** Why carrier was dropped: on request, the far end went away, or the scenario's dropAfterMs. */
export type DropReason = 'requested' | 'far-end' | 'drop-after';

/** Events of a simulated modem. */
export interface SimulatedModemEvents {
  /** A command line from the DTE (secrets masked). */
  command: [line: string];
  state: [state: ModemState];
  /** A DTE started talking. */
  attach: [];
  /** The DTE closed the port (DTR drop). */
  hangup: [];
  /** The guarded escape took the modem to online command state. */
  escape: [];
  connect: [call: CallInfo];
  /** The terminal server in front of the far end took the login (login scenarios). */
  'logged-in': [];
  'call-end': [reason: CallEndReason];
  /** Carrier dropped: the pty was closed under the DTE and replaced. */
  drop: [reason: DropReason];
}

export interface SimulatedModemOptions {
  scenario: Scenario;
  endpoint: DteEndpoint;
  /** A name for logs (modem0, ...). */
  name?: string;
  clock?: Clock;
  logger?: Logger;
  /** For line-noise garbage. */
  random?: () => number;
  /** Creates the far end of a call (default: from the scenario's `data`). */
  createPeer?: (spec: DataPeerSpec) => LinePeer;
  /** The modem's buffer per direction in online data state, in bytes (default 256). */
  bufferBytes?: number;
}

/** Bytes moved in online data state since the modem started (for observers and tests). */
export interface ModemTraffic {
  /** Read from the DTE in online data state. */
  fromDte: number;
  /** Delivered to the far end (after the line's pacing). */
  toFarEnd: number;
  /** Received from the far end. */
  fromFarEnd: number;
  /** Delivered to the DTE (after the line's pacing). */
  toDte: number;
}

interface ActiveCall {
  peer: LinePeer;
  up: Pacer;
  down: Pacer;
  dropTimer: unknown;
}

/** One simulated modem on one pty. */
export class SimulatedModem extends EventEmitter<SimulatedModemEvents> {
  /** Serves an existing tty (a USB gadget's /dev/ttyGSn, whose far end is a real
   * /dev/ttyACMn) and starts a modem on it. */
  static async openTty(options: Omit<SimulatedModemOptions, 'endpoint'> & { tty: string }): Promise<SimulatedModem> {
    const endpoint = await TtyEndpoint.open({ path: options.tty, ...(options.clock ? { clock: options.clock } : {}), ...(options.logger ? { logger: options.logger } : {}) });
    return new SimulatedModem({ ...options, endpoint });
  }

  /** Opens a pty (with `linkPath` as its stable path) and starts a modem on it. */
  static open(options: Omit<SimulatedModemOptions, 'endpoint'> & { linkPath?: string }): SimulatedModem {
    const endpoint = PtyEndpoint.open({ linkPath: options.linkPath, clock: options.clock, logger: options.logger });
    return new SimulatedModem({ ...options, endpoint });
  }

  readonly name: string;
  readonly scenario: Scenario;
  private readonly endpoint: DteEndpoint;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly interpreter: HayesInterpreter;
  private readonly makePeer: (spec: DataPeerSpec) => LinePeer;
  private readonly bufferBytes: number;
  private active: ActiveCall | undefined;
  private pendingDrop: unknown;
  private readonly peerClosings = new Set<Promise<void>>();
  /** Far ends of calls that ended, still going in their own time (see LinePeer.hangUp). */
  private readonly hungUpPeers = new Set<LinePeer>();
  private closed = false;
  /** A login banner and prompt to go out in the same write as CONNECT (login.withConnect). */
  private glued: Buffer | undefined;
  private firstByte: number | undefined;
  private readonly counters: ModemTraffic = { fromDte: 0, toFarEnd: 0, fromFarEnd: 0, toDte: 0 };

  constructor(options: SimulatedModemOptions) {
    super();
    this.name = options.name ?? 'modem';
    this.scenario = options.scenario;
    this.endpoint = options.endpoint;
    this.clock = options.clock ?? systemClock;
    const secrets = new SecretMask();
    secrets.add(this.scenario.login?.password);
    this.logger = (options.logger ?? silentLogger()).child({ modem: this.name });
    this.bufferBytes = options.bufferBytes ?? 256;
    this.makePeer = options.createPeer ?? ((spec) => createPeer(spec, this.logger));
    this.interpreter = new HayesInterpreter({ scenario: this.scenario, clock: this.clock, random: options.random, secrets });
    this.wire();
  }

  /** The stable path a DTE opens. */
  get path(): string {
    return this.endpoint.path;
  }

  /** The current pty slave (changes when carrier is dropped). */
  get ptsPath(): string {
    return this.endpoint.ptsPath;
  }

  /** The interpreter's state. */
  get state(): ModemState {
    return this.interpreter.state;
  }

  /** The call in progress, if any. */
  get call(): CallInfo | undefined {
    return this.interpreter.call;
  }

  /** When (clock time) the first byte from a DTE arrived, or undefined: a yardstick that
   * starts for every dialer alike, whatever its own start-up costs. */
  get firstByteAt(): number | undefined {
    return this.firstByte;
  }

  /** Online-data byte counts; fromDte - toFarEnd is what the modem holds (bounded). */
  get traffic(): Readonly<ModemTraffic> {
    return { ...this.counters };
  }

  /**
   * Drops carrier: a call in progress ends with NO CARRIER, then the pty closes under the DTE
   * (its reads end, pppd exits "modem hangup") and a new pty takes the same stable path.
   */
  async dropCarrier(): Promise<void> {
    if (this.closed) return;
    if (this.interpreter.call) {
      this.interpreter.carrierLost();
      await sleep(this.clock, CARRIER_DROP_GRACE_MS);
    }
    this.dropPty('requested');
  }

  /**
   * The modem is unplugged (a modem on a tty only): a call in progress ends, its end of the
   * line closes (the device can only go once nothing holds it), and it serves the line again
   * once the device is back.
   */
  async unplug(): Promise<void> {
    if (!this.endpoint.unplug) throw new DialbondError('SIM_PTY_FAILED', `${this.name} is on a pty, which cannot be unplugged: serve a tty (--tty) for that`, { modem: this.name });
    if (this.interpreter.call) this.interpreter.carrierLost();
    this.interpreter.dteDetached();
    await this.endpoint.unplug();
  }

  /** Ends any call (and its far-end process), closes the pty and removes its link. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pendingDrop !== undefined) this.clock.clearTimeout(this.pendingDrop);
    this.teardownCall('close');
    // A far end still going after its hangup (an answering multilink pppd holding its
    // bundle for the other links) ends with the modem.
    for (const peer of this.hungUpPeers) this.trackClosing(peer.close());
    this.interpreter.dispose();
    this.interpreter.removeAllListeners();
    await this.endpoint.close();
    await Promise.all([...this.peerClosings]);
  }

  private wire(): void {
    const { endpoint, interpreter } = this;
    endpoint.on('data', (bytes) => {
      this.firstByte ??= this.clock.now();
      interpreter.receive(bytes);
    });
    endpoint.on('attach', () => {
      this.logger.debug('DTE attached');
      this.emit('attach');
    });
    endpoint.on('hangup', () => {
      this.logger.info({ state: interpreter.state }, 'DTE closed the port');
      // A carrier drop still due would close the pty under whoever opens the port next (a
      // redial within the grace): the DTE it was meant for is gone, and a modem's DCD going
      // low before an open does not hang up that later open.
      if (this.pendingDrop !== undefined) this.clock.clearTimeout(this.pendingDrop);
      this.pendingDrop = undefined;
      interpreter.dteDetached();
      this.emit('hangup');
    });
    endpoint.on('drain', () => this.active?.down.release('sink'));
    interpreter.on('output', (bytes) => {
      const glued = this.glued;
      this.glued = undefined;
      if (glued) this.counters.toDte += glued.length;
      endpoint.write(glued ? Buffer.concat([bytes, glued]) : bytes);
    });
    interpreter.on('line', (bytes) => {
      this.counters.fromDte += bytes.length;
      if (this.active && !this.active.up.push(bytes)) endpoint.pause();
    });
    interpreter.on('command', (line) => {
      this.logger.debug({ line }, 'command');
      this.emit('command', line);
    });
    interpreter.on('state', (state) => this.emit('state', state));
    interpreter.on('connect', (call) => this.startCall(call));
    interpreter.on('escape', () => {
      // Online command state: the far end's data waits (and is flow-controlled) until ATO.
      this.active?.down.hold('command-state');
      this.emit('escape');
    });
    interpreter.on('online', () => this.active?.down.release('command-state'));
    interpreter.on('call-end', (reason) => {
      this.logger.info({ reason }, 'call ended');
      this.teardownCall('hang-up');
      this.emit('call-end', reason);
    });
  }

  private startCall(call: CallInfo): void {
    this.logger.info({ number: call.number, line: call.line }, 'connected');
    const bytesPerSecond = call.rate / 10;
    // The login gate starts the far end only once the login was taken.
    const dataPeer = (): LinePeer => {
      if (this.scenario.login) this.emit('logged-in');
      return this.makePeer(this.scenario.data);
    };
    const peer = this.scenario.login ? new LoginGate(this.scenario.login, dataPeer) : dataPeer();
    const up = new Pacer({
      clock: this.clock,
      bytesPerSecond,
      highWaterMark: this.bufferBytes,
      sink: (chunk) => {
        this.counters.toFarEnd += chunk.length;
        return peer.write(chunk);
      },
      onDrain: () => this.endpoint.resume(),
    });
    const down = new Pacer({
      clock: this.clock,
      bytesPerSecond,
      highWaterMark: this.bufferBytes,
      sink: (chunk) => {
        this.counters.toDte += chunk.length;
        return this.endpoint.write(chunk);
      },
      onDrain: () => peer.resume(),
    });
    const active: ActiveCall = { peer, up, down, dropTimer: undefined };
    this.active = active;
    peer.on('data', (chunk) => {
      this.counters.fromFarEnd += chunk.length;
      if (!down.push(chunk)) peer.pause();
    });
    peer.on('drain', () => up.release('sink'));
    peer.on('close', () => {
      if (this.active === active) void this.farEndGone(active);
    });
    if (this.scenario.dropAfterMs !== undefined) {
      active.dropTimer = this.clock.setTimeout(() => {
        active.dropTimer = undefined;
        if (this.active === active) this.lineLost('drop-after');
      }, this.scenario.dropAfterMs);
    }
    this.emit('connect', call);
    if (peer instanceof LoginGate) {
      // A PortMaster sends its prompt in the same burst as CONNECT: the interpreter's
      // CONNECT output follows this event at once and carries the prompt along.
      if (this.scenario.login?.withConnect) this.glued = peer.opening();
      else peer.start();
    }
  }

  /** The call is over: a hangup to its far end, or (the modem closing) its end. */
  private teardownCall(how: 'hang-up' | 'close'): void {
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    if (active.dropTimer !== undefined) this.clock.clearTimeout(active.dropTimer);
    active.up.dispose();
    active.down.dispose();
    this.endpoint.resume();
    const { peer } = active;
    if (how === 'close') {
      this.trackClosing(peer.close());
      return;
    }
    this.hungUpPeers.add(peer);
    void peer
      .hangUp()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'far end did not end cleanly after the hangup'))
      .finally(() => this.hungUpPeers.delete(peer));
  }

  private trackClosing(ending: Promise<void>): void {
    const closing = ending.catch((error: unknown) => this.logger.warn({ err: error }, 'far end did not close cleanly'));
    this.peerClosings.add(closing);
    void closing.finally(() => this.peerClosings.delete(closing));
  }

  /** The far end ended on its own: let its last bytes through, then the carrier goes. */
  private async farEndGone(active: ActiveCall): Promise<void> {
    await active.down.whenEmpty(FAR_END_FLUSH_MS);
    if (this.active === active) this.lineLost('far-end');
  }

  /**
   * The line is lost: NO CARRIER; and if the DTE is in online data state with &C1 (DCD
   * follows carrier, V.250 6.2.8), DCD drops, which for a pty means closing it under the DTE.
   * A DTE in online command state is talking AT and reads NO CARRIER itself.
   */
  private lineLost(reason: DropReason): void {
    const online = this.interpreter.state === 'data';
    this.logger.info({ reason }, 'carrier lost');
    this.interpreter.carrierLost();
    if (online && this.interpreter.dcdFollowsCarrier && this.pendingDrop === undefined) {
      this.pendingDrop = this.clock.setTimeout(() => {
        this.pendingDrop = undefined;
        this.dropPty(reason);
      }, CARRIER_DROP_GRACE_MS);
    }
  }

  private dropPty(reason: DropReason): void {
    if (this.closed) return;
    if (this.pendingDrop !== undefined) this.clock.clearTimeout(this.pendingDrop);
    this.pendingDrop = undefined;
    this.endpoint.dropCarrier();
    // The DTE went with the old pty; nobody is attached to the new one yet.
    this.interpreter.dteDetached();
    this.logger.info({ reason, pty: this.endpoint.ptsPath }, 'carrier dropped');
    this.emit('drop', reason);
  }
}
