import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, fromPromise, SimulatedClock, type EventObject } from 'xstate';
import type { DialReport, HeldLine } from '../modem/index.js';
import { describePppExit } from '../ppp/index.js';
import { parseProfile } from '../profiles/index.js';
import { linkMachine, rotatedNumbers, type DialResultForLink, type LinkEmitted, type LinkEvent, type PppExit, type RunningPppd } from './machine.js';
import { backoffDelay, type LinkConfig } from './types.js';

const profile = parseProfile({ name: 'test' }, 'test');

const modemLink: LinkConfig = {
  kind: 'modem',
  name: 'line0',
  device: '/dev/ttyS0',
  profile,
  numbers: ['5551234'],
  ppp: {},
  backoff: { initialMs: 1000, factor: 2, maxMs: 8000, jitter: 0 },
  runDir: '/run/dialbond',
};

const ptyLink: LinkConfig = { kind: 'pty', name: 'slirp0', command: ['slirp-fullbolt', 'ppp'], ppp: {}, backoff: modemLink.backoff, runDir: '/run/dialbond' };

const connected: DialReport = { result: 'connected', connect: 'CONNECT 28800', speed: 28800, protocol: null, attempts: 1, elapsedMs: 2000, connectMs: 2000, device: '/dev/ttyS0', number: '5551234' };
const busy: DialReport = { ...connected, result: 'busy', connect: null, speed: null, connectMs: null, error: { code: 'MODEM_DIAL_FAILED', message: 'busy' } };

function exit(status: number, name: string): PppExit {
  return { status, signal: null, name, meaning: name, code: describePppExit(status).code };
}

