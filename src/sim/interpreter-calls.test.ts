/** The simulated modem's calls: dialing, online data and the guarded escape, unsolicited output, GSM (interpreter.test.ts: commands, registers, results, reset). */
import { describe, expect, it } from 'vitest';
import { DEFAULT_AFTER_MS, type DialOutcome } from './scenario.js';
import { interpreterHarness } from './testing.js';

const OK = '\r\nOK\r\n';

/** Connects a harness: dial, wait for CONNECT, drain output. */
function connected(input: Parameters<typeof interpreterHarness>[0] = {}) {
  const h = interpreterHarness({ dial: { afterMs: 100 }, ...input });
  h.send('ATDT5551234\r');
  h.clock.increment(100);
  expect(h.take()).toContain('CONNECT');
  expect(h.interpreter.state).toBe('data');
  return h;
}

describe('dialing (V.250 6.3.1)', () => {
  const outcomes: Array<[DialOutcome, string]> = [
    ['busy', 'BUSY'],
    ['no-carrier', 'NO CARRIER'],
    ['no-dialtone', 'NO DIALTONE'],
    ['no-answer', 'NO ANSWER'],
    ['delayed', 'DELAYED'],
    ['blacklisted', 'BLACKLISTED'],
    ['voice', 'VOICE'],
    ['error', 'ERROR'],
  ];

  it.each(outcomes)('answers %s after its usual delay', (outcome, text) => {
    const h = interpreterHarness({ echo: false, dial: { outcome } });
    h.send('ATDT5551234\r');
    expect(h.interpreter.state).toBe('dialing');
    h.clock.increment(DEFAULT_AFTER_MS[outcome] - 1);
    expect(h.take()).toBe('');
    h.clock.increment(1);
    expect(h.take()).toBe(`\r\n${text}\r\n`);
    expect(h.interpreter.state).toBe('command');
    expect(h.connects).toEqual([]);
  });

  it('connects with the scenario CONNECT line and its preceding reports', () => {
    const h = interpreterHarness({
      echo: false,
      connect: { line: 'CONNECT 28800/ARQ/V34/LAPM/V42BIS', preLines: ['CARRIER 28800', 'PROTOCOL: LAP-M'], rate: 28800 },
    });
    h.send('ATDT 555-1234\r');
    h.clock.increment(1999);
    expect(h.take()).toBe('');
    h.clock.increment(1);
    expect(h.take()).toBe('\r\nCARRIER 28800\r\n\r\nPROTOCOL: LAP-M\r\n\r\nCONNECT 28800/ARQ/V34/LAPM/V42BIS\r\n');
    expect(h.connects).toEqual([{ number: '5551234', line: 'CONNECT 28800/ARQ/V34/LAPM/V42BIS', rate: 28800 }]);
    expect(h.interpreter.state).toBe('data');
    h.send('hello\r');
    expect(h.line()).toBe('hello\r');
    expect(h.take()).toBe('');
  });

  it('answers CONNECT as code 1 in V0, without the reports', () => {
    const h = interpreterHarness({ echo: false, verbose: false, connect: { preLines: ['CARRIER 2400'] }, dial: { afterMs: 5 } });
    h.send('ATD1\r');
    h.clock.increment(5);
    expect(h.take()).toBe('1\r');
  });

  it('uses per-number overrides, matching numbers without dial modifiers', () => {
    const h = interpreterHarness({
      echo: false,
      dial: { outcome: 'no-answer', afterMs: 50, numbers: { '555-0100': { outcome: 'busy' }, '5550199': { afterMs: 7 } } },
    });
    h.send('ATDTW5550100\r');
    h.clock.increment(DEFAULT_AFTER_MS.busy);
    expect(h.take()).toBe('\r\nBUSY\r\n');
    h.send('ATDP555,0199\r');
    h.clock.increment(7);
    expect(h.take()).toBe('\r\nNO ANSWER\r\n');
    h.send('ATD42\r');
    h.clock.increment(50);
    expect(h.take()).toBe('\r\nNO ANSWER\r\n');
  });

  it('counts busy-then-connect per number', () => {
    const h = interpreterHarness({ echo: false, dial: { afterMs: 20, busyTimes: 2 } });
    const dial = (number: string): string => {
      h.send(`ATDT${number}\r`);
      h.clock.increment(20);
      return h.take();
    };
    expect(dial('111')).toBe('\r\nBUSY\r\n');
    expect(dial('222')).toBe('\r\nBUSY\r\n');
    expect(dial('111')).toBe('\r\nBUSY\r\n');
    expect(dial('111')).toBe('\r\nCONNECT 115200\r\n');
    h.interpreter.dteDetached();
    h.send('AT\r');
    h.take();
    expect(dial('222')).toBe('\r\nBUSY\r\n');
    expect(dial('222')).toBe('\r\nCONNECT 115200\r\n');
  });

  it('aborts the dial on any character from the DTE with NO CARRIER', () => {
    const h = interpreterHarness({ echo: false, dial: { afterMs: 1000 } });
    h.send('ATDT123\r');
    h.clock.increment(400);
    h.send('x');
    expect(h.take()).toBe('\r\nNO CARRIER\r\n');
    expect(h.interpreter.state).toBe('command');
    h.clock.increment(1000);
    expect(h.take()).toBe('');
    expect(h.connects).toEqual([]);
  });

  it('never answers a silent dial, until a key aborts it', () => {
    const h = interpreterHarness({ echo: false, dial: { outcome: 'silent' } });
    h.send('ATDT123\r');
    h.clock.increment(600_000);
    expect(h.take()).toBe('');
    h.send('AT\r');
    expect(h.take()).toBe('\r\nNO CARRIER\r\n'); // "A" aborted; "T\r" is not a command
  });

  it('returns to command state with OK for a dial string ending in ";"', () => {
    const h = interpreterHarness({ echo: false, dial: { afterMs: 10 } });
    h.send('ATDT5551234;\r');
    h.clock.increment(10);
    expect(h.take()).toBe(OK);
    expect(h.interpreter.state).toBe('command');
  });

  it('redials the last number with ATDL', () => {
    const h = interpreterHarness({ echo: false, dial: { afterMs: 10, numbers: { '777': { outcome: 'busy', afterMs: 10 } } } });
    h.send('ATDT777\r');
    h.clock.increment(10);
    h.take();
    h.send('ATDL\r');
    h.clock.increment(10);
    expect(h.take()).toBe('\r\nBUSY\r\n');
  });
});

