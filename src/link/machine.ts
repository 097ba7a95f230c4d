/**
 * The link machine (xstate v5): idle -> dialing -> online(negotiating -> up) -> down ->
 * backoff -> dialing ..., or parked when the reason is fatal (wrong password, no device,
 * BLACKLISTED...), with the reason of every transition kept. STOP in any state ends pppd
 * (SIGTERM, then SIGKILL to its process group), hangs the modem up and releases the lock.
 *
 * Effects are actors provided from outside (actors.ts for the real ones): `dial` returns a
 * held line (or a failure report), `pppd` runs pppd and reports its log and exit, and
 * `release` ends pppd and hangs up. Tests provide fakes and a SimulatedClock.
 */
import { and, assign, emit, fromCallback, fromPromise, setup, type EventObject } from 'xstate';
import type { DialReport, HeldLine } from '../modem/index.js';
import { linkReason, type PppExit } from './reasons.js';
import { backoffDelay, DEFAULT_NEGOTIATION_TIMEOUT_MS, type LinkConfig, type LinkReason } from './types.js';

export type { PppExit };

/** What pppd said that the link machine cares about (a subset of src/ppp's log events). */
export type LinkPppEvent =
  | { type: 'interface'; ifname: string }
  /** A multilink link joined a bundle another link made: up, on the bundle's interface. */
  | { type: 'bundle-joined'; ifname: string }
  | { type: 'local-ip'; address: string }
  | { type: 'remote-ip'; address: string }
  /** A DNS server the peer offered (pppd `usepeerdns`), logged right after the IP addresses. */
  | { type: 'dns'; rank: 'primary' | 'secondary'; address: string }
  | { type: 'peer-dead' }
  | { type: 'hangup' }
  | { type: 'auth-failed' };

/** The handle of a running pppd, as the release actor needs it. */
export interface RunningPppd {
  pid: number;
  stop(): Promise<unknown>;
}

export type LinkEvent =
  | { type: 'START' }
  | { type: 'STOP' }
  /** Dial again now: from parked, or to cut a back-off short. A back-off the modem itself
   * asked for (DELAYED) is cut short only with `force`. */
  | { type: 'RETRY'; force?: boolean }
  /** Hang up on request and stay parked (no redial) until RETRY. */
  | { type: 'HANGUP' }
  /** The supervisor found the line unusable (no probe answers, starving): down and redial. */
  | { type: 'FAULT'; reason: LinkReason }
  | { type: 'PPP_STARTED'; pppd: RunningPppd }
  | { type: 'PPP_LOG'; event: LinkPppEvent }
  | { type: 'PPP_EXIT'; exit: PppExit };

export type LinkState = 'idle' | 'dialing' | 'negotiating' | 'up' | 'down' | 'backoff' | 'parked' | 'stopping' | 'stopped';

/** A state change; entering back-off says how long until the next dial. */
export type LinkEmitted = { type: 'transition'; state: LinkState; reason?: LinkReason; retryInMs?: number };

/** The servers the peer offered changed (they arrive once the link is already up). */
export type LinkDnsEmitted = { type: 'dns'; servers: string[] };

export interface LinkContext {
  config: LinkConfig;
  held: HeldLine | null;
  pppd: RunningPppd | null;
  /** Consecutive failures since the link was last up. */
  failures: number;
  reason: LinkReason | null;
  ifname: string | null;
  localIp: string | null;
  remoteIp: string | null;
  /** DNS servers the peer offered during this run, primary first. */
  dns: string[];
  connect: DialReport | null;
  /** What pppd said during this run that explains an exit better than its status. */
  pppSaid: Array<LinkPppEvent['type']>;
  /** How long the modem asked us not to dial (DELAYED), from the last dial's report. */
  holdOffMs: number | null;
  /** The pause of the current back-off, decided on entering it. */
  retryInMs: number | null;
  random: () => number;
}

/** What a dial gets: the link, and how many attempts failed in a row (to rotate numbers). */
export interface DialInput {
  config: LinkConfig;
  failures: number;
}

/** The numbers in the order a dial tries them: after each failed attempt the next number
 * leads, so a redial does not start with the number that just failed (as wvdial rotates). */
export function rotatedNumbers(numbers: readonly string[], failures: number): string[] {
  if (numbers.length < 2) return [...numbers];
  const start = failures % numbers.length;
  return [...numbers.slice(start), ...numbers.slice(0, start)];
}

export interface DialResultForLink {
  held: HeldLine | null;
  report: DialReport | null;
}

/** How long a modem that answered DELAYED must be left alone: what it said, else the
 * profile's long back-off. Null when it did not answer DELAYED. */
export function holdOffOf(report: DialReport | null, config: LinkConfig): number | null {
  if (report?.result !== 'delayed') return null;
  return report.retryAfterMs ?? (config.kind === 'modem' ? config.profile.redial.longBackoff : null);
}

function negotiationTimeoutOf(context: LinkContext): number {
  return context.config.negotiationTimeoutMs ?? DEFAULT_NEGOTIATION_TIMEOUT_MS;
}