/** A fake world for the link machine: scripted dial results, a controllable pppd. */
function world(dials: Array<DialReport>) {
  const log: string[] = [];
  let pppdBack: ((e: LinkEvent) => void) | null = null;
  let dialsLeft = [...dials];
  const dialedFirst: string[] = [];
  const fakePppd: RunningPppd = {
    pid: 4242,
    stop: async () => {
      log.push('pppd.stop');
    },
  };
  const held = (report: DialReport): HeldLine => ({
    report,
    fd: 99,
    hangUp: async () => {
      log.push('hangUp');
    },
  });
  const actors = {
    dial: fromPromise<DialResultForLink, { config: LinkConfig; failures: number }>(async ({ input }) => {
      const report = dialsLeft.shift() ?? busy;
      log.push(`dial:${report.result}`);
      dialedFirst.push(rotatedNumbers(input.config.kind === 'modem' ? input.config.numbers : [], input.failures)[0] ?? '');
      return report.result === 'connected' ? { held: held(report), report } : { held: null, report };
    }),
    pppd: fromCallback<EventObject, { config: LinkConfig; held: HeldLine | null }>(({ sendBack, input }) => {
      log.push(`pppd.start${input.held ? ` fd=${input.held.fd}` : ''}`);
      pppdBack = (e) => sendBack(e);
      sendBack({ type: 'PPP_STARTED', pppd: fakePppd });
      return () => {
        log.push('pppd.cleanup');
        pppdBack = null;
      };
    }),
    release: fromPromise<void, { pppd: RunningPppd | null; held: HeldLine | null }>(async ({ input }) => {
      await input.pppd?.stop();
      await input.held?.hangUp();
    }),
  };
  return {
    log,
    dialedFirst,
    actors,
    ppp: (e: LinkEvent) => pppdBack?.(e),
    setDials: (d: DialReport[]) => (dialsLeft = d),
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

function start(config: LinkConfig, w: ReturnType<typeof world>) {
  const clock = new SimulatedClock();
  const actor = createActor(linkMachine.provide({ actors: w.actors }), { input: { config, random: () => 0 }, clock });
  const transitions: LinkEmitted[] = [];
  actor.on('transition', (e) => transitions.push(e));
  actor.start();
  actor.send({ type: 'START' });
  const state = () => JSON.stringify(actor.getSnapshot().value);
  return { actor, clock, transitions, state };
}

describe('link machine', () => {
  it('dials, hands the held line to pppd, and is up when IPCP gives the remote address', async () => {
    const w = world([connected]);
    const { actor, state, transitions } = start(modemLink, w);
    await settle();
    expect(state()).toBe('{"online":"negotiating"}');
    expect(w.log).toEqual(['dial:connected', 'pppd.start fd=99']);
    w.ppp({ type: 'PPP_LOG', event: { type: 'interface', ifname: 'ppp0' } });
    w.ppp({ type: 'PPP_LOG', event: { type: 'local-ip', address: '203.0.113.1' } });
    w.ppp({ type: 'PPP_LOG', event: { type: 'remote-ip', address: '198.51.100.1' } });
    expect(state()).toBe('{"online":"up"}');
    expect(actor.getSnapshot().context).toMatchObject({ ifname: 'ppp0', localIp: '203.0.113.1', remoteIp: '198.51.100.1', failures: 0 });
    expect(transitions.map((t) => t.state)).toEqual(['dialing', 'negotiating', 'up']);
  });

  it('carries the DNS servers the peer offered, logged after it is up, and forgets them when it goes down', async () => {
    const w = world([connected, connected]);
    const { actor, clock } = start(modemLink, w);
    const announced: string[][] = [];
    actor.on('dns', (e) => announced.push(e.servers));
    await settle();
    w.ppp({ type: 'PPP_LOG', event: { type: 'interface', ifname: 'ppp0' } });
    w.ppp({ type: 'PPP_LOG', event: { type: 'local-ip', address: '203.0.113.1' } });
    w.ppp({ type: 'PPP_LOG', event: { type: 'remote-ip', address: '198.51.100.1' } });
    w.ppp({ type: 'PPP_LOG', event: { type: 'dns', rank: 'secondary', address: '198.51.100.54' } });
    w.ppp({ type: 'PPP_LOG', event: { type: 'dns', rank: 'primary', address: '198.51.100.53' } });
    expect(JSON.stringify(actor.getSnapshot().value)).toBe('{"online":"up"}');
    expect(actor.getSnapshot().context.dns).toEqual(['198.51.100.53', '198.51.100.54']);
    expect(announced).toEqual([['198.51.100.54'], ['198.51.100.53', '198.51.100.54']]);
    w.ppp({ type: 'PPP_LOG', event: { type: 'hangup' } });
    await settle();
    clock.increment(0);
    expect(actor.getSnapshot().context.dns).toEqual([]);
  });

  it('on a hang-up (pppd 16) goes down with the reason, hangs up, backs off and redials', async () => {
    const w = world([connected, connected]);
    const { actor, clock, state, transitions } = start(modemLink, w);
    await settle();
    w.ppp({ type: 'PPP_LOG', event: { type: 'remote-ip', address: '198.51.100.1' } });
    w.ppp({ type: 'PPP_LOG', event: { type: 'hangup' } });
    w.ppp({ type: 'PPP_EXIT', exit: exit(16, 'hangup') });
    await settle();
    expect(state()).toBe('"backoff"');
    const down = transitions.find((t) => t.state === 'down');
    // down as soon as pppd logs the hang-up, before it has finished exiting
    expect(down?.reason).toMatchObject({ code: 'PPP_HANGUP', fatal: false });
    expect(w.log).toContain('hangUp');
    expect(w.log.indexOf('pppd.cleanup')).toBeLessThan(w.log.indexOf('hangUp'));
    clock.increment(999);
    await settle();
    expect(state()).toBe('"backoff"');
    clock.increment(1);
    await settle();
    expect(w.log.filter((l) => l.startsWith('dial:'))).toHaveLength(2);
    expect(state()).toBe('{"online":"negotiating"}');
    expect(actor.getSnapshot().context.failures).toBe(1);
  });

  it('takes the reason from the exit status when pppd ends without saying why (kill -9)', async () => {
    const w = world([connected]);
    const { state, transitions } = start(modemLink, w);
    await settle();
    w.ppp({ type: 'PPP_LOG', event: { type: 'remote-ip', address: '198.51.100.1' } });
    w.ppp({ type: 'PPP_EXIT', exit: { status: null, signal: 'SIGKILL', name: 'killed', meaning: 'killed by SIGKILL', code: 'PPP_KILLED' } });
    await settle();
    expect(state()).toBe('"backoff"');
    expect(transitions.find((t) => t.state === 'down')?.reason).toMatchObject({ code: 'PPP_KILLED', fatal: false, pppStatus: null });
  });

  it('reads a peer-dead line reported by pppd as 16 as peer dead, from its log', async () => {
    const w = world([connected]);
    const { state, transitions } = start(modemLink, w);
    await settle();
    // while negotiating, a peer-dead line is only known when pppd exits (as 16 or 15)
    w.ppp({ type: 'PPP_LOG', event: { type: 'peer-dead' } });
    w.ppp({ type: 'PPP_EXIT', exit: exit(16, 'hangup') });
    await settle();
    expect(state()).toBe('"backoff"');
    expect(transitions.find((t) => t.state === 'down')?.reason).toMatchObject({ code: 'PPP_PEER_DEAD', fatal: false });
  });

  it('backs off longer after each consecutive failure, up to the maximum', async () => {
    const w = world([busy, busy, busy, busy, busy]);
    const { clock } = start(modemLink, w);
    const dialsAt: number[] = [];
    for (let t = 0; t <= 20_000; t += 100) {
      await settle();
      const n = w.log.filter((l) => l.startsWith('dial:')).length;
      while (dialsAt.length < n) dialsAt.push(t);
      clock.increment(100);
    }
    const gaps = dialsAt.slice(1).map((t, i) => t - dialsAt[i]!);
    expect(gaps.slice(0, 3)).toEqual([1000, 2000, 4000]);
    expect(backoffDelay(modemLink.backoff, 10)).toBe(8000);
  });

  it('parks on a fatal reason (we failed to authenticate, pppd 19) and does not redial by itself', async () => {
    const w = world([connected, connected]);
    const { actor, clock, state, transitions } = start(modemLink, w);
    await settle();
    w.ppp({ type: 'PPP_LOG', event: { type: 'auth-failed' } });
    w.ppp({ type: 'PPP_EXIT', exit: exit(19, 'auth-failed-local') });
    await settle();
    expect(state()).toBe('"parked"');
    expect(transitions.at(-1)?.reason).toMatchObject({ fatal: true, pppStatus: 19 });
    clock.increment(3_600_000);
    await settle();
    expect(w.log.filter((l) => l.startsWith('dial:'))).toHaveLength(1);
    actor.send({ type: 'RETRY' });
    await settle();
    expect(w.log.filter((l) => l.startsWith('dial:'))).toHaveLength(2);
  });

  it('parks when the dial fails for a reason redialing cannot fix (no such device)', async () => {
    const w = world([{ ...busy, result: 'error', error: { code: 'MODEM_NO_DEVICE', message: '/dev/ttyS0 does not exist' } }]);
    const { state, transitions } = start(modemLink, w);
    await settle();
    expect(state()).toBe('"parked"');
    expect(transitions.at(-1)?.reason).toMatchObject({ code: 'MODEM_NO_DEVICE', fatal: true });
  });

  it('stops from up: pppd is stopped before the modem is hung up, and the machine ends', async () => {
    const w = world([connected]);
    const { actor, state } = start(modemLink, w);
    await settle();
    w.ppp({ type: 'PPP_LOG', event: { type: 'remote-ip', address: '198.51.100.1' } });
    actor.send({ type: 'STOP' });
    await settle();
    expect(state()).toBe('"stopped"');
    expect(actor.getSnapshot().status).toBe('done');
    expect(w.log.slice(-3)).toEqual(['pppd.cleanup', 'pppd.stop', 'hangUp']);
  });

  it('stops from back-off and from parked without dialing again', async () => {
    const w = world([busy]);
    const { actor, state } = start(modemLink, w);
    await settle();
    expect(state()).toBe('"backoff"');
    actor.send({ type: 'STOP' });
    await settle();
    expect(state()).toBe('"stopped"');
    expect(w.log.filter((l) => l.startsWith('dial:'))).toHaveLength(1);
  });

  it('a pty link skips dialing: pppd runs the command itself', async () => {
    const w = world([]);
    const { state } = start(ptyLink, w);
    await settle();
    expect(state()).toBe('{"online":"negotiating"}');
    expect(w.log).toEqual(['pppd.start']);
  });

  it('gives up negotiating after 60 s and goes down with a reason', async () => {
    const w = world([connected]);
    const { clock, state, transitions } = start(modemLink, w);
    await settle();
    clock.increment(60_000);
    await settle();
    expect(state()).toBe('"backoff"');
    expect(transitions.find((t) => t.state === 'down')?.reason).toMatchObject({ code: 'PPP_NEGOTIATION_TIMEOUT' });
    expect(w.log).toContain('pppd.cleanup');
    expect(w.log).toContain('hangUp');
  });
  it('hangs up on request: pppd ends, the modem hangs up, and it stays parked until dialed again', async () => {
    const w = world([connected, connected]);
    const { actor, clock, state, transitions } = start(modemLink, w);
    await settle();
    w.ppp({ type: 'PPP_LOG', event: { type: 'remote-ip', address: '198.51.100.1' } });
    actor.send({ type: 'HANGUP' });
    await settle();
    expect(state()).toBe('"parked"');
    expect(transitions.at(-1)).toMatchObject({ state: 'parked', reason: { code: 'LINK_HUNG_UP', fatal: true } });
    expect(w.log).toContain('hangUp');
    clock.increment(600_000);
    await settle();
    expect(w.log.filter((l) => l.startsWith('dial:'))).toHaveLength(1);
    actor.send({ type: 'RETRY' });
    await settle();
    expect(state()).toBe('{"online":"negotiating"}');
    expect(w.log.filter((l) => l.startsWith('dial:'))).toHaveLength(2);
  });

  it('hangs up from back-off without dialing again', async () => {
    const w = world([busy]);
    const { actor, clock, state } = start(modemLink, w);
    await settle();
    expect(state()).toBe('"backoff"');
    actor.send({ type: 'HANGUP' });
    await settle();
    clock.increment(600_000);
    await settle();
    expect(state()).toBe('"parked"');
    expect(w.log.filter((l) => l.startsWith('dial:'))).toHaveLength(1);
  });

  it('goes down and redials when the supervisor reports a fault on an up line', async () => {
    const w = world([connected, connected]);
    const { actor, clock, state, transitions } = start(modemLink, w);
    await settle();
    w.ppp({ type: 'PPP_LOG', event: { type: 'remote-ip', address: '198.51.100.1' } });
    actor.send({ type: 'FAULT', reason: { code: 'LINK_PROBE_FAILED', message: 'no answer to 3 probes', fatal: false } });
    await settle();
    expect(transitions.find((t) => t.state === 'down')?.reason).toMatchObject({ code: 'LINK_PROBE_FAILED' });
    expect(state()).toBe('"backoff"');
    expect(w.log).toContain('pppd.stop');
    clock.increment(1000);
    await settle();
    expect(w.log.filter((l) => l.startsWith('dial:'))).toHaveLength(2);
  });

  it('parks after parkAfter failures in a row, saying so', async () => {
    const w = world([busy, busy, busy, busy]);
    const { clock, state, transitions } = start({ ...modemLink, parkAfter: 3 }, w);
    for (let i = 0; i < 6; i++) {
      await settle();
      clock.increment(8000);
    }
    await settle();
    expect(state()).toBe('"parked"');
    expect(w.log.filter((l) => l.startsWith('dial:'))).toHaveLength(3);
    expect(transitions.at(-1)?.reason?.message).toMatch(/parked after 3 failures in a row/);
  });
  it('a multilink line that joins a bundle is up on the bundle interface without IPCP of its own', async () => {
    const w = world([connected]);
    const { actor, state } = start(modemLink, w);
    await settle();
    w.ppp({ type: 'PPP_LOG', event: { type: 'bundle-joined', ifname: 'ppp3' } });
    expect(state()).toBe('{"online":"up"}');
    expect(actor.getSnapshot().context).toMatchObject({ ifname: 'ppp3', remoteIp: null });
  });
  it('starts each redial with the next number, so a failing number does not lead every time', async () => {
    const w = world([busy, busy, busy]);
    const { clock } = start({ ...modemLink, numbers: ['111', '222', '333'] }, w);
    for (let i = 0; i < 3; i++) {
      await settle();
      clock.increment(8000);
    }
    await settle();
    expect(w.dialedFirst.slice(0, 4)).toEqual(['111', '222', '333', '111']);
    expect(rotatedNumbers(['1'], 5)).toEqual(['1']);
    expect(rotatedNumbers(['1', '2', '3'], 4)).toEqual(['2', '3', '1']);
  });

  describe("the modem's own hold-off", () => {
    const delayed: DialReport = { ...busy, result: 'delayed', error: { code: 'MODEM_DIAL_FAILED', message: 'the modem refuses to dial 5551234 for now (delayed)' }, retryAfterMs: 600_000 };
    const blacklisted: DialReport = { ...busy, result: 'blacklisted', error: { code: 'MODEM_DIAL_FAILED', message: 'the modem refuses to dial 5551234 (blacklisted)' }, retryAfterMs: 600_000 };
    const dials = (w: ReturnType<typeof world>) => w.log.filter((l) => l.startsWith('dial:')).length;

    it('DELAYED: no redial before the modem\'s hold-off, whatever the redial policy says, and the pause is announced', async () => {
      const w = world([delayed, busy]);
      const { actor, clock, state, transitions } = start(modemLink, w);
      await settle();
      expect(state()).toBe('"backoff"');
      const backoff = transitions.find((t) => t.state === 'backoff');
      expect(backoff).toMatchObject({ retryInMs: 600_000, reason: { holdOff: 'delayed', fatal: false } });
      // the policy alone would have redialed after 1, 2, 4, 8, 8... s
      clock.increment(599_999);
      await settle();
      expect(dials(w)).toBe(1);
      // a plain RETRY (bandwidth on demand, a redial from elsewhere) does not cut it short
      actor.send({ type: 'RETRY' });
      await settle();
      expect(dials(w)).toBe(1);
      expect(state()).toBe('"backoff"');
      clock.increment(1);
      await settle();
      expect(dials(w)).toBe(2);
    });

    it('DELAYED without a figure from the modem: the profile\'s long back-off', async () => {
      const { retryAfterMs: _none, ...noFigure } = delayed;
      const w = world([noFigure]);
      const { transitions } = start({ ...modemLink, profile: { ...profile, redial: { ...profile.redial, longBackoff: 120_000 } } }, w);
      await settle();
      expect(transitions.find((t) => t.state === 'backoff')?.retryInMs).toBe(120_000);
    });

    it('DELAYED: a forced RETRY dials at once', async () => {
      const w = world([delayed, busy]);
      const { actor, state } = start(modemLink, w);
      await settle();
      actor.send({ type: 'RETRY', force: true });
      await settle();
      expect(dials(w)).toBe(2);
      expect(state()).toBe('"backoff"');
    });

    it('the next back-off after a hold-off is the redial policy\'s again', async () => {
      const w = world([delayed, busy]);
      const { clock, transitions } = start(modemLink, w);
      await settle();
      clock.increment(600_000);
      await settle();
      expect(transitions.filter((t) => t.state === 'backoff').map((t) => t.retryInMs)).toEqual([600_000, 2000]);
    });

    it('BLACKLISTED: parked with the reason, no redial in an hour, dialed again only when asked', async () => {
      const w = world([blacklisted, connected]);
      const { actor, clock, state, transitions } = start(modemLink, w);
      await settle();
      expect(state()).toBe('"parked"');
      expect(transitions.at(-1)).toMatchObject({ state: 'parked', reason: { holdOff: 'blacklisted', fatal: true } });
      expect(transitions.at(-1)?.reason?.message).toContain('dialbond up line0');
      clock.increment(3_600_000);
      await settle();
      expect(dials(w)).toBe(1);
      actor.send({ type: 'RETRY' });
      await settle();
      expect(dials(w)).toBe(2);
      expect(state()).toBe('{"online":"negotiating"}');
    });
  });
});