describe('online data and the guarded escape', () => {
  it('escapes on +++ with a guard time before and after, and ATH hangs up with OK', () => {
    const h = connected({ echo: false });
    h.clock.increment(1000);
    h.send('+++');
    h.clock.increment(999);
    expect(h.take()).toBe('');
    expect(h.interpreter.state).toBe('data');
    h.clock.increment(1);
    expect(h.take()).toBe(OK);
    expect(h.interpreter.state).toBe('online-command');
    expect(h.escapes).toBe(1);
    expect(h.line()).toBe('+++'); // the escape characters went to the far end, as on Hayes modems
    h.send('ATH\r');
    expect(h.take()).toBe(OK);
    expect(h.callEnds).toEqual(['hangup-command']);
    expect(h.interpreter.state).toBe('command');
  });

  it('accepts +++ sent one character at a time within the guard time', () => {
    const h = connected({ echo: false });
    h.clock.increment(1200);
    h.send('+');
    h.clock.increment(100);
    h.send('+');
    h.clock.increment(100);
    h.send('+');
    h.clock.increment(1000);
    expect(h.take()).toBe(OK);
  });

  it('returns online with ATO and CONNECT', () => {
    const h = connected({ echo: false });
    h.clock.increment(1000);
    h.send('+++');
    h.clock.increment(1000);
    h.take();
    h.send('ATO\r');
    expect(h.take()).toBe('\r\nCONNECT 115200\r\n');
    expect(h.interpreter.state).toBe('data');
    h.send('more');
    expect(h.line()).toBe('+++more');
  });

  it('does not escape on +++ inside data', () => {
    const h = connected({ echo: false });
    h.clock.increment(2000);
    h.send('abc+++');
    h.clock.increment(5000);
    expect(h.interpreter.state).toBe('data');
    expect(h.take()).toBe('');
  });

  it('does not escape without the leading guard time', () => {
    const h = connected({ echo: false });
    h.clock.increment(2000);
    h.send('x');
    h.clock.increment(500);
    h.send('+++');
    h.clock.increment(5000);
    expect(h.interpreter.state).toBe('data');
  });

  it('does not escape on +++ATH sent at once (no trailing guard time)', () => {
    const h = connected({ echo: false });
    h.clock.increment(2000);
    h.send('+++ATH\r');
    h.clock.increment(5000);
    expect(h.interpreter.state).toBe('data');
    expect(h.take()).toBe('');
    expect(h.line()).toBe('+++ATH\r');
    expect(h.callEnds).toEqual([]);
  });

  it('does not escape when a byte follows within the guard time, or on ++++', () => {
    const h = connected({ echo: false });
    h.clock.increment(2000);
    h.send('+++');
    h.clock.increment(400);
    h.send('y');
    h.clock.increment(3000);
    expect(h.interpreter.state).toBe('data');
    h.send('++++');
    h.clock.increment(3000);
    expect(h.interpreter.state).toBe('data');
  });

  it('follows S12 for the guard time', () => {
    const h = interpreterHarness({ echo: false, dial: { afterMs: 10 } });
    h.send('ATS12=10\r');
    h.send('ATD1\r');
    h.clock.increment(10);
    h.take();
    h.clock.increment(200);
    h.send('+++');
    h.clock.increment(200);
    expect(h.take()).toBe(OK);
  });

  it('ends the call when the DTE closes the port, silently', () => {
    const h = connected({ echo: false });
    h.interpreter.dteDetached();
    expect(h.callEnds).toEqual(['dte-hangup']);
    expect(h.interpreter.state).toBe('command');
    expect(h.interpreter.attached).toBe(false);
    expect(h.take()).toBe('');
  });

  it('says NO CARRIER when the carrier is lost', () => {
    const h = connected({ echo: false });
    h.interpreter.carrierLost();
    expect(h.take()).toBe('\r\nNO CARRIER\r\n');
    expect(h.callEnds).toEqual(['carrier-lost']);
    h.send('ATO\r');
    expect(h.take()).toBe('\r\nNO CARRIER\r\n');
  });

  it('refuses to dial while a call is up', () => {
    const h = connected({ echo: false });
    h.clock.increment(1000);
    h.send('+++');
    h.clock.increment(1000);
    h.take();
    h.send('ATD2\r');
    expect(h.take()).toBe('\r\nERROR\r\n');
  });
});

