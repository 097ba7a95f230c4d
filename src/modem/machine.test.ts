/** The modem machine's calls: connecting, busy lines and redial, the login chat, the hand-off to pppd (machine-wake.test.ts: before the dial). */
import { describe, expect, it } from 'vitest';
import { BASE_PROFILE, NO_D2_PROFILE, isDial, modem, run } from './testing/run-machine.js';
import { MASK } from '../log/index.js';

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
