/**
 * One link, running: the link machine with its real actors, as an object the supervisor
 * (and tests) can start, stop and watch. Every state change is an event with its reason
 * and the time it happened. The last dial's transcript is kept (bounded) for `dialbond
 * status LINK`, and at debug level the AT exchange and pppd's lines are logged: with a real
 * modem, that is the first thing anyone asks for.
 */
import { EventEmitter } from 'node:events';
import { createActor, type Actor } from 'xstate';
import type { Logger } from '../log/index.js';
import { systemClock, type Clock } from '../util/clock.js';
import { createLinkActors, type LinkActorDeps } from './actors.js';
import { linkMachine } from './machine.js';
import { serversOf, type LinkState } from './vocabulary.js';
import { secretMaskOf, TRANSCRIPT_LINES, type LinkConfig, type LinkReason, type TranscriptEntry } from './types.js';

export interface LinkStatus {
  name: string;
  state: LinkState;
  reason: LinkReason | null;
  ifname: string | null;
  localIp: string | null;
  remoteIp: string | null;
  /** IPv6 link-local addresses of the call, once IPV6CP is up (the peer's routes IPv6 by
   * interface); null without IPv6. Absent from an older daemon's status. */
  localLinkLocal?: string | null;
  remoteLinkLocal?: string | null;
  /** DNS servers the peer offered (pppd usepeerdns), primary first, then the IPv6 ones its
   * router advertises (RDNSS); empty when none. */
  dns?: string[];
  failures: number;
  /** The CONNECT line and speed of the current call (modem links). */
  connect: string | null;
  speed: number | null;
  /** The rate the current call's line carries in bit/s (line-rate.ts), null when not known
   * or not connected. Absent from an older daemon's status. */
  lineRate?: number | null;
  /** The rate the line's tty held as pppd attached it (multilink sizes fragments by it),
   * null when not known. Absent from an older daemon's status. */
  ttyRate?: number | null;
  /** How long the current call took from ATD to CONNECT (modem links). */
  connectMs: number | null;
  since: number;
  /** In back-off: when the next dial is due (the reason says why it waits); null
   * otherwise. Absent from an older daemon's status. */
  nextDialAtMs?: number | null;
  /** Until when the modem refuses dials (it answered DELAYED), also after the link was hung
   * up meanwhile; null when it does not. Absent from an older daemon's status. */
  holdOffUntilMs?: number | null;
}

export interface LinkTransition {
  state: LinkState;
  reason?: LinkReason;
  atMs: number;
  /** Entering back-off: when the next dial is due. */
  nextDialAtMs?: number;
}

export interface LinkOptions extends Pick<LinkActorDeps, 'pppdPath' | 'startPppd' | 'openPort'> {
  clock?: Clock;
  random?: () => number;
  /** At debug level: each transcript line of a dial and each line pppd logs (secrets masked). */
  logger?: Logger;
}

/**
 * The state a link is in, from its machine's snapshot: a call is dialing until pppd runs,
 * negotiating or up while it does, and down (or stopping) while it ends.
 */
export function linkStateOf(snapshot: { value: unknown; context: { stopping: boolean } }): LinkState {
  const { value } = snapshot;
  if (typeof value === 'string') return value === 'ended' ? (snapshot.context.stopping ? 'stopping' : 'down') : (value as LinkState);
  if (value && typeof value === 'object' && 'waiting' in value) return 'waiting';
  const line = (value as { call?: { line?: unknown } }).call?.line;
  if (line === undefined) throw new Error(`unknown link state ${JSON.stringify(value)}`);
  if (line === 'connecting' || line === 'handover') return 'dialing';
  if (line && typeof line === 'object' && 'online' in line) return (line as { online: LinkState }).online;
  return snapshot.context.stopping ? 'stopping' : 'down';
}

export class Link extends EventEmitter<{ transition: [LinkTransition]; dns: [servers: string[]]; ipv6: [remoteLinkLocal: string] }> {
  private readonly actor: Actor<typeof linkMachine>;
  private readonly clock: Clock;
  private since: number;
  private nextDialAtMs: number | null = null;
  private holdOffUntilMs: number | null = null;
  private lastDial: TranscriptEntry[] = [];
  private readonly stopped: Promise<void>;