describe('unsolicited output and attachment', () => {
  it('rings every ringEveryMs while idle, only once a DTE is attached', () => {
    const h = interpreterHarness({ echo: false, noise: { ringEveryMs: 300 } });
    h.clock.increment(1000);
    expect(h.take()).toBe('');
    h.send('AT\r');
    expect(h.take()).toBe(OK);
    h.clock.increment(300);
    expect(h.take()).toBe('\r\nRING\r\n');
    h.clock.increment(300);
    expect(h.take()).toBe('\r\nRING\r\n');
    h.interpreter.dteDetached();
    h.clock.increment(3000);
    expect(h.take()).toBe('');
  });

  it('does not ring while dialing', () => {
    const h = interpreterHarness({ echo: false, noise: { ringEveryMs: 100 }, dial: { afterMs: 1000, outcome: 'busy' } });
    h.send('ATD1\r');
    for (let i = 0; i < 9; i++) h.clock.increment(100);
    expect(h.take()).toBe('');
  });

  it('never answers anything when dead', () => {
    const h = interpreterHarness({ dead: true });
    h.send('AT\r');
    h.send('ATZ\r');
    h.clock.increment(10_000);
    expect(h.take()).toBe('');
    expect(h.commands).toEqual([]);
  });

  it('masks the login password in command events', () => {
    const h = interpreterHarness({ login: { user: 'u', password: 'pw-123' } });
    h.send('ATDTpw-123\r');
    expect(h.commands).toEqual(['ATDT********']);
  });
});

describe('GSM (3GPP TS 27.007)', () => {
  it('answers +CPIN?, +CSQ, +CREG?, +CGDCONT and connects ATD*99***1#', () => {
    const h = interpreterHarness({ echo: false, gsm: {}, dial: { afterMs: 10 }, connect: { line: 'CONNECT 7200000' } });
    h.send('AT+CPIN?\r');
    expect(h.take()).toBe(`\r\n+CPIN: READY\r\n${OK}`);
    h.send('AT+CSQ\r');
    expect(h.take()).toBe(`\r\n+CSQ: 17,99\r\n${OK}`);
    h.send('AT+CREG?\r');
    expect(h.take()).toBe(`\r\n+CREG: 0,1\r\n${OK}`);
    h.send('AT+CGDCONT=1,"IP","internet.Example"\r');
    expect(h.take()).toBe(OK);
    h.send('AT+CGDCONT?\r');
    expect(h.take()).toBe(`\r\n+CGDCONT: 1,"IP","internet.Example"\r\n${OK}`);
    h.send('ATD*99***1#\r');
    h.clock.increment(10);
    expect(h.take()).toBe('\r\nCONNECT 7200000\r\n');
    expect(h.connects[0]?.number).toBe('*99***1#');
  });

  it('reports a missing SIM as +CME ERROR and refuses packet dials', () => {
    const h = interpreterHarness({ echo: false, gsm: { pin: 'SIM not inserted' } });
    h.send('AT+CPIN?\r');
    expect(h.take()).toBe('\r\n+CME ERROR: SIM not inserted\r\n');
    h.send('AT+CMEE=1;+CPIN?\r');
    expect(h.take()).toBe('\r\n+CME ERROR: 10\r\n');
    h.send('ATD*99#\r');
    expect(h.take()).toBe('\r\n+CME ERROR: 10\r\n');
    expect(h.interpreter.state).toBe('command');
  });

  it('asks for the PIN and accepts one', () => {
    const h = interpreterHarness({ echo: false, gsm: { pin: 'SIM PIN', csq: '9,0' } });
    h.send('AT+CPIN?\r');
    expect(h.take()).toBe(`\r\n+CPIN: SIM PIN\r\n${OK}`);
    h.send('ATD*99#\r');
    expect(h.take()).toBe('\r\n+CME ERROR: SIM PIN required\r\n');
    h.send('AT+CPIN="1234"\r');
    expect(h.take()).toBe(OK);
    h.send('AT+CPIN?;+CSQ\r');
    expect(h.take()).toBe(`\r\n+CPIN: READY\r\n\r\n+CSQ: 9,0\r\n${OK}`);
  });
});
