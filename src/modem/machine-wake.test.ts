/** The modem machine before the dial: reset, init, checks, and modems that are slow, quiet, still online or dead. */
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { parseProfile, type ProfileInput } from '../profiles/index.js';
import { createModemActors } from './actors.js';
import { modemMachine } from './machine.js';
import { buildModemPlan } from './plan.js';
import { FakeModemIo } from './testing/fake-io.js';
import { BASE_PROFILE, isDial, modem, run } from './testing/run-machine.js';

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