  constructor(readonly config: LinkConfig, options: LinkOptions = {}) {
    super();
    this.clock = options.clock ?? systemClock;
    this.since = this.clock.now();
    const log = options.logger?.child({ link: config.name });
    const secrets = secretMaskOf(config);
    const actors = createLinkActors(config, {
      clock: this.clock,
      ...(options.pppdPath !== undefined ? { pppdPath: options.pppdPath } : {}),
      ...(options.startPppd ? { startPppd: options.startPppd } : {}),
      ...(options.openPort ? { openPort: options.openPort } : {}),
      ...(log ? { onPppLine: (line: string) => log.debug({ line }, 'pppd'), logger: log } : {}),
    });
    this.actor = createActor(linkMachine.provide({ actors }), {
      input: { config, now: () => this.clock.now(), ...(options.random ? { random: options.random } : {}) },
      clock: this.clock,
    });
    let dialStartedAt = this.clock.now();
    this.actor.on('modem', ({ said }) => {
      if (said.type !== 'transcript') return;
      const entry: TranscriptEntry = { direction: said.direction, text: secrets.mask(said.text), atMs: this.clock.now() - dialStartedAt };
      this.lastDial.push(entry);
      if (this.lastDial.length > TRANSCRIPT_LINES) this.lastDial.shift();
      log?.debug({ direction: entry.direction, text: entry.text, atMs: entry.atMs }, 'modem');
    });
    this.actor.on('transition', (event) => {
      // A dial begins: its transcript starts afresh.
      if (event.state === 'dialing') {
        dialStartedAt = this.clock.now();
        this.lastDial = [];
      }
    });
    this.actor.on('dns', (event) => this.emit('dns', event.servers));
    this.actor.on('ipv6', (event) => this.emit('ipv6', event.remoteLinkLocal));
    this.actor.on('transition', (event) => {
      this.since = this.clock.now();
      this.nextDialAtMs = event.retryInMs !== undefined ? this.since + event.retryInMs : null;
      // Kept until the next dial, so a hang-up and a dial request during the hold-off (by
      // hand, or bandwidth on demand) still find it: the modem would refuse again.
      if (event.state === 'dialing') this.holdOffUntilMs = null;
      else if (event.reason?.holdOff === 'delayed' && this.nextDialAtMs !== null) this.holdOffUntilMs = this.nextDialAtMs;
      this.emit('transition', {
        state: event.state,
        ...(event.reason ? { reason: event.reason } : {}),
        atMs: this.since,
        ...(this.nextDialAtMs !== null ? { nextDialAtMs: this.nextDialAtMs } : {}),
      });
    });
    this.stopped = new Promise((resolve) => this.actor.subscribe({ complete: () => resolve(), error: () => resolve() }));
    this.actor.start();
  }

  get name(): string {
    return this.config.name;
  }

  start(): void {
    this.actor.send({ type: 'START' });
  }

  /** Dials again now (from parked, or cutting a back-off short). A back-off the modem asked
   * for (DELAYED) is cut short only with `force`. */
  retry(options: { force?: boolean } = {}): void {
    this.actor.send({ type: 'RETRY', ...(options.force ? { force: true } : {}) });
  }

  /** Hangs up on request and stays parked until retry(). */
  hangUp(): void {
    this.actor.send({ type: 'HANGUP' });
  }

  /** Takes an up line down as unusable (the supervisor's health checks); it is redialed. */
  fault(reason: LinkReason): void {
    this.actor.send({ type: 'FAULT', reason });
  }

  /** Ends pppd, hangs up, releases the lock; resolves when all of that is done. */
  async stop(): Promise<void> {
    this.actor.send({ type: 'STOP' });
    await this.stopped;
  }

  status(): LinkStatus {
    const snapshot = this.actor.getSnapshot();
    const c = snapshot.context;
    return {
      name: this.config.name,
      state: linkStateOf(snapshot),
      reason: c.reason,
      ifname: c.ifname,
      localIp: c.localIp,
      remoteIp: c.remoteIp,
      localLinkLocal: c.localLinkLocal,
      remoteLinkLocal: c.remoteLinkLocal,
      dns: serversOf(c),
      failures: c.failures,
      connect: c.connect?.connect ?? null,
      speed: c.connect?.speed ?? null,
      lineRate: c.lineRate,
      ttyRate: c.ttyRate,
      connectMs: c.connect?.connectMs ?? null,
      since: this.since,
      nextDialAtMs: this.nextDialAtMs,
      holdOffUntilMs: this.holdOffUntilMs,
    };
  }

  /** The last dial's transcript (AT exchange and login chat, secrets masked), at most
   * TRANSCRIPT_LINES lines, the latest kept. */
  transcript(): TranscriptEntry[] {
    return [...this.lastDial];
  }

  /** Resolves at the next transition into `state` (rejects after `ms`). */
  waitFor(state: LinkState, ms: number): Promise<LinkTransition> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('transition', on);
        reject(new Error(`link ${this.name} did not reach ${state} within ${ms} ms (now ${this.status().state}: ${this.status().reason?.message ?? ''})`));
      }, ms);
      const on = (t: LinkTransition) => {
        if (t.state !== state) return;
        clearTimeout(timer);
        this.off('transition', on);
        resolve(t);
      };
      this.on('transition', on);
    });
  }
}