const NOT_PROVIDED = (name: string) => () => {
  throw new Error(`link actor "${name}" was not provided (use createLinkActors)`);
};

export const linkMachine = setup({
  types: {
    context: {} as LinkContext,
    events: {} as LinkEvent,
    input: {} as { config: LinkConfig; random?: () => number },
    emitted: {} as LinkEmitted | LinkDnsEmitted,
  },
  actors: {
    dial: fromPromise<DialResultForLink, DialInput>(async () => NOT_PROVIDED('dial')()),
    pppd: fromCallback<EventObject, { config: LinkConfig; held: HeldLine | null }>(() => NOT_PROVIDED('pppd')()),
    release: fromPromise<void, { pppd: RunningPppd | null; held: HeldLine | null }>(async () => NOT_PROVIDED('release')()),
  },
  delays: {
    backoff: ({ context }) => context.retryInMs ?? backoffDelay(context.config.backoff, context.failures, context.random),
    negotiateTimeout: ({ context }) => negotiationTimeoutOf(context),
  },
  actions: {
    announce: emit(({ context }, state: LinkState) => ({
      type: 'transition' as const,
      state,
      ...(context.reason && (state === 'down' || state === 'parked' || state === 'backoff') ? { reason: context.reason } : {}),
      ...(state === 'backoff' && context.retryInMs !== null ? { retryInMs: context.retryInMs } : {}),
    })),
    /** The pause before the next dial: the redial policy's, but never shorter than the
     * modem's own hold-off (redialing a DELAYED number early gets it blacklisted). */
    planRetry: assign(({ context }) => ({ retryInMs: Math.max(backoffDelay(context.config.backoff, context.failures, context.random), context.holdOffMs ?? 0) })),
    endRetry: assign({ retryInMs: null, holdOffMs: null }),
    fail: assign(({ context }, reason: LinkReason) => ({ reason, failures: context.failures + 1 })),
    clearLine: assign({ held: null, pppd: null, ifname: null, localIp: null, remoteIp: null, dns: [] as string[], pppSaid: [] as Array<LinkPppEvent['type']> }),
  },
  guards: {
    isPty: ({ context }) => context.config.kind === 'pty',
    /** A RETRY may cut this back-off short: it is ours, not the modem's, or it is forced. */
    mayRetry: ({ context, event }) => context.holdOffMs === null || (event.type === 'RETRY' && event.force === true),
    /** No redial: a fatal reason, or too many failures in a row (when the link has a limit). */
    fatal: ({ context }) => context.reason?.fatal === true || (context.config.parkAfter !== undefined && context.failures >= context.config.parkAfter),
  },
}).createMachine({
  id: 'link',
  context: ({ input }) => ({
    config: input.config,
    held: null,
    pppd: null,
    failures: 0,
    reason: null,
    ifname: null,
    localIp: null,
    remoteIp: null,
    dns: [],
    connect: null,
    pppSaid: [],
    holdOffMs: null,
    retryInMs: null,
    random: input.random ?? Math.random,
  }),
  initial: 'idle',
  on: {
    STOP: '.stopping',
    HANGUP: { target: '.down', actions: assign({ reason: () => linkReason({ kind: 'hung-up' }) }) },
  },
  states: {
    idle: {
      on: { START: [{ guard: 'isPty', target: 'online' }, { target: 'dialing' }] },
    },

    dialing: {
      entry: [assign({ holdOffMs: null }), { type: 'announce', params: 'dialing' }],
      invoke: {
        src: 'dial',
        input: ({ context }) => ({ config: context.config, failures: context.failures }),
        onDone: [
          {
            guard: ({ event }) => event.output.held !== null,
            target: 'online',
            actions: assign(({ event }) => ({ held: event.output.held, connect: event.output.held?.report ?? null })),
          },
          {
            target: 'down',
            actions: assign(({ context, event }) => ({
              failures: context.failures + 1,
              connect: event.output.report,
              holdOffMs: holdOffOf(event.output.report, context.config),
              reason: event.output.report
                ? linkReason({ kind: 'dial', report: event.output.report, link: context.config.name })
                : linkReason({ kind: 'thrown', error: new Error('dial ended without a report'), fallback: 'MODEM_DIAL_FAILED' }),
            })),
          },
        ],
        onError: {
          target: 'down',
          actions: assign(({ context, event }) => ({ failures: context.failures + 1, reason: linkReason({ kind: 'thrown', error: event.error, fallback: 'LINK_FAILED' }) })),
        },
      },
    },

    /** pppd runs for as long as this state lasts; leaving it stops pppd. */
    online: {
      invoke: { src: 'pppd', input: ({ context }) => ({ config: context.config, held: context.held }) },
      initial: 'negotiating',
      on: {
        PPP_STARTED: { actions: assign(({ event }) => ({ pppd: event.pppd })) },
        PPP_LOG: [
          {
            guard: ({ event }) => event.event.type === 'dns',
            actions: [
              assign(({ context, event }) => {
                const e = event.event as Extract<LinkPppEvent, { type: 'dns' }>;
                const others = context.dns.filter((a) => a !== e.address);
                // The primary server leads, whatever order the lines came in.
                return { dns: e.rank === 'primary' ? [e.address, ...others] : [...others, e.address] };
              }),
              emit(({ context }) => ({ type: 'dns' as const, servers: context.dns })),
            ],
          },
          {
            actions: assign(({ context, event }) => {
              const e = event.event;
              if (e.type === 'interface' || e.type === 'bundle-joined') return { ifname: e.ifname };
              // IPCP (re)starts with our address: servers of an earlier negotiation are void.
              if (e.type === 'local-ip') return { localIp: e.address, dns: [] };
              if (e.type === 'remote-ip') return { remoteIp: e.address };
              return { pppSaid: [...context.pppSaid, e.type] };
            }),
          },
        ],
        FAULT: { target: 'down', actions: assign(({ context, event }) => ({ reason: event.reason, failures: context.failures + 1 })) },
        PPP_EXIT: {
          target: 'down',
          actions: assign(({ context, event }) => ({ reason: linkReason({ kind: 'pppd-exit', exit: event.exit, said: context.pppSaid }), failures: context.failures + 1 })),
        },
      },
      states: {
        negotiating: {
          entry: { type: 'announce', params: 'negotiating' },
          on: {
            PPP_LOG: [
              { guard: ({ event }) => event.event.type === 'remote-ip', target: 'up', actions: assign(({ event }) => (event.event.type === 'remote-ip' ? { remoteIp: event.event.address } : {})) },
              { guard: ({ event }) => event.event.type === 'bundle-joined', target: 'up', actions: assign(({ event }) => (event.event.type === 'bundle-joined' ? { ifname: event.event.ifname } : {})) },
            ],
          },
          after: {
            negotiateTimeout: {
              target: '#link.down',
              actions: assign(({ context }) => ({ failures: context.failures + 1, reason: linkReason({ kind: 'negotiation-timeout', afterMs: negotiationTimeoutOf(context) }) })),
            },
          },
        },
        up: {
          entry: [assign({ failures: 0, reason: null }), { type: 'announce', params: 'up' }],
          // pppd says the line is lost (no LCP echo answers, modem hangup) well before it
          // has finished ending: the link is down from that moment (release stops pppd).
          on: {
            PPP_LOG: {
              guard: ({ event }) => event.event.type === 'peer-dead' || event.event.type === 'hangup',
              target: '#link.down',
              actions: assign(({ context, event }) => ({
                reason: linkReason({ kind: 'line-lost', said: event.event.type === 'peer-dead' ? 'peer-dead' : 'hangup' }),
                failures: context.failures + 1,
                pppSaid: [...context.pppSaid, event.event.type],
              })),
            },
          },
        },
      },
    },

    /** pppd ended or the dial failed: end what is left, hang up, release the lock. */
    down: {
      entry: { type: 'announce', params: 'down' },
      on: { HANGUP: { actions: assign({ reason: () => linkReason({ kind: 'hung-up' }) }) } },
      invoke: {
        src: 'release',
        input: ({ context }) => ({ pppd: context.pppd, held: context.held }),
        onDone: [{ guard: 'fatal', target: 'parked', actions: 'clearLine' }, { target: 'backoff', actions: 'clearLine' }],
        onError: [{ guard: 'fatal', target: 'parked', actions: 'clearLine' }, { target: 'backoff', actions: 'clearLine' }],
      },
    },

    backoff: {
      entry: ['planRetry', { type: 'announce', params: 'backoff' }],
      exit: 'endRetry',
      after: { backoff: [{ guard: 'isPty', target: 'online' }, { target: 'dialing' }] },
      on: {
        // A RETRY during the modem's own hold-off is dropped: the modem would refuse again,
        // and every refused attempt brings BLACKLISTED closer.
        RETRY: [
          { guard: and(['mayRetry', 'isPty']), target: 'online' },
          { guard: 'mayRetry', target: 'dialing' },
        ],
      },
    },

    /** A fatal reason: no redial until someone says so (no redial storm). */
    parked: {
      entry: [
        assign(({ context }) =>
          context.reason && !context.reason.fatal ? { reason: { ...context.reason, message: `${context.reason.message} (parked after ${context.failures} failures in a row)` } } : {},
        ),
        { type: 'announce', params: 'parked' },
      ],
      on: {
        HANGUP: {},
        RETRY: [{ guard: 'isPty', target: 'online', actions: assign({ failures: 0 }) }, { target: 'dialing', actions: assign({ failures: 0 }) }],
      },
    },

    stopping: {
      entry: { type: 'announce', params: 'stopping' },
      invoke: {
        src: 'release',
        input: ({ context }) => ({ pppd: context.pppd, held: context.held }),
        onDone: { target: 'stopped', actions: 'clearLine' },
        onError: { target: 'stopped', actions: 'clearLine' },
      },
      on: { STOP: {}, HANGUP: {} },
    },

    stopped: {
      type: 'final',
      entry: { type: 'announce', params: 'stopped' },
    },
  },
});

export type LinkMachine = typeof linkMachine;
