/**
 * One link, running: the link machine with its real actors, as an object the supervisor
 * (and tests) can start, stop and watch. Every state change is an event with its reason
 * and the time it happened.
 */
import { EventEmitter } from 'node:events';
import { createActor, type Actor } from 'xstate';
import { systemClock, type Clock } from '../util/clock.js';
import { createLinkActors, type LinkActorDeps } from './actors.js';
import { linkMachine, type LinkState } from './machine.js';
import type { LinkConfig, LinkReason } from './types.js';

export interface LinkStatus {
  name: string;
  state: LinkState;
  reason: LinkReason | null;
  ifname: string | null;
  localIp: string | null;
  remoteIp: string | null;
  failures: number;
  /** The CONNECT line and speed of the current call (modem links). */
  connect: string | null;
  speed: number | null;
  /** How long the current call took from ATD to CONNECT (modem links). */
  connectMs: number | null;
  since: number;
}

export interface LinkTransition {
  state: LinkState;
  reason?: LinkReason;
  atMs: number;
}

export interface LinkOptions extends LinkActorDeps {
  clock?: Clock;
  random?: () => number;
}

/** The state name of a machine snapshot value ({ online: 'up' } -> 'up'). */
export function linkStateOf(value: unknown): LinkState {
  if (typeof value === 'string') return value as LinkState;
  if (value && typeof value === 'object' && 'online' in value) return (value as { online: LinkState }).online;
  throw new Error(`unknown link state ${JSON.stringify(value)}`);
}

export class Link extends EventEmitter<{ transition: [LinkTransition] }> {
  private readonly actor: Actor<typeof linkMachine>;
  private readonly clock: Clock;
  private since: number;
  private readonly stopped: Promise<void>;

  constructor(readonly config: LinkConfig, options: LinkOptions = {}) {
    super();
    this.clock = options.clock ?? systemClock;
    this.since = this.clock.now();
    this.actor = createActor(linkMachine.provide({ actors: createLinkActors(options) }), {
      input: { config, ...(options.random ? { random: options.random } : {}) },
      clock: this.clock,
    });
    this.actor.on('transition', (event) => {
      this.since = this.clock.now();
      this.emit('transition', { state: event.state, ...(event.reason ? { reason: event.reason } : {}), atMs: this.since });
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

  /** Dials again now (from parked, or cutting a back-off short). */
  retry(): void {
    this.actor.send({ type: 'RETRY' });
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
      state: linkStateOf(snapshot.value),
      reason: c.reason,
      ifname: c.ifname,
      localIp: c.localIp,
      remoteIp: c.remoteIp,
      failures: c.failures,
      connect: c.connect?.connect ?? null,
      speed: c.connect?.speed ?? null,
      connectMs: c.connect?.connectMs ?? null,
      since: this.since,
    };
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
