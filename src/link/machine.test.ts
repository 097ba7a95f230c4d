/**
 * A whole link on a simulated clock: the link machine with its real actors (claim and
 * UUCP lock, the modem machine as its child, the hand-over, the end of a call), over a
 * fake modem port and a fake pppd. Only the port's bytes and pppd's process are made up.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { DialbondError } from '../errors/index.js';
import { startsCall } from '../hayes/index.js';
import { FakeModemIo } from '../modem/testing/fake-io.js';
import { parseProfile, type ProfileInput } from '../profiles/index.js';
import type { PppLogEvent } from '../ppp/index.js';
import { createLinkActors } from './actors.js';
import { linkStateOf } from './link.js';
import { linkMachine } from './machine.js';
import { rotatedNumbers, type LinkEmitted } from './vocabulary.js';
import { fakePppdStarter } from './testing/fake-pppd.js';
import { backoffDelay, type LinkConfig } from './types.js';

const PROFILE: ProfileInput = { name: 'test', reset: 'ATZ', init: ['ATQ0 V1 E1 S0=0 &C1 &D2'], redial: { delay: 3000, longBackoff: 600_000 } };
const profile = parseProfile(PROFILE, 'test');
/** A modem that ignores DTR: the hang-up is the guarded escape and ATH. */
const noD2 = parseProfile({ ...PROFILE, name: 'no-d2', init: ['ATQ0 V1 E1 S0=0 &C1'] }, 'no-d2');

function modemLink(overrides: Partial<Extract<LinkConfig, { kind: 'modem' }>> = {}): LinkConfig {
  return {
    kind: 'modem',
    name: 'line0',
    device: '/dev/ttyS0',
    profile,
    numbers: ['5551234'],
    ppp: {},
    backoff: { initialMs: 1000, factor: 2, maxMs: 8000, jitter: 0 },
    runDir: '/run/dialbond',
    lockDir: mkdtempSync(join(tmpdir(), 'dialbond-link-')),
    ...overrides,
  };
}

const ptyLink: LinkConfig = { kind: 'pty', name: 'slirp0', command: ['slirp-fullbolt', 'ppp'], ppp: {}, backoff: { initialMs: 1000, factor: 2, maxMs: 8000, jitter: 0 }, runDir: '/run/dialbond' };

/** The far end: a modem that says OK to everything but a dial, whose answers are `dials` in
 * turn (BUSY once they run out). CONNECT takes 2 s, the rest 0.5 s; +++ is answered after
 * one guard time. `missing` makes the device absent at the next open. */
