/**
 * A whole link on a simulated clock, for host tests: the link machine with its real actors
 * (claim and UUCP lock, the modem machine as its child, the hand-over, the end of a call),
 * over a fake modem port and a fake pppd. Only the port's bytes and pppd's process are made up.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActor, SimulatedClock } from 'xstate';
import { DialbondError } from '../../errors/index.js';
import { startsCall } from '../../hayes/index.js';
import { FakeModemIo } from '../../modem/testing/fake-io.js';
import { parseProfile, type ProfileInput } from '../../profiles/index.js';
import type { PppLogEvent } from '../../ppp/index.js';
import { createLinkActors } from '../actors.js';
import { linkStateOf } from '../link.js';
import { linkMachine } from '../machine.js';
import type { LinkEmitted } from '../vocabulary.js';
import { fakePppdStarter } from './fake-pppd.js';
import type { LinkConfig } from '../types.js';

const PROFILE: ProfileInput = { name: 'test', reset: 'ATZ', init: ['ATQ0 V1 E1 S0=0 &C1 &D2'], redial: { delay: 3000, longBackoff: 600_000 } };
export const profile = parseProfile(PROFILE, 'test');
/** A modem that ignores DTR: the hang-up is the guarded escape and ATH. */
export const noD2 = parseProfile({ ...PROFILE, name: 'no-d2', init: ['ATQ0 V1 E1 S0=0 &C1'] }, 'no-d2');

export function modemLink(overrides: Partial<Extract<LinkConfig, { kind: 'modem' }>> = {}): LinkConfig {
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

export const ptyLink: LinkConfig = { kind: 'pty', name: 'slirp0', command: ['slirp-fullbolt', 'ppp'], ppp: {}, backoff: { initialMs: 1000, factor: 2, maxMs: 8000, jitter: 0 }, runDir: '/run/dialbond' };

/** The far end: a modem that says OK to everything but a dial, whose answers are `dials` in
 * turn (BUSY once they run out). CONNECT takes 2 s, the rest 0.5 s; +++ is answered after
 * one guard time. `missing` makes the device absent at the next open. */
export function farEnd(clock: SimulatedClock, dials: string[]) {
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
    override async detach(): Promise<number> {
      // Unplugged between CONNECT and the hand-over: the descriptor cannot be had.
      if (missing) throw new DialbondError('MODEM_VANISHED', '/dev/ttyS0 went away (was the device unplugged?)', { device: '/dev/ttyS0' });
      return super.detach();
    }
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

export async function settle(): Promise<void> {
  for (let i = 0; i < 8; i++) await new Promise<void>((r) => setImmediate(r));
}

export function start(config: LinkConfig, answers: string[] = [], more: Partial<Parameters<typeof createLinkActors>[1]> = {}) {
  const clock = new SimulatedClock();
  const far = farEnd(clock, answers);
  const watching: Array<{ device: string; back: () => void; stopped: boolean }> = [];
  const whenDeviceExists = (device: string, back: () => void) => {
    const watch = { device, back, stopped: false };
    watching.push(watch);
    return () => void (watch.stopped = true);
  };
  // A port whose rate is the wire's unless a test says otherwise; rates set are logged.
  const setTtyRate = (fd: number, bps: number) => {
    far.log.push(`tty.rate fd=${fd} ${bps}`);
    return bps;
  };
  const actors = createLinkActors(config, { clock, openPort: far.openPort, startPppd: far.startPppd, whenDeviceExists, portRateRole: () => 'wire', setTtyRate, ttyRate: () => 115200, ...more });
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
