/**
 * The link machine (xstate v5):
 *
 *   idle -> dialing (claim the port) -> call -> backoff -> dialing ..., or parked when the
 *   reason is fatal (wrong password, BLACKLISTED...); down on a failed dial; waiting while
 *   the device is missing (unplugged), and dialing as soon as it is back.
 *
 * A call has two regions side by side:
 * - `modem`: the modem machine, invoked as a child for the whole call. It dials and, once
 *   connected, holds the line; told HANGUP it hangs up and closes the port.
 * - `line`: what the link does with the call: connecting (the modem dials) -> handover (the
 *   connected tty's descriptor for pppd) -> online (pppd: negotiating -> up) -> ending
 *   (pppd stopped, the line taken back) -> hangingUp (the modem machine's turn) -> over.
 * A pty link has no modem: its region is over at once and pppd runs the pty command.
 * The call is done when both regions are; then the port's lock is released.
 *
 * The reason of every transition is kept. STOP in any state ends pppd (SIGTERM, then
 * SIGKILL to its process group), hangs the modem up and releases the lock, in that order.
 * Effects are actors provided from outside (actors.ts): `claim` (plan and UUCP lock),
 * `modem` (the modem machine over the link's port), `detach`, `pppd`, `endCall`. Host tests
 * provide a fake port and a fake pppd and run the rest as it is, on a SimulatedClock.
 */
import { and, assign, emit, enqueueActions, fromCallback, fromPromise, raise, setup, type EventObject } from 'xstate';
import { modemMachine, type ModemPlan } from '../modem/index.js';
import { linkReason } from './reasons.js';
import { backoffDelay, DEFAULT_DEVICE_SETTLE_MS, type LinkConfig, type LinkReason } from './types.js';
import { holdOffOf, learnedFrom, negotiationTimeoutOf, reportOf, serversOf, withDnsServer, type Claim, type DialInput, type LinkContext, type LinkEmitted, type LinkDnsEmitted, type LinkIpv6Emitted, type LinkEvent, type LinkModemEmitted, type LinkPppEvent, type LinkState, type PppdInput, type RunningPppd } from './vocabulary.js';

const NOT_PROVIDED = (name: string) => () => {
  throw new Error(`link actor "${name}" was not provided (use createLinkActors)`);
};

/** The line region's states after pppd, by id. */
const ENDING = '#link.call.line.ending';

