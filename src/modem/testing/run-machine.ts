/**
 * Running the modem machine in host tests: a fake port answering as a scripted modem, on a
 * simulated clock, until the session ends.
 */
import { expect } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { parseProfile, type ProfileInput } from '../../profiles/index.js';
import { createModemActors } from '../actors.js';
import { modemMachine, type ModemSessionOutput } from '../machine.js';
import { buildModemPlan, type PlanOptions } from '../plan.js';
import { FakeModemIo } from './fake-io.js';

export const BASE_PROFILE: ProfileInput = {
  name: 'test',
  reset: 'ATZ',
  init: ['ATQ0 V1 E1 S0=0 &C1 &D2'],
  timeouts: { command: 5000, reset: 10_000, init: 5000, dial: 90_000, login: 20_000, guard: 1000 },
  redial: { delay: 3000, longBackoff: 600_000 },
  login: [
    { expect: 'ogin:', send: '${user}' },
    { expect: 'assword:', send: '${password}' },
  ],
};

/** The same modem without &D2: DTR does not hang it up, so the hang-up is the escape and ATH. */
export const NO_D2_PROFILE: ProfileInput = { ...BASE_PROFILE, init: ['ATQ0 V1 E1 S0=0 &C1'] };

/** A command line that dials: ATD..., or settings then D on one line (the first dial carries
 * the last init, "ATQ0 V1 E1 S0=0 &C1 &D2DT5551234"); "&D2" is no dial. */
export function isDial(command: string): boolean {
  return /^AT(?:.*?[^&])?D[TP]?[\d*#+]/i.test(command.replace(/\s/g, ''));
}

/** A responder for a well-behaved modem in command mode; `dial` decides what ATD gets. */
export function modem(dial: (command: string, io: FakeModemIo) => void, extra: Record<string, string[]> = {}) {
  return (text: string, io: FakeModemIo) => {
    const command = text.replace(/\r$/, '');
    if (command in extra) return io.reply(...(extra[command] as string[]));
    if (isDial(command)) return dial(command, io);
    if (/^AT/i.test(command)) return io.reply('OK');
  };
}

export interface Run {
  output: ModemSessionOutput;
  io: FakeModemIo;
  transcript: Array<{ direction: string; text: string }>;
  /** The modem's unsolicited lines, as the machine streams them. */
  unsolicited: string[];
  clock: SimulatedClock;
}

/** Runs the machine to its end on simulated time (at most `limitMs`), in 50 ms steps. */
export async function run(
  respond: (text: string, io: FakeModemIo) => void,
  options: Partial<PlanOptions> = {},
  profile: ProfileInput = BASE_PROFILE,
  during?: (io: FakeModemIo, clock: SimulatedClock, send: (e: { type: 'ABORT' } | { type: 'HANGUP' }) => void) => void,
  limitMs = 600_000,
): Promise<Run> {
  const clock = new SimulatedClock();
  const io = new FakeModemIo(clock, respond);
  const plan = buildModemPlan(parseProfile(profile, 'test'), { device: io.device, numbers: ['5551234'], ...options });
  const actor = createActor(modemMachine.provide({ actors: createModemActors(io) }), { input: { plan }, clock });
  const transcript: Run['transcript'] = [];
  actor.on('transcript', (e) => transcript.push({ direction: e.direction, text: e.text }));
  const unsolicited: string[] = [];
  actor.on('unsolicited', (e) => unsolicited.push(e.line.text));
  actor.start();
  during?.(io, clock, (e) => actor.send(e));
  for (let t = 0; t < limitMs && actor.getSnapshot().status === 'active'; t += 50) {
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
    clock.increment(50);
  }
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
  const snapshot = actor.getSnapshot();
  expect(snapshot.status).toBe('done');
  return { output: snapshot.output as ModemSessionOutput, io, transcript, unsolicited, clock };
}