function farEnd(clock: SimulatedClock, dials: string[]) {
  const log: string[] = [];
  const ports: FakeModemIo[] = [];
  const numbers: string[] = [];
  let missing = false;
  const respond = (text: string, io: FakeModemIo) => {
    const command = text.replace(/\r$/, '');
    if (command === '+++') return void io.replyAfter(1000, 'OK');
    if (command === '') return; // the abort of a dial: the pending ATD ends with NO CARRIER below
    if (startsCall(command)) {
      numbers.push(/D[TP]?([0-9*#]+)$/.exec(command)?.[1] ?? '?');
      const answer = dials.shift() ?? 'BUSY';
      return void io.replyAfter(answer.startsWith('CONNECT') ? 2000 : 500, answer);
    }
    io.reply('OK');
  };
  class LoggedPort extends FakeModemIo {
    override async close(options: { dropDtr?: boolean } = {}): Promise<void> {
      log.push('port.close');
      await super.close(options);
    }
    override async takeBack(fd: number, options: { reopen: boolean }): Promise<void> {
      log.push(`port.takeBack${options.reopen ? ' reopen' : ''}`);
      await super.takeBack(fd, options);
    }
  }
  const pppds = fakePppdStarter(() => log.push('pppd.stop'));
  const openPort = () => {
    const io = new LoggedPort(clock, respond);
    if (missing) io.openError = new DialbondError('MODEM_NO_DEVICE', '/dev/ttyS0 does not exist (is the modem plugged in, and the path right?)', { device: '/dev/ttyS0' });
    ports.push(io);
    return io;
  };
  return {
    log,
    ports,
    numbers,
    pppds,
    openPort,
    startPppd: (options: Parameters<typeof pppds.start>[0]) => {
      log.push(`pppd.start${options.stdinFd !== undefined ? ` fd=${options.stdinFd}` : ''}`);
      return pppds.start(options);
    },
    unplug: () => (missing = true),
    replug: () => (missing = false),
    /** The pppd of the current call. */
    get pppd() {
      return pppds.started.at(-1)!;
    },
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 8; i++) await new Promise<void>((r) => setImmediate(r));
}

function start(config: LinkConfig, answers: string[] = []) {
  const clock = new SimulatedClock();
  const far = farEnd(clock, answers);
  const watching: Array<{ device: string; back: () => void; stopped: boolean }> = [];
  const whenDeviceExists = (device: string, back: () => void) => {
    const watch = { device, back, stopped: false };
    watching.push(watch);
    return () => void (watch.stopped = true);
  };
  const actors = createLinkActors(config, { clock, openPort: far.openPort, startPppd: far.startPppd, whenDeviceExists });
  const actor = createActor(linkMachine.provide({ actors }), { input: { config, random: () => 0, now: () => clock.now() }, clock });
  const transitions: Array<LinkEmitted & { atMs: number }> = [];
  actor.on('transition', (e) => transitions.push({ ...e, atMs: clock.now() }));
  const transcript: string[] = [];
  actor.on('modem', ({ said }) => said.type === 'transcript' && transcript.push(`${said.direction} ${said.text}`));
  actor.start();
  actor.send({ type: 'START' });
  const state = () => linkStateOf(actor.getSnapshot());
  /** Simulated time passes, `ms` in 50 ms steps. */
  const run = async (ms: number, step = ms > 60_000 ? 1000 : 50) => {
    for (let t = 0; t < ms; t += step) {
      await settle();
      clock.increment(Math.min(step, ms - t));
    }
    await settle();
  };
  const say = async (event: PppLogEvent) => {
    far.pppd.log(event);
    await settle();
  };
  const upWith = async () => {
    await say({ type: 'interface', ifname: 'ppp0' });
    await say({ type: 'local-ip', address: '203.0.113.1' });
    await say({ type: 'remote-ip', address: '198.51.100.1' });
  };
  const lockFiles = () => (config.kind === 'modem' ? readdirSync(config.lockDir as string) : []);
  const dials = () => far.numbers.length;
  return { actor, clock, far, transitions, transcript, state, run, say, upWith, lockFiles, dials, watching };
}

describe('a whole link', () => {
  it('dials with the modem machine as its child, hands the connected line to pppd, and is up when IPCP gives the remote address', async () => {
    const link = start(modemLink(), ['CONNECT 28800']);
    await link.run(2500);
    expect(link.state()).toBe('negotiating');
    expect(link.far.ports[0]!.commands).toEqual(['ATZ', 'ATQ0 V1 E1 S0=0 &C1 &D2DT5551234']);
    expect(link.far.log).toEqual(['pppd.start fd=100']);
    expect(link.lockFiles()).toEqual(['LCK..ttyS0']);
    await link.upWith();
    expect(link.state()).toBe('up');
    expect(link.actor.getSnapshot().context).toMatchObject({ ifname: 'ppp0', localIp: '203.0.113.1', remoteIp: '198.51.100.1', failures: 0 });
    expect(link.actor.getSnapshot().context.connect).toMatchObject({ result: 'connected', connect: 'CONNECT 28800', speed: 28800, number: '5551234', connectMs: 2000 });
    expect(link.transitions.map((t) => t.state)).toEqual(['dialing', 'negotiating', 'up']);
    // the dial's transcript reaches the link from its child
    expect(link.transcript).toEqual(expect.arrayContaining(['tx ATZ', 'rx OK', 'rx CONNECT 28800']));
  });

  it('carries the DNS servers the peer offered and forgets them when it goes down', async () => {
    const link = start(modemLink(), ['CONNECT 28800', 'CONNECT 28800']);
    const announced: string[][] = [];
    link.actor.on('dns', (e) => announced.push(e.servers));
    await link.run(2500);
    await link.upWith();
    await link.say({ type: 'dns', rank: 'secondary', address: '198.51.100.54' });
    await link.say({ type: 'dns', rank: 'primary', address: '198.51.100.53' });
    expect(link.actor.getSnapshot().context.dns).toEqual(['198.51.100.53', '198.51.100.54']);
    expect(announced).toEqual([['198.51.100.54'], ['198.51.100.53', '198.51.100.54']]);
    await link.say({ type: 'hangup' });
    await link.run(600);
    expect(link.actor.getSnapshot().context.dns).toEqual([]);
  });

  it('on a hang-up: down at once with the reason, pppd stopped before the line is taken back, DTR held low, the lock released, then back-off and a redial', async () => {
    const link = start(modemLink(), ['CONNECT 28800', 'CONNECT 28800']);
    await link.run(2500);
    await link.upWith();
    const lostAt = link.clock.now();
    await link.say({ type: 'hangup' });
    const down = link.transitions.find((t) => t.state === 'down');
    // down as soon as pppd logs the hang-up, before it has finished exiting
    expect(down).toMatchObject({ atMs: lostAt, reason: { code: 'PPP_HANGUP', fatal: false } });
    expect(link.far.log.slice(1)).toEqual(['pppd.stop', 'port.takeBack']);
    // with &D2 the close was the hang-up: DTR stays low 0.5 s with the lock still ours
    expect(link.lockFiles()).toEqual(['LCK..ttyS0']);
    await link.run(500);
    expect(link.far.log.slice(1)).toEqual(['pppd.stop', 'port.takeBack', 'port.close']);
    expect(link.lockFiles()).toEqual([]);
    expect(link.state()).toBe('backoff');
    expect(link.transitions.find((t) => t.state === 'backoff')).toMatchObject({ retryInMs: 1000 });
    await link.run(1000);
    expect(link.state()).toBe('dialing');
    await link.run(2500);
    expect(link.dials()).toBe(2);
    expect(link.state()).toBe('negotiating');
    expect(link.actor.getSnapshot().context.failures).toBe(1);
  });

  it('without &D2, hangs up with the escape and ATH on the port taken back', async () => {
    const link = start(modemLink({ profile: noD2 }), ['CONNECT 28800']);
    await link.run(2500);
    await link.upWith();
    await link.say({ type: 'hangup' });
    await link.run(5000);
    expect(link.far.log.slice(1, 3)).toEqual(['pppd.stop', 'port.takeBack reopen']);
    expect(link.far.ports[0]!.commands.slice(-2)).toEqual(['+++', 'ATH']);
    expect(link.state()).toBe('backoff');
    expect(link.lockFiles()).toEqual([]);
  });

  it('takes the reason from the exit status when pppd ends without saying why (kill -9)', async () => {
    const link = start(modemLink(), ['CONNECT 28800']);
    await link.run(2500);
    await link.upWith();
    link.far.pppd.exit(null, 'SIGKILL');
    await link.run(600);
    expect(link.state()).toBe('backoff');
    expect(link.transitions.find((t) => t.state === 'down')?.reason).toMatchObject({ code: 'PPP_KILLED', fatal: false, pppStatus: null });
  });

  it('reads a peer-dead line reported by pppd as 16 as peer dead, from its log', async () => {
    const link = start(modemLink(), ['CONNECT 28800']);
    await link.run(2500);
    // while negotiating, a peer-dead line is only known when pppd exits (as 16 or 15)
    await link.say({ type: 'peer-dead', missed: 3 });
    link.far.pppd.exit(16);
    await link.run(600);
    expect(link.state()).toBe('backoff');
    expect(link.transitions.find((t) => t.state === 'down')?.reason).toMatchObject({ code: 'PPP_PEER_DEAD', fatal: false });
  });

  it('backs off longer after each consecutive failure, up to the maximum', async () => {
    const link = start(modemLink(), ['BUSY', 'BUSY', 'BUSY', 'BUSY', 'BUSY']);
    const dialsAt: number[] = [];
    for (let t = 0; t <= 20_000; t += 100) {
      await link.run(100);
      while (dialsAt.length < link.dials()) dialsAt.push(t);
    }
    // each pause as announced, and as kept: from entering back-off to the next dial
    const pauses = link.transitions.filter((t) => t.state === 'backoff').map((t) => t.retryInMs);
    expect(pauses.slice(0, 4)).toEqual([1000, 2000, 4000, 8000]);
    const kept = link.transitions.flatMap((t, i) => (t.state === 'backoff' && link.transitions[i + 1] ? [link.transitions[i + 1]!.atMs - t.atMs] : [])).slice(0, 3);
    expect(kept).toEqual([1000, 2000, 4000]);
    expect(dialsAt.length).toBeGreaterThanOrEqual(4);
    expect(backoffDelay({ initialMs: 1000, factor: 2, maxMs: 8000, jitter: 0 }, 10)).toBe(8000);
    expect(link.transitions.find((t) => t.state === 'down')?.reason).toMatchObject({ code: 'MODEM_DIAL_FAILED', fatal: false });
  });

  it('parks on a fatal reason (we failed to authenticate, pppd 19) and does not redial by itself', async () => {
    const link = start(modemLink(), ['CONNECT 28800', 'CONNECT 28800']);
    await link.run(2500);
    await link.say({ type: 'auth-failed', by: 'peer' });
    link.far.pppd.exit(19);
    await link.run(600);
    expect(link.state()).toBe('parked');
    expect(link.transitions.at(-1)?.reason).toMatchObject({ fatal: true, pppStatus: 19 });
    await link.run(60_000);
    expect(link.dials()).toBe(1);
    link.actor.send({ type: 'RETRY' });
    await link.run(2500);
    expect(link.dials()).toBe(2);
  });

  it('waits for a missing device instead of parking, watching for it, and dials once it is back and settled', async () => {
    const link = start(modemLink({ parkAfter: 2 }), ['CONNECT 28800']);
    link.far.unplug(); // before the first open, which follows the claim
    await link.run(100);
    expect(link.state()).toBe('waiting');
    expect(link.transitions.at(-1)).toMatchObject({ state: 'waiting', reason: { code: 'MODEM_NO_DEVICE', awaitsDevice: true } });
    expect(link.lockFiles()).toEqual([]);
    expect(link.watching).toHaveLength(1);
    expect(link.watching[0]).toMatchObject({ device: '/dev/ttyS0', stopped: false });
    // however long it takes: no dial, no park (parkAfter does not count it)
    await link.run(3_600_000);
    expect(link.state()).toBe('waiting');
    expect(link.far.ports).toHaveLength(1);
    link.far.replug();
    link.watching[0]!.back();
    await link.run(50);
    expect(link.watching[0]!.stopped).toBe(true);
    expect(link.state()).toBe('waiting'); // settling
    await link.run(1000);
    await link.run(2500);
    expect(link.state()).toBe('negotiating');
  });

  it('a device that vanishes during a call: down, then waiting for it, and a STOP while waiting ends the link', async () => {
    const link = start(modemLink(), ['CONNECT 28800']);
    await link.run(2500);
    await link.upWith();
    link.far.unplug();
    await link.say({ type: 'hangup' });
    await link.run(1500); // back-off 1 s, then the open fails
    expect(link.state()).toBe('waiting');
    link.actor.send({ type: 'STOP' });
    await link.run(50);
    expect(link.state()).toBe('stopped');
    expect(link.watching.at(-1)!.stopped).toBe(true);
  });

  it('stops from up: pppd is stopped before the line is taken back and the modem hung up, and the machine ends', async () => {
    const link = start(modemLink(), ['CONNECT 28800']);
    await link.run(2500);
    await link.upWith();
    link.actor.send({ type: 'STOP' });
    await link.run(600);
    expect(link.state()).toBe('stopped');
    expect(link.actor.getSnapshot().status).toBe('done');
    expect(link.far.log.slice(1)).toEqual(['pppd.stop', 'port.takeBack', 'port.close']);
    expect(link.transitions.map((t) => t.state).slice(-2)).toEqual(['stopping', 'stopped']);
    expect(link.lockFiles()).toEqual([]);
  });

  it('stops in the middle of a dial: the dial is aborted, the port closed, the lock released', async () => {
    const link = start(modemLink(), ['CONNECT 28800']);
    await link.run(1000);
    expect(link.state()).toBe('dialing');
    link.actor.send({ type: 'STOP' });
    await link.run(3000);
    expect(link.state()).toBe('stopped');
    expect(link.far.log).toEqual(['port.close']);
    expect(link.far.pppds.started).toEqual([]);
    expect(link.lockFiles()).toEqual([]);
  });

  it('stops from back-off and from parked without dialing again', async () => {
    const link = start(modemLink(), ['BUSY']);
    await link.run(800);
    expect(link.state()).toBe('backoff');
    link.actor.send({ type: 'STOP' });
    await link.run(10_000);
    expect(link.state()).toBe('stopped');
    expect(link.dials()).toBe(1);
  });

  it('a pty link skips dialing: pppd runs the command itself, and a restart after its exit', async () => {
    const link = start(ptyLink);
    await link.run(50);
    expect(link.state()).toBe('negotiating');
    expect(link.far.log).toEqual(['pppd.start']);
    link.far.pppd.exit(16);
    await link.run(50);
    expect(link.state()).toBe('backoff');
    await link.run(1000);
    expect(link.far.log).toEqual(['pppd.start', 'pppd.start']);
    expect(link.transitions.map((t) => t.state)).toEqual(['negotiating', 'down', 'backoff', 'negotiating']);
  });

  it('gives up negotiating after the configured time and goes down with a reason', async () => {
    const link = start(modemLink({ negotiationTimeoutMs: 30_000 }), ['CONNECT 28800']);
    await link.run(2500);
    const negotiating = link.clock.now();
    await link.run(30_000);
    const down = link.transitions.find((t) => t.state === 'down');
    expect(down).toMatchObject({ reason: { code: 'PPP_NEGOTIATION_TIMEOUT' } });
    expect(down!.atMs - negotiating).toBeLessThanOrEqual(30_050);
    expect(link.far.log).toContain('pppd.stop');
    expect(link.state()).toBe('backoff');
  });

  it('hangs up on request: pppd ends, the modem hangs up, and it stays parked until dialed again', async () => {
    const link = start(modemLink(), ['CONNECT 28800', 'CONNECT 28800']);
    await link.run(2500);
    await link.upWith();
    link.actor.send({ type: 'HANGUP' });
    await link.run(600);
    expect(link.state()).toBe('parked');
    expect(link.transitions.at(-1)).toMatchObject({ state: 'parked', reason: { code: 'LINK_HUNG_UP', fatal: true } });
    expect(link.far.log.slice(1)).toEqual(['pppd.stop', 'port.takeBack', 'port.close']);
    await link.run(60_000);
    expect(link.dials()).toBe(1);
    link.actor.send({ type: 'RETRY' });
    await link.run(2500);
    expect(link.state()).toBe('negotiating');
    expect(link.dials()).toBe(2);
  });

  it('hangs up during a dial: the dial is aborted and the link parked', async () => {
    const link = start(modemLink(), ['CONNECT 28800']);
    await link.run(1000);
    link.actor.send({ type: 'HANGUP' });
    await link.run(3000);
    expect(link.state()).toBe('parked');
    expect(link.transitions.at(-1)?.reason).toMatchObject({ code: 'LINK_HUNG_UP' });
    expect(link.far.pppds.started).toEqual([]);
    expect(link.lockFiles()).toEqual([]);
  });

  it('hangs up from back-off without dialing again', async () => {
    const link = start(modemLink(), ['BUSY']);
    await link.run(800);
    expect(link.state()).toBe('backoff');
    link.actor.send({ type: 'HANGUP' });
    await link.run(60_000);
    expect(link.state()).toBe('parked');
    expect(link.dials()).toBe(1);
  });

  it('goes down and redials when the supervisor reports a fault on an up line', async () => {
    const link = start(modemLink(), ['CONNECT 28800', 'CONNECT 28800']);
    await link.run(2500);
    await link.upWith();
    link.actor.send({ type: 'FAULT', reason: { code: 'LINK_PROBE_FAILED', message: 'no answer to 3 probes', fatal: false } });
    await link.run(600);
    expect(link.transitions.find((t) => t.state === 'down')?.reason).toMatchObject({ code: 'LINK_PROBE_FAILED' });
    expect(link.state()).toBe('backoff');
    expect(link.far.log).toContain('pppd.stop');
    await link.run(3500);
    expect(link.dials()).toBe(2);
  });

  it('parks after parkAfter failures in a row, saying so', async () => {
    const link = start(modemLink({ parkAfter: 3 }), ['BUSY', 'BUSY', 'BUSY', 'BUSY']);
    await link.run(30_000);
    expect(link.state()).toBe('parked');
    expect(link.dials()).toBe(3);
    expect(link.transitions.at(-1)?.reason?.message).toMatch(/parked after 3 failures in a row/);
  });

  it('a multilink line that joins a bundle is up on the bundle interface without IPCP of its own', async () => {
    const link = start(modemLink(), ['CONNECT 28800']);
    await link.run(2500);
    await link.say({ type: 'bundle-joined', ifname: 'ppp3' });
    expect(link.state()).toBe('up');
    expect(link.actor.getSnapshot().context).toMatchObject({ ifname: 'ppp3', remoteIp: null });
  });

  it('starts each redial with the next number, so a failing number does not lead every time', async () => {
    const link = start(modemLink({ numbers: ['111', '222', '333'] }), ['BUSY', 'BUSY', 'BUSY', 'BUSY', 'BUSY', 'BUSY', 'BUSY', 'BUSY', 'BUSY', 'BUSY']);
    await link.run(30_000);
    // the profile's redial takes the next number after each BUSY within a dial, too
    const firstOfEachDial = link.far.ports.map((p) => /D[TP]?([0-9]+)$/.exec(p.commands.find((c) => startsCall(c)) ?? '')?.[1]);
    expect(firstOfEachDial.slice(0, 3)).toEqual(['111', '222', '333']);
    expect(rotatedNumbers(['1'], 5)).toEqual(['1']);
    expect(rotatedNumbers(['1', '2', '3'], 4)).toEqual(['2', '3', '1']);
  });

  describe("the modem's own hold-off", () => {
    it("DELAYED: no redial before the modem's hold-off, whatever the redial policy says, and the pause is announced", async () => {
      const link = start(modemLink(), ['DELAYED', 'BUSY']);
      await link.run(800);
      expect(link.state()).toBe('backoff');
      expect(link.transitions.find((t) => t.state === 'backoff')).toMatchObject({ retryInMs: 600_000, reason: { holdOff: 'delayed', fatal: false } });
      await link.run(590_000);
      expect(link.dials()).toBe(1);
      // a plain RETRY (bandwidth on demand, a redial from elsewhere) does not cut it short
      link.actor.send({ type: 'RETRY' });
      await link.run(100);
      expect(link.dials()).toBe(1);
      expect(link.state()).toBe('backoff');
      // a forced one does
      link.actor.send({ type: 'RETRY', force: true });
      await link.run(1000);
      expect(link.dials()).toBe(2);
      // and the next back-off is the redial policy's again
      expect(link.transitions.filter((t) => t.state === 'backoff').map((t) => t.retryInMs)).toEqual([600_000, 2000]);
    });

    it('BLACKLISTED: parked with the reason, no redial in an hour, dialed again only when asked', async () => {
      const link = start(modemLink(), ['BLACKLISTED', 'CONNECT 28800']);
      await link.run(800);
      expect(link.state()).toBe('parked');
      expect(link.transitions.at(-1)).toMatchObject({ state: 'parked', reason: { holdOff: 'blacklisted', fatal: true } });
      expect(link.transitions.at(-1)?.reason?.message).toContain('dialbond up line0');
      await link.run(3_600_000);
      expect(link.dials()).toBe(1);
      link.actor.send({ type: 'RETRY' });
      await link.run(2500);
      expect(link.dials()).toBe(2);
      expect(link.state()).toBe('negotiating');
    });
  });
});