export const linkMachine = setup({
  types: {
    context: {} as LinkContext,
    events: {} as LinkEvent,
    input: {} as { config: LinkConfig; random?: () => number; now?: () => number },
    emitted: {} as LinkEmitted | LinkDnsEmitted | LinkIpv6Emitted | LinkModemEmitted,
  },
  actors: {
    claim: fromPromise<Claim, DialInput>(async () => NOT_PROVIDED('claim')()),
    modem: modemMachine,
    detach: fromPromise<number, void>(async () => NOT_PROVIDED('detach')()),
    pppd: fromCallback<EventObject, PppdInput>(() => NOT_PROVIDED('pppd')()),
    endCall: fromPromise<void, { pppd: RunningPppd | null; fd: number | null; dtrHangup: boolean }>(async () => NOT_PROVIDED('endCall')()),
    /** Sends DEVICE_BACK once the device path exists again (event-driven, no polling). */
    deviceBack: fromCallback<EventObject, { device: string }>(() => NOT_PROVIDED('deviceBack')()),
  },
  delays: {
    backoff: ({ context }) => context.retryInMs ?? backoffDelay(context.config.backoff, context.failures, context.random),
    negotiateTimeout: ({ context }) => negotiationTimeoutOf(context),
    deviceSettle: ({ context }) => context.config.deviceSettleMs ?? DEFAULT_DEVICE_SETTLE_MS,
  },
  actions: {
    announce: emit(({ context }, state: LinkState) => ({
      type: 'transition' as const,
      state,
      ...(context.reason && (state === 'down' || state === 'parked' || state === 'backoff' || state === 'waiting') ? { reason: context.reason } : {}),
      ...(state === 'backoff' && context.retryInMs !== null ? { retryInMs: context.retryInMs } : {}),
    })),
    /** The pause before the next dial: the redial policy's, but never shorter than the
     * modem's own hold-off (redialing a DELAYED number early gets it blacklisted). */
    planRetry: assign(({ context }) => ({ retryInMs: Math.max(backoffDelay(context.config.backoff, context.failures, context.random), context.holdOffMs ?? 0) })),
    endRetry: assign({ retryInMs: null, holdOffMs: null }),
    fail: assign(({ context }, reason: LinkReason) => ({ reason, failures: context.failures + 1 })),
    hungUp: assign({ reason: () => linkReason({ kind: 'hung-up' }), hangUpAsked: true }),
    beginStop: enqueueActions(({ context, enqueue }) => {
      if (context.stopping) return;
      enqueue.assign({ stopping: true });
      enqueue.emit({ type: 'transition', state: 'stopping' });
    }),
    /** An event for the modem machine, while it runs. */
    toModem: enqueueActions(({ context, enqueue }, event: { type: 'ABORT' } | { type: 'HANGUP' }) => {
      if (!context.modemEnded && context.config.kind === 'modem') enqueue.sendTo('modem', event);
    }),
    releaseLock: ({ context }) => context.lock?.release(),
    clearCall: assign({ plan: null, lock: null, fd: null, pppd: null, lineRate: null, ttyRate: null, ifname: null, localIp: null, remoteIp: null, localLinkLocal: null, remoteLinkLocal: null, dns: [] as string[], routerDns: [] as string[], pppSaid: [] as Array<LinkPppEvent['type']> }),
  },
  guards: {
    isPty: ({ context }) => context.config.kind === 'pty',
    stopping: ({ context }) => context.stopping,
    hungUp: ({ context }) => context.hangUpAsked,
    modemEnded: ({ context }) => context.modemEnded,
    neverConnected: ({ context }) => context.config.kind === 'modem' && context.connectedAt === null,
    /** The device is missing: wait for it, whatever the redial policy says. */
    awaitsDevice: ({ context }) => context.reason?.awaitsDevice === true,
    /** A RETRY may cut this back-off short: it is ours, not the modem's, or it is forced. */
    mayRetry: ({ context, event }) => context.holdOffMs === null || (event.type === 'RETRY' && event.force === true),
    /** No redial: a fatal reason, or too many failures in a row (when the link has a limit). */
    fatal: ({ context }) => context.reason?.fatal === true || (context.config.parkAfter !== undefined && context.failures >= context.config.parkAfter),
  },
}).createMachine({
  id: 'link',
  context: ({ input }) => ({
    config: input.config,
    plan: null,
    lock: null,
    fd: null,
    pppd: null,
    stopping: false,
    hangUpAsked: false,
    modemEnded: false,
    modemOutput: null,
    dialStartedAt: 0,
    connectedAt: null,
    failures: 0,
    reason: null,
    ifname: null,
    localIp: null,
    remoteIp: null,
    localLinkLocal: null,
    remoteLinkLocal: null,
    dns: [],
    routerDns: [],
    connect: null,
    lineRate: null,
    ttyRate: null,
    pppSaid: [],
    holdOffMs: null,
    retryInMs: null,
    random: input.random ?? Math.random,
    now: input.now ?? Date.now,
  }),
  initial: 'idle',
  states: {
    idle: {
      on: { START: [{ guard: 'isPty', target: 'call' }, { target: 'dialing' }], STOP: 'stopping', HANGUP: { target: 'down', actions: 'hungUp' } },
    },

    /** Plan and lock: the port is ours from here to the end of the call. */
    dialing: {
      entry: [assign({ holdOffMs: null, hangUpAsked: false }), { type: 'announce', params: 'dialing' }],
      invoke: {
        src: 'claim',
        input: ({ context }) => ({ config: context.config, failures: context.failures }),
        onDone: [
          { guard: 'stopping', target: 'stopped', actions: ({ event }) => event.output.lock?.release() },
          { guard: 'hungUp', target: 'down', actions: ({ event }) => event.output.lock?.release() },
          { target: 'call', actions: assign(({ event }) => ({ plan: event.output.plan, lock: event.output.lock })) },
        ],
        onError: [
          { guard: 'stopping', target: 'stopped' },
          { target: 'down', actions: { type: 'fail', params: ({ event }) => linkReason({ kind: 'thrown', error: event.error, fallback: 'MODEM_DIAL_FAILED' }) } },
        ],
      },
      on: { STOP: { actions: 'beginStop' }, HANGUP: { actions: 'hungUp' } },
    },

    call: {
      type: 'parallel',
      entry: assign(({ context }) => ({ hangUpAsked: context.config.kind === 'pty' ? false : context.hangUpAsked, modemEnded: false, modemOutput: null, connectedAt: null, fd: null, pppd: null, dialStartedAt: context.now() })),
      onDone: 'ended',
      on: {
        MODEM_SAID: { actions: emit(({ event }) => ({ type: 'modem' as const, said: event.said })) },
        STOP: { actions: ['beginStop', raise({ type: 'END_CALL' })] },
        HANGUP: { actions: [{ type: 'hungUp' }, raise({ type: 'END_CALL' })] },
      },
      states: {
        modem: {
          initial: 'starting',
          states: {
            starting: { always: [{ guard: 'isPty', target: 'done', actions: assign({ modemEnded: true }) }, { target: 'running' }] },
            running: {
              invoke: {
                id: 'modem',
                src: 'modem',
                input: ({ context }) => ({ plan: context.plan as ModemPlan }),
                onDone: { target: 'done', actions: [assign({ modemEnded: true, modemOutput: ({ event }) => event.output }), raise({ type: 'MODEM_ENDED' })] },
                onError: {
                  target: 'done',
                  actions: [
                    assign({ modemEnded: true }),
                    { type: 'fail', params: ({ event }) => linkReason({ kind: 'thrown', error: event.error, fallback: 'MODEM_DIAL_FAILED' }) },
                    raise({ type: 'MODEM_ENDED' }),
                  ],
                },
              },
            },
            done: { type: 'final' },
          },
        },

        line: {
          initial: 'connecting',
          states: {
            /** The modem machine wakes, prepares and dials; `online` is the connected line. */
            connecting: {
              always: { guard: 'isPty', target: 'online' },
              on: {
                MODEM_SAID: {
                  guard: ({ event }) => event.said.type === 'phase' && event.said.phase === 'online',
                  target: 'handover',
                  actions: [
                    emit(({ event }) => ({ type: 'modem' as const, said: event.said })),
                    assign(({ context, event }) => {
                      const connectedAt = context.now();
                      const session = event.said.type === 'phase' ? event.said.session : undefined;
                      return { connectedAt, connect: session ? reportOf({ ...context, connectedAt }, session) : null };
                    }),
                  ],
                },
                MODEM_ENDED: 'over',
                END_CALL: { actions: { type: 'toModem', params: { type: 'ABORT' } } },
              },
            },

            /** The connected tty's descriptor for pppd; the modem machine holds the call. */
            handover: {
              invoke: {
                src: 'detach',
                onDone: [
                  { guard: 'stopping', target: 'ending', actions: assign({ fd: ({ event }) => event.output }) },
                  { guard: 'hungUp', target: 'ending', actions: assign({ fd: ({ event }) => event.output }) },
                  { target: 'online', actions: assign({ fd: ({ event }) => event.output }) },
                ],
                onError: { target: 'ending', actions: { type: 'fail', params: ({ event }) => linkReason({ kind: 'thrown', error: event.error, fallback: 'MODEM_IO' }) } },
              },
            },

            /** pppd runs for as long as this state lasts. */
            online: {
              invoke: { src: 'pppd', input: ({ context }) => ({ config: context.config, fd: context.fd, connectSpeed: context.connect?.speed ?? null }) },
              initial: 'negotiating',
              on: {
                PPP_STARTED: { actions: assign(({ event }) => ({ pppd: event.pppd, lineRate: event.lineRate, ttyRate: event.ttyRate })) },
                PPP_LOG: [
                  {
                    guard: ({ event }) => event.event.type === 'dns',
                    actions: [
                      assign(({ context, event }) => ({ dns: withDnsServer(context.dns, event.event as Extract<LinkPppEvent, { type: 'dns' }>) })),
                      emit(({ context }) => ({ type: 'dns' as const, servers: serversOf(context) })),
                    ],
                  },
                  {
                    guard: ({ event }) => event.event.type === 'router-dns',
                    actions: [
                      assign(({ event }) => ({ routerDns: (event.event as Extract<LinkPppEvent, { type: 'router-dns' }>).servers })),
                      emit(({ context }) => ({ type: 'dns' as const, servers: serversOf(context) })),
                    ],
                  },
                  {
                    guard: ({ event }) => event.event.type === 'remote-ll',
                    actions: [
                      assign(({ context, event }) => learnedFrom(context, event.event)),
                      emit(({ context }) => ({ type: 'ipv6' as const, remoteLinkLocal: context.remoteLinkLocal as string })),
                    ],
                  },
                  {
                    actions: assign(({ context, event }) => learnedFrom(context, event.event)),
                  },
                ],
                FAULT: { target: 'ending', actions: { type: 'fail', params: ({ event }) => event.reason } },
                PPP_EXIT: { target: 'ending', actions: { type: 'fail', params: ({ context, event }) => linkReason({ kind: 'pppd-exit', exit: event.exit, said: context.pppSaid }) } },
                END_CALL: 'ending',
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
                    negotiateTimeout: { target: ENDING, actions: { type: 'fail', params: ({ context }) => linkReason({ kind: 'negotiation-timeout', afterMs: negotiationTimeoutOf(context) }) } },
                  },
                },
                up: {
                  entry: [assign({ failures: 0, reason: null }), { type: 'announce', params: 'up' }],
                  // pppd says the line is lost (no LCP echo answers, modem hangup) well before it
                  // has finished ending: the link is down from that moment (ending stops pppd).
                  on: {
                    PPP_LOG: {
                      guard: ({ event }) => event.event.type === 'peer-dead' || event.event.type === 'hangup',
                      target: ENDING,
                      actions: [
                        { type: 'fail', params: ({ event }) => linkReason({ kind: 'line-lost', said: event.event.type === 'peer-dead' ? 'peer-dead' : 'hangup' }) },
                        assign(({ context, event }) => ({ pppSaid: [...context.pppSaid, event.event.type] })),
                      ],
                    },
                  },
                },
              },
            },

            /** The link is down from here: pppd is stopped and the line taken back from it. */
            ending: {
              entry: enqueueActions(({ context, enqueue }) => {
                if (!context.stopping) enqueue.emit({ type: 'transition', state: 'down', ...(context.reason ? { reason: context.reason } : {}) });
              }),
              invoke: {
                src: 'endCall',
                input: ({ context }) => ({ pppd: context.pppd, fd: context.fd, dtrHangup: context.plan?.dtrHangup ?? true }),
                onDone: [{ guard: 'modemEnded', target: 'over' }, { target: 'hangingUp' }],
                onError: [{ guard: 'modemEnded', target: 'over' }, { target: 'hangingUp' }],
              },
            },

            /** The modem machine hangs up (the escape and ATH where DTR does not) and closes. */
            hangingUp: {
              entry: { type: 'toModem', params: { type: 'HANGUP' } },
              always: { guard: 'modemEnded', target: 'over' },
              on: { MODEM_ENDED: 'over' },
            },

            over: { type: 'final' },
          },
        },
      },
    },

    /** The call is over and the port closed: the lock goes, then what next. */
    ended: {
      entry: ['releaseLock', assign({ plan: null, lock: null, fd: null, pppd: null })],
      always: [
        { guard: 'stopping', target: 'stopped', actions: 'clearCall' },
        // Never connected: the dial failed, or was hung up by request while dialing.
        {
          guard: and(['neverConnected', 'hungUp']),
          target: 'down',
          actions: assign(({ context }) => (context.modemOutput ? { connect: reportOf(context, context.modemOutput) } : {})),
        },
        {
          guard: 'neverConnected',
          target: 'down',
          actions: assign(({ context }) => {
            if (!context.modemOutput) return {}; // the modem machine failed: its reason is set
            const report = reportOf(context, context.modemOutput);
            return {
              connect: report,
              holdOffMs: holdOffOf(report, context.config),
              failures: context.failures + 1,
              reason: linkReason({ kind: 'dial', report, link: context.config.name }),
            };
          }),
        },
        { guard: 'awaitsDevice', target: 'waiting', actions: 'clearCall' },
        { guard: 'fatal', target: 'parked', actions: 'clearCall' },
        { target: 'backoff', actions: 'clearCall' },
      ],
    },

    /** A dial that failed (or a hang-up outside a call): said, then parked or backed off. */
    down: {
      entry: { type: 'announce', params: 'down' },
      always: [
        { guard: 'awaitsDevice', target: 'waiting', actions: 'clearCall' },
        { guard: 'fatal', target: 'parked', actions: 'clearCall' },
        { target: 'backoff', actions: 'clearCall' },
      ],
    },

    /** The device is missing (unplugged, a USB modem resetting): no dial until it is back,
     * then a moment for it to settle. Never parked for that. */
    waiting: {
      entry: { type: 'announce', params: 'waiting' },
      initial: 'forDevice',
      states: {
        forDevice: {
          invoke: { src: 'deviceBack', input: ({ context }) => ({ device: context.config.kind === 'modem' ? context.config.device : '' }) },
          on: { DEVICE_BACK: 'settling' },
        },
        settling: { after: { deviceSettle: '#link.dialing' } },
      },
      on: { RETRY: 'dialing', STOP: 'stopping', HANGUP: { target: 'down', actions: 'hungUp' } },
    },

    backoff: {
      entry: ['planRetry', { type: 'announce', params: 'backoff' }],
      exit: 'endRetry',
      after: { backoff: [{ guard: 'isPty', target: 'call' }, { target: 'dialing' }] },
      on: {
        // A RETRY during the modem's own hold-off is dropped: the modem would refuse again,
        // and every refused attempt brings BLACKLISTED closer.
        RETRY: [
          { guard: and(['mayRetry', 'isPty']), target: 'call' },
          { guard: 'mayRetry', target: 'dialing' },
        ],
        STOP: 'stopping',
        HANGUP: { target: 'down', actions: 'hungUp' },
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
        RETRY: [{ guard: 'isPty', target: 'call', actions: assign({ failures: 0 }) }, { target: 'dialing', actions: assign({ failures: 0 }) }],
        STOP: 'stopping',
      },
    },

    /** Nothing of a call is left here: said, and done. */
    stopping: {
      entry: ['beginStop'],
      always: 'stopped',
    },

    stopped: {
      type: 'final',
      entry: { type: 'announce', params: 'stopped' },
    },
  },
});

export type LinkMachine = typeof linkMachine;
