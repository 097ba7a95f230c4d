import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { parseProfile, type ProfileInput } from '../profiles/index.js';
import { MASK } from '../log/index.js';
import { createModemActors } from './actors.js';
import { modemMachine, type ModemSessionOutput } from './machine.js';
import { buildModemPlan, type PlanOptions } from './plan.js';
import { FakeModemIo } from './testing/fake-io.js';

const BASE_PROFILE: ProfileInput = {
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
const NO_D2_PROFILE: ProfileInput = { ...BASE_PROFILE, init: ['ATQ0 V1 E1 S0=0 &C1'] };

/** A command line that dials: ATD..., or settings then D on one line (the first dial carries
 * the last init, "ATQ0 V1 E1 S0=0 &C1 &D2DT5551234"); "&D2" is no dial. */
function isDial(command: string): boolean {
  return /^AT(?:.*?[^&])?D[TP]?[\d*#+]/i.test(command.replace(/\s/g, ''));
}

/** A responder for a well-behaved modem in command mode; `dial` decides what ATD gets. */
function modem(dial: (command: string, io: FakeModemIo) => void, extra: Record<string, string[]> = {}) {
  return (text: string, io: FakeModemIo) => {
    const command = text.replace(/\r$/, '');
    if (command in extra) return io.reply(...(extra[command] as string[]));
    if (isDial(command)) return dial(command, io);
    if (/^AT/i.test(command)) return io.reply('OK');
  };
}

interface Run {
  output: ModemSessionOutput;
  io: FakeModemIo;
  transcript: Array<{ direction: string; text: string }>;
  /** The modem's unsolicited lines, as the machine streams them. */
  unsolicited: string[];
  clock: SimulatedClock;
}

/** Runs the machine to its end on simulated time (at most `limitMs`), in 50 ms steps. */
async function run(
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

describe('modem machine: connecting', () => {
  it('probes, resets, inits, dials and parses CONNECT, then hangs up by dropping DTR where the init sets &D2', async () => {
    const { output, io, transcript } = await run(modem((_, m) => m.replyAfter(2000, 'CONNECT 28800/ARQ/V34/LAPM/V42BIS')));
    expect(output.outcome).toMatchObject({ result: 'connected', code: null });
    expect(output.connect).toMatchObject({ speed: 28800, protocol: 'ARQ/V34/LAPM/V42BIS' });
    expect(output.attempts).toBe(1);
    expect(output.number).toBe('5551234');
    // two round trips, as chat's ATZ and ATDT: the reset is the probe, the init rides the
    // dial's line; no "+++" and no ATH: closing with DTR dropped is the hang-up
    expect(io.commands).toEqual(['ATZ', 'ATQ0 V1 E1 S0=0 &C1 &D2DT5551234']);
    expect(io.closed).toEqual({ dropDtr: true });
    expect(transcript.some((t) => t.text.includes('dropping DTR'))).toBe(true);
  });

  it('without &D2, hangs up with a guarded escape and ATH', async () => {
    const { output, io } = await run(modem((_, m) => m.replyAfter(2000, 'CONNECT 28800/ARQ/V34/LAPM/V42BIS')), {}, NO_D2_PROFILE);
    expect(output.outcome).toMatchObject({ result: 'connected', code: null });
    expect(io.commands).toEqual(['ATZ', 'ATQ0 V1 E1 S0=0 &C1DT5551234', '+++', 'ATH']);
    // guard time: silence before "+++" and before the next command
    const escape = io.writes.findIndex((w) => w.text === '+++');
    expect(io.writes[escape]!.atMs - 2000).toBeGreaterThanOrEqual(1000);
    expect(io.writes[escape + 1]!.atMs - io.writes[escape]!.atMs).toBeGreaterThanOrEqual(1000);
    expect(io.closed).toEqual({ dropDtr: true });
  });

  it('hangs up a modem that lost carrier (it never answers +++) one guard time later, not a command timeout later', async () => {
    const { io } = await run(modem((_, m) => m.replyAfter(2000, 'CONNECT 28800')), {}, NO_D2_PROFILE);
    const escape = io.writes.findIndex((w) => w.text === '+++');
    expect(io.commands.slice(escape)).toEqual(['+++', 'ATH']);
    // guard after the escape (1 s), then one more guard time for an OK that does not come
    expect(io.writes[escape + 1]!.atMs - io.writes[escape]!.atMs).toBeLessThanOrEqual(2100);
  });

  it('takes the carrier speed and protocol from CARRIER/PROTOCOL/COMPRESSION lines before a bare CONNECT', async () => {
    const { output } = await run(modem((_, m) => m.reply('CARRIER 28800', 'PROTOCOL: LAP-M', 'COMPRESSION: V.42BIS', 'CONNECT')));
    expect(output.connect).toMatchObject({ speed: 28800, protocol: 'LAP-M/V.42BIS', carrierSpeed: 28800 });
  });

  it('ignores the echo of each command and RING while dialing', async () => {
    const { output } = await run((text, io) => {
      const command = text.replace(/\r$/, '');
      io.emit(`${command}\r`);
      if (isDial(command)) io.reply('RING', '+CRING: VOICE', 'CONNECT 115200 EC');
      else if (command.startsWith('AT')) io.reply('OK');
    });
    expect(output.outcome.result).toBe('connected');
    expect(output.connect).toMatchObject({ speed: 115200, protocol: 'EC' });
  });

  it('understands a modem left in numeric mode (V0) until init turns verbose results on', async () => {
    let verbose = false;
    const { output } = await run((text, io) => {
      const command = text.replace(/\r$/, '');
      if (/V1/.test(command)) verbose = true;
      const say = (word: string, code: string) => (verbose ? io.reply(word) : io.emit(`${code}\r`));
      if (isDial(command)) say('CONNECT 14400/ARQ/ MNP5', '1');
      else if (command.startsWith('AT')) say('OK', '0');
    });
    expect(output.outcome.result).toBe('connected');
    expect(output.connect?.protocol).toBe('ARQ/MNP5');
  });
});

describe('modem machine: busy lines and redial', () => {
  it('rotates numbers on BUSY with the redial delay between attempts', async () => {
    const dialed: string[] = [];
    const { output, io } = await run(
      modem((command, m) => {
        dialed.push(command);
        if (dialed.length < 3) m.replyAfter(500, 'BUSY');
        else m.replyAfter(500, 'CONNECT 33600');
      }),
      { numbers: ['111', '222'], attempts: 3 },
    );
    // only the first dial carries the init
    expect(dialed).toEqual(['ATQ0 V1 E1 S0=0 &C1 &D2DT111', 'ATDT222', 'ATDT111']);
    expect(output).toMatchObject({ attempts: 3, number: '111', outcome: { result: 'connected' } });
    const dials = io.writes.filter((w) => isDial(w.text));
    expect(dials[1]!.atMs - dials[0]!.atMs).toBeGreaterThanOrEqual(500 + 3000);
  });

  it('gives up with "busy" when every attempt is busy', async () => {
    const { output, io } = await run(modem((_, m) => m.reply('BUSY')), { numbers: ['111', '222'], attempts: 2 });
    expect(output.outcome).toMatchObject({ result: 'busy', code: 'MODEM_DIAL_FAILED' });
    expect(output.attempts).toBe(2);
    expect(io.commands.filter((c) => isDial(c))).toEqual(['ATQ0 V1 E1 S0=0 &C1 &D2DT111', 'ATDT222']);
    expect(io.commands).not.toContain('+++');
    expect(io.closed).toEqual({ dropDtr: true });
  });

  it.each([
    ['DELAYED', 'delayed'],
    ['BLACKLISTED', 'blacklisted'],
    ['BLACKLIST FULL', 'blacklisted'],
  ])('stops at once on %s with a long back-off, attempts left or not', async (word, result) => {
    const { output, io } = await run(modem((_, m) => m.reply(word)), { attempts: 5 });
    expect(output.outcome).toMatchObject({ result, code: 'MODEM_DIAL_FAILED', retryAfterMs: 600_000 });
    expect(io.commands.filter((c) => isDial(c))).toHaveLength(1);
  });

  it.each([
    ['NO CARRIER', 'no-carrier'],
    ['NO DIALTONE', 'no-dialtone'],
    ['NO DIAL TONE', 'no-dialtone'],
    ['NO ANSWER', 'no-answer'],
    ['VOICE', 'no-carrier'],
    ['ERROR', 'error'],
  ])('reports %s as %s', async (word, result) => {
    const { output } = await run(modem((_, m) => m.reply(word)));
    expect(output.outcome.result).toBe(result);
  });

  it('aborts a dial that outlasts the dial timeout with a keypress and reports a timeout', async () => {
    const { output, io } = await run((text, m) => {
      const command = text.replace(/\r$/, '');
      if (text === '\r') return m.reply('NO CARRIER');
      if (isDial(command)) return; // rings forever
      if (command.startsWith('AT')) m.reply('OK');
    });
    expect(output.outcome).toMatchObject({ result: 'timeout', code: 'MODEM_TIMEOUT' });
    const dial = io.writes.find((w) => isDial(w.text))!;
    const abort = io.writes.find((w) => w.text === '\r')!;
    expect(abort.atMs - dial.atMs).toBeGreaterThanOrEqual(90_000);
  });
});

describe('modem machine: failures before dialing', () => {
  it('fails on ERROR to an init command, naming it, and closes the port', async () => {
    // the modem refuses the joined line as it refuses the init alone (V.250 5.2.4: an
    // error in a line stops it before its dial)
    const refused = { 'ATQ0 V1 E1 S0=0 &C1 &D2': ['ERROR'], 'ATQ0 V1 E1 S0=0 &C1 &D2DT5551234': ['ERROR'] };
    const { output, io } = await run(modem(() => undefined, refused));
    expect(output.outcome).toMatchObject({ result: 'error', code: 'MODEM_INIT_FAILED' });
    expect(output.outcome.message).toContain('ATQ0 V1 E1 S0=0 &C1 &D2');
    // the init alone tells which of the two was refused; no dial of its own follows
    expect(io.commands).toEqual(['ATZ', 'ATQ0 V1 E1 S0=0 &C1 &D2DT5551234', 'ATQ0 V1 E1 S0=0 &C1 &D2']);
    expect(output.attempts).toBe(0);
    expect(io.closed).not.toBeNull();
  });

  it('dials on a line of its own when a modem refuses the init and the dial on one line', async () => {
    const { output, io } = await run(modem((_, m) => m.reply('CONNECT 33600'), { 'ATQ0 V1 E1 S0=0 &C1 &D2DT5551234': ['ERROR'] }));
    expect(output.outcome).toMatchObject({ result: 'connected', code: null });
    expect(io.commands).toEqual(['ATZ', 'ATQ0 V1 E1 S0=0 &C1 &D2DT5551234', 'ATQ0 V1 E1 S0=0 &C1 &D2', 'ATDT5551234']);
    expect(output.attempts).toBe(1);
  });

  it('keeps the init on a line of its own where the profile says so (dial.withInit: false)', async () => {
    const { output, io } = await run(modem((_, m) => m.reply('CONNECT 33600')), {}, { ...BASE_PROFILE, dial: { withInit: false } });
    expect(output.outcome.result).toBe('connected');
    expect(io.commands).toEqual(['ATZ', 'ATQ0 V1 E1 S0=0 &C1 &D2', 'ATDT5551234']);
  });

  it('waits for a slow reset that echoed at once: ATQ0 V1 E1 at the probe time is lost in the reset, its late OK goes on to the dial', async () => {
    let resetting = false;
    const { output, io } = await run((text, m) => {
      const command = text.replace(/\r$/, '');
      if (resetting) return; // a resetting modem drops what it is sent
      if (command === 'ATZ') {
        m.emit('ATZ\r');
        resetting = true;
        return m.clock.setTimeout(() => {
          resetting = false;
          m.reply('OK');
        }, 3000);
      }
      if (isDial(command)) return m.reply('CONNECT 9600');
      if (command.startsWith('AT')) m.reply('OK');
    });
    expect(output.outcome.result).toBe('connected');
    expect(io.commands).toEqual(['ATZ', 'ATQ0 V1 E1', 'ATQ0 V1 E1 S0=0 &C1 &D2DT5551234']);
    expect(io.writes.find((w) => isDial(w.text))!.atMs).toBeLessThan(3100);
  });

  it('takes the late OK of a slow reset without echo (E0) in the escape\'s first guard time, and sends no "+++"', async () => {
    const { output, io } = await run((text, m) => {
      const command = text.replace(/\r$/, '');
      if (command === 'ATZ') return m.replyAfter(2500, 'OK');
      if (isDial(command)) return m.reply('CONNECT 9600');
      if (command.startsWith('AT')) m.reply('OK');
    });
    expect(output.outcome.result).toBe('connected');
    expect(io.commands).toEqual(['ATZ', 'ATQ0 V1 E1 S0=0 &C1 &D2DT5551234']);
  });

  it('recovers a quiet modem that echoes (E1 Q1) with ATQ0 V1 E1 after the probe time, and dials without a second reset', async () => {
    let quiet = true;
    const { output, io } = await run((text, m) => {
      const command = text.replace(/\r$/, '');
      m.emit(`${command}\r`); // echo, whatever the result codes
      if (command === 'ATZ') quiet = true;
      if (/Q0/.test(command)) quiet = false;
      if (quiet) return;
      if (isDial(command)) return m.reply('CONNECT 9600');
      if (command.startsWith('AT')) m.reply('OK');
    });
    expect(output.outcome.result).toBe('connected');
    expect(io.commands).toEqual(['ATZ', 'ATQ0 V1 E1', 'ATQ0 V1 E1 S0=0 &C1 &D2DT5551234']);
    expect(io.writes.find((w) => isDial(w.text))!.atMs).toBeLessThan(2100);
  });

  it('sends ATQ0 V1 E1 once when an init command goes unanswered, then retries it', async () => {
    let recovered = false;
    const separateInit = { ...BASE_PROFILE, dial: { withInit: false } };
    const { output, io } = await run((text, m) => {
      const command = text.replace(/\r$/, '');
      if (command === 'ATQ0 V1 E1') recovered = true;
      if (isDial(command)) return m.reply('CONNECT 9600');
      if (command.startsWith('ATQ0 V1 E1 S0') && !recovered) return; // quiet until recovered
      if (command.startsWith('AT')) m.reply('OK');
    }, {}, separateInit);
    expect(output.outcome.result).toBe('connected');
    expect(io.commands.slice(0, 5)).toEqual(['ATZ', 'ATQ0 V1 E1 S0=0 &C1 &D2', 'ATQ0 V1 E1', 'ATQ0 V1 E1 S0=0 &C1 &D2', 'ATDT5551234']);
  });

  it('recovers a quiet (Q1) modem: silent probe, escape, ATQ0 V1 E1, and skips a reset that restores quiet', async () => {
    let quiet = true;
    const { output, io } = await run((text, m) => {
      const command = text.replace(/\r$/, '');
      if (command === 'ATZ') quiet = true;
      if (/Q0/.test(command)) quiet = false;
      if (quiet || text === '+++') return;
      if (isDial(command)) return m.reply('CONNECT 9600');
      if (command.startsWith('AT')) m.reply('OK');
    });
    expect(output.outcome.result).toBe('connected');
    // recognised once: no ATZ (it would bring Q1 back and cost the reset timeout); ATH in
    // case the escape found it online
    expect(io.commands).toEqual(['ATZ', '+++', 'ATQ0 V1 E1', 'ATH', 'ATQ0 V1 E1 S0=0 &C1 &D2DT5551234']);
    // 2 s probe, guard, +++, guard, one more guard for the OK: dialing within 6 s
    expect(io.writes.find((w) => isDial(w.text))!.atMs).toBeLessThan(6000);
  });

  it('reports a dead modem as MODEM_NO_RESPONSE after the probe, the escape and ATQ0 V1 E1', async () => {
    const { output, io, clock } = await run(() => undefined);
    expect(output.outcome).toMatchObject({ result: 'timeout', code: 'MODEM_NO_RESPONSE' });
    expect(io.commands).toEqual(['ATZ', '+++', 'ATQ0 V1 E1']);
    // what was tried, as it was tried
    expect(output.outcome.message).toContain('nothing back to ATZ, the +++ escape and ATQ0 V1 E1');
    // 2 s probe + 1 s guard + 1 s guard + 1 s more for the OK + 2 s for ATQ0: about 7 s
    expect(clock.now()).toBeGreaterThanOrEqual(7000);
    expect(clock.now()).toBeLessThan(8000);
  });

  it('escapes a modem still online: guard, +++, guard, OK, ATH, then the reset', async () => {
    let online = true;
    const { output, io } = await run((text, m) => {
      const command = text.replace(/\r$/, '');
      if (online) {
        if (text === '+++') {
          online = false;
          m.replyAfter(1000, 'OK');
        }
        return;
      }
      if (isDial(command)) return m.reply('CONNECT 9600');
      if (command.startsWith('AT')) m.reply('OK');
    });
    expect(output.outcome.result).toBe('connected');
    expect(io.commands.slice(0, 4)).toEqual(['ATZ', '+++', 'ATH', 'ATZ']);
    const plus = io.writes[1]!;
    // the probe's 2 s, then the guard time of silence before "+++"
    expect(plus.atMs - io.writes[0]!.atMs).toBeGreaterThanOrEqual(2000 + 1000);
    expect(plus.atMs - io.writes[0]!.atMs).toBeLessThan(3100);
  });

  it('fails a GSM check whose answer lacks what it expects (SIM PIN)', async () => {
    const gsm: ProfileInput = {
      ...BASE_PROFILE,
      name: 'gsm-test',
      checks: [{ send: 'AT+CPIN?', expect: '+CPIN: READY', failure: 'the SIM is not ready' }],
      dial: { prefix: 'ATD', defaultNumber: '*99***1#' },
    };
    const { output, io } = await run(modem(() => undefined, { 'AT+CPIN?': ['+CPIN: SIM PIN', 'OK'] }), { numbers: [] }, gsm);
    expect(output.outcome).toMatchObject({ result: 'error', code: 'MODEM_CHECK_FAILED' });
    expect(output.outcome.message).toContain('+CPIN: SIM PIN');
    expect(io.commands.some((c) => isDial(c))).toBe(false);
  });

  it('fails a GSM check answered with +CME ERROR', async () => {
    const gsm: ProfileInput = { ...BASE_PROFILE, name: 'gsm-test', checks: [{ send: 'AT+CPIN?', expect: '+CPIN: READY' }] };
    const { output } = await run(modem(() => undefined, { 'AT+CPIN?': ['+CME ERROR: SIM not inserted'] }), {}, gsm);
    expect(output.outcome).toMatchObject({ code: 'MODEM_CHECK_FAILED' });
    expect(output.outcome.message).toContain('SIM not inserted');
  });

  it('streams RING and other unsolicited lines on their own, not into the answer of the check in flight', async () => {
    const gsm: ProfileInput = { ...BASE_PROFILE, checks: [{ send: 'AT+CPIN?', expect: '+CPIN: READY' }], dial: { defaultNumber: '*99#' } };
    const { output, unsolicited } = await run(
      modem((_, m) => m.reply('CONNECT'), { 'AT+CPIN?': ['RING', '+CMTI: "ME",1', '+CPIN: READY', 'OK'] }),
      { numbers: [] },
      gsm,
    );
    expect(output.outcome.result).toBe('connected');
    expect(unsolicited).toEqual(['RING', '+CMTI: "ME",1']);
  });

  it('dials the GSM default number when none is given and passes a READY check', async () => {
    const gsm: ProfileInput = { ...BASE_PROFILE, name: 'gsm-test', checks: [{ send: 'AT+CPIN?', expect: '+CPIN: READY' }], dial: { prefix: 'ATD', defaultNumber: '*99***1#' } };
    const { output, io } = await run(modem((_, m) => m.reply('CONNECT 7200000'), { 'AT+CPIN?': ['+CPIN: READY', 'OK'] }), { numbers: [] }, gsm);
    expect(output.outcome.result).toBe('connected');
    expect(output.connect?.speed).toBe(7200000);
    expect(io.commands).toContain('ATD*99***1#');
  });

  it('reports a port that vanishes mid-dial as MODEM_VANISHED', async () => {
    const { output } = await run(modem((_, m) => m.vanish()));
    expect(output.outcome).toMatchObject({ result: 'error', code: 'MODEM_VANISHED' });
  });

  it('reports an open failure with the error code the port gave', async () => {
    const clock = new SimulatedClock();
    const io = new FakeModemIo(clock);
    io.openError = Object.assign(new Error('/dev/ttyFAKE0 does not exist'), { code: 'MODEM_NO_DEVICE' });
    const plan = buildModemPlan(parseProfile(BASE_PROFILE, 'test'), { device: io.device, numbers: ['1'] });
    const actor = createActor(modemMachine.provide({ actors: createModemActors(io) }), { input: { plan }, clock }).start();
    await new Promise<void>((r) => setImmediate(r));
    expect(actor.getSnapshot().output?.outcome).toMatchObject({ result: 'error', code: 'MODEM_NO_DEVICE' });
  });

  it('on ABORT while dialing, aborts the dial, closes with DTR dropped and says so', async () => {
    const { output, io } = await run(
      modem(() => undefined),
      {},
      BASE_PROFILE,
      (_io, clock, send) => clock.setTimeout(() => send({ type: 'ABORT' }), 20_000),
    );
    expect(output.outcome).toMatchObject({ result: 'error', code: 'MODEM_ABORTED' });
    expect(io.commands.at(-1)).toBe('');
    expect(io.closed).toEqual({ dropDtr: true });
  });
});

describe('modem machine: login chat', () => {
  const connectThenLogin = modem((_, m) => {
    m.reply('CONNECT 28800');
    m.emit('Welcome to the ISP\r\nlogin: ');
  });

  it('answers the login and password prompts (no line end) and masks the password', async () => {
    const { output, io, transcript } = await run(
      (text, m) => {
        const command = text.replace(/\r$/, '');
        if (command === 'dialuser') return m.emit('dialuser\r\nPassword: ');
        if (command === 's3cret-pw') return m.emit('\r\nWelcome!\r\n');
        connectThenLogin(text, m);
      },
      { login: { user: 'dialuser', password: 's3cret-pw' } },
    );
    expect(output.outcome, JSON.stringify({ output, commands: io.commands, transcript })).toMatchObject({ result: 'connected' });
    expect(io.commands).toContain('dialuser');
    expect(io.commands).toContain('s3cret-pw');
    expect(JSON.stringify(transcript)).not.toContain('s3cret-pw');
    expect(transcript.some((t) => t.direction === 'tx' && t.text === MASK)).toBe(true);
  });

  it('fails with MODEM_LOGIN_FAILED on "Login incorrect" and hangs up', async () => {
    const { output, io } = await run(
      (text, m) => {
        const command = text.replace(/\r$/, '');
        if (command === 'dialuser') return m.emit('\r\nPassword: ');
        if (command === 'wrong') return m.emit('\r\nLogin incorrect\r\nlogin: ');
        connectThenLogin(text, m);
      },
      { login: { user: 'dialuser', password: 'wrong' } },
      NO_D2_PROFILE,
    );
    expect(output.outcome).toMatchObject({ code: 'MODEM_LOGIN_FAILED' });
    expect(io.commands).toContain('+++');
    expect(io.commands).toContain('ATH');
  });

  it('notices a refusal that comes a moment after the last answer (the prompt again)', async () => {
    const { output, io } = await run(
      (text, m) => {
        const command = text.replace(/\r$/, '');
        if (command === 'dialuser') return m.emit('\r\nPassword: ');
        if (command === 'bad') return m.clock.setTimeout(() => m.emit('\r\n\r\nlogin: '), 900);
        connectThenLogin(text, m);
      },
      { login: { user: 'dialuser', password: 'bad' } },
      NO_D2_PROFILE,
    );
    expect(output.outcome).toMatchObject({ code: 'MODEM_LOGIN_FAILED' });
    expect(io.commands).toContain('ATH');
  });

  it('is online as soon as PPP frames start after the password, without waiting out the settle time', async () => {
    const { output, io } = await run(
      (text, m) => {
        const command = text.replace(/\r$/, '');
        if (command === 'dialuser') return m.emit('\r\nPassword: ');
        if (command === 'good') return m.emit('\r\nEntering PPP mode.\r\n~\xff}#\xc0!}!}!} }4}"}&} } } } }%}&');
        connectThenLogin(text, m);
      },
      { login: { user: 'dialuser', password: 'good' } },
      NO_D2_PROFILE,
    );
    expect(output.outcome.result).toBe('connected');
    const password = io.writes.find((w) => w.text === 'good\r')!;
    const escape = io.writes.find((w) => w.text === '+++')!;
    // online at once, then only the hang-up's guard time (1 s), not the 1.5 s settle time too
    expect(escape.atMs - password.atMs).toBeLessThan(1500);
  });

  it('fails with MODEM_LOGIN_FAILED when a prompt never comes within the login timeout', async () => {
    const { output, io } = await run(modem((_, m) => m.reply('CONNECT 28800')), { login: { user: 'u', password: 'p' } });
    expect(output.outcome).toMatchObject({ code: 'MODEM_LOGIN_FAILED' });
    expect(output.outcome.message).toContain('ogin:');
    expect(io.commands).not.toContain('u');
  });

  it('answers a login prompt that came in the same read as CONNECT (a Livingston PortMaster)', async () => {
    const { output, io } = await run(
      (text, m) => {
        const command = text.replace(/\r$/, '');
        if (isDial(command)) return m.emit('\r\nCONNECT 28800/ARQ/V34/LAPM/V42BIS\r\nPortmaster login: ');
        if (command === 'dialuser') return m.emit('dialuser\r\nPassword: ');
        if (command === 's3cret-pw') return m.emit('\r\nPacket mode enabled for IP address: 10.0.0.9\r\n');
        if (command.startsWith('AT')) m.reply('OK');
      },
      { login: { user: 'dialuser', password: 's3cret-pw' } },
    );
    expect(output.outcome).toMatchObject({ result: 'connected' });
    expect(output.connect).toMatchObject({ speed: 28800 });
    expect(io.commands).toContain('dialuser');
    // the dial asked the port to hold its reads at CONNECT, and the chat read on
    expect(io.holdRequests).toBe(1);
    expect(io.resumes).toBeGreaterThan(0);
  });
});

describe('modem machine: the hand-off to pppd', () => {
  it('holding a line without login never asks the port to read on after CONNECT', async () => {
    const { output, io } = await run(
      modem((_, m) => m.emit('\r\nCONNECT 115200\r\n~\xff}#\xc0!}!')),
      { holdLine: true },
      BASE_PROFILE,
      (_io, clock, send) => clock.setTimeout(() => send({ type: 'HANGUP' }), 10_000),
    );
    expect(output.outcome.result).toBe('connected');
    expect(io.holdRequests).toBe(1);
    // the bytes behind CONNECT are pppd's: nothing of ours resumed reading before the
    // hang-up, and with &D2 the hang-up itself reads nothing either
    expect(io.resumes).toBe(0);
  });
});

