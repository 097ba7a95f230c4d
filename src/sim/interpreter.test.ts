/** The simulated modem's command side: command lines, S-registers, result forms, reset (interpreter-calls.test.ts: calls). */
import { describe, expect, it } from 'vitest';
import { interpreterHarness } from './testing.js';

const OK = '\r\nOK\r\n';

describe('command lines (V.250 5.2)', () => {
  it('answers AT with echo and OK', () => {
    const h = interpreterHarness();
    h.send('AT\r');
    expect(h.take()).toBe(`AT\r${OK}`);
    expect(h.commands).toEqual(['AT']);
  });

  it('accepts several commands on one line, with and without spaces', () => {
    const h = interpreterHarness({ echo: false });
    h.send('AT&C1&D2W1L1S0=0%E2\\N3&K3X4M0\r');
    expect(h.take()).toBe(OK);
    h.send('ATQ0 V1 E1\r');
    expect(h.take()).toBe(OK);
    h.send('at s0=2 s0?\r');
    expect(h.take()).toBe(`at s0=2 s0?\r\r\n002\r\n${OK}`);
  });

  it('ignores what comes before AT and accepts lower case', () => {
    const h = interpreterHarness({ echo: false });
    h.send('\n\u0000garbage at\r');
    expect(h.take()).toBe(OK);
  });

  it('answers ERROR for an unknown command, after running the ones before it', () => {
    const h = interpreterHarness();
    h.send('ATE0G1\r');
    expect(h.take()).toBe('ATE0G1\r\r\nERROR\r\n');
    h.send('AT\r');
    expect(h.take()).toBe(OK); // E0 ran before G failed: no echo now
    h.send('ATE2\r');
    expect(h.take()).toBe('\r\nERROR\r\n');
  });

  it('answers ERROR for a line longer than the command buffer', () => {
    const h = interpreterHarness({ echo: false });
    h.send(`AT${'E0'.repeat(130)}\r`);
    expect(h.take()).toBe('\r\nERROR\r\n');
    h.send('AT\r');
    expect(h.take()).toBe(OK);
  });

  it('edits with backspace (S5)', () => {
    const h = interpreterHarness({ echo: false });
    h.send('ATX\bE0\r');
    expect(h.take()).toBe(OK);
    h.send('ATG\b\r');
    expect(h.take()).toBe(OK);
  });

  it('repeats the last command line on A/', () => {
    const h = interpreterHarness({ echo: false });
    h.send('ATS7=33\r');
    h.take();
    h.send('ATS7?\r');
    expect(h.take()).toContain('033');
    h.send('A/');
    expect(h.take()).toBe(`\r\n033\r\n${OK}`);
  });

  it('answers identification text for I0-I9 and ERROR beyond', () => {
    const h = interpreterHarness({ echo: false });
    h.send('ATI3\r');
    expect(h.take()).toMatch(/^\r\ndialbond simulated Hayes modem.*\r\n\r\nOK\r\n$/);
    h.send('ATI\r');
    expect(h.take()).toBe(`\r\n56000\r\n${OK}`);
    h.send('ATI10\r');
    expect(h.take()).toBe('\r\nERROR\r\n');
  });

  it('accepts the V.250 extended commands and rejects unknown ones', () => {
    const h = interpreterHarness({ echo: false });
    h.send('AT+FCLASS=0;+IFC=2,2\r');
    expect(h.take()).toBe(OK);
    h.send('AT+FCLASS?\r');
    expect(h.take()).toBe(`\r\n+FCLASS: 0\r\n${OK}`);
    h.send('AT+GMI\r');
    expect(h.take()).toBe(`\r\ndialbond\r\n${OK}`);
    h.send('AT+CPIN?\r');
    expect(h.take()).toBe('\r\nERROR\r\n');
    h.send('AT+XYZZY\r');
    expect(h.take()).toBe('\r\nERROR\r\n');
  });
});

describe('S-registers', () => {
  it('stores values and answers three digits', () => {
    const h = interpreterHarness({ echo: false });
    h.send('ATS12?\r');
    expect(h.take()).toBe(`\r\n050\r\n${OK}`);
    h.send('ATS7=5S7?\r');
    expect(h.take()).toBe(`\r\n005\r\n${OK}`);
    h.send('ATS7 ?\r');
    expect(h.take()).toBe(`\r\n005\r\n${OK}`);
    expect(h.interpreter.sRegister(7)).toBe(5);
  });

  it('rejects registers and values out of range', () => {
    const h = interpreterHarness({ echo: false });
    h.send('ATS7=256\r');
    expect(h.take()).toBe('\r\nERROR\r\n');
    h.send('ATS300=1\r');
    expect(h.take()).toBe('\r\nERROR\r\n');
    h.send('ATS=1\r');
    expect(h.take()).toBe('\r\nERROR\r\n');
  });

  it('uses S3 as the command line terminator', () => {
    const h = interpreterHarness({ echo: false });
    h.send('ATS3=33\r');
    h.take();
    h.send('AT!');
    expect(h.take()).toBe('!\nOK!\n');
  });
});

describe('result code forms', () => {
  it('answers numeric codes in V0 (digits and CR only)', () => {
    const h = interpreterHarness({ verbose: false, echo: false, dial: { outcome: 'busy', afterMs: 10 } });
    h.send('AT\r');
    expect(h.take()).toBe('0\r');
    h.send('ATX\r');
    expect(h.take()).toBe('0\r');
    h.send('ATG\r');
    expect(h.take()).toBe('4\r');
    h.send('ATD123\r');
    h.clock.increment(10);
    expect(h.take()).toBe('7\r');
    h.send('ATS7?\r');
    expect(h.take()).toBe('050\r\n0\r');
    h.send('ATV1\r');
    expect(h.take()).toBe(OK);
  });

  it('says nothing but information text in Q1, until ATQ0', () => {
    const h = interpreterHarness({ quiet: true, dial: { outcome: 'connect', afterMs: 10 } });
    h.send('AT\r');
    expect(h.take()).toBe('AT\r');
    h.send('ATI0\r');
    expect(h.take()).toBe('ATI0\r\r\n56000\r\n');
    h.send('ATD1\r');
    h.clock.increment(10);
    expect(h.take()).toBe('ATD1\r');
    expect(h.interpreter.state).toBe('data');
  });

  it('answers OK to ATQ0 itself', () => {
    const h = interpreterHarness({ quiet: true, echo: false });
    h.send('ATQ0\r');
    expect(h.take()).toBe(OK);
  });

  it('uses the scenario line ends and garbage before results', () => {
    const h = interpreterHarness({ echo: false, noise: { crlf: 'cr', garbageBytes: 3 } });
    h.send('AT\r');
    // random() is 0.5: no NULs, 0x80 + 63 = 0xbf.
    expect(h.take()).toBe('\u00bf\u00bf\u00bf\rOK\r');
  });

  it.each([
    ['lf', '\nOK\n'],
    ['crcrlf', '\r\r\nOK\r\r\n'],
    ['lfcr', '\n\rOK\n\r'],
  ] as const)('frames results with %s', (crlf, expected) => {
    const h = interpreterHarness({ echo: false, noise: { crlf } });
    h.send('AT\r');
    expect(h.take()).toBe(expected);
  });
});

describe('reset', () => {
  it('ATZ restores the stored profile; AT&F the factory one', () => {
    const h = interpreterHarness({ verbose: false });
    h.send('ATE0V1\r');
    expect(h.take()).toBe(`ATE0V1\r${OK}`);
    h.send('ATZ\r');
    expect(h.take()).toBe('0\r'); // scenario profile: V0, echo on
    h.send('AT&F\r');
    expect(h.take()).toBe(`AT&F\r${OK}`);
  });

  it('AT&W stores the active profile for ATZ', () => {
    const h = interpreterHarness({ echo: false });
    h.send('ATV0&W\r');
    h.take();
    h.send('ATV1Z\r');
    expect(h.take()).toBe('0\r');
  });

  it('answers a slow reset only after resetDelayMs and ignores input meanwhile', () => {
    const h = interpreterHarness({ resetDelayMs: 3000, echo: false });
    h.send('ATZ\r');
    expect(h.interpreter.state).toBe('resetting');
    h.clock.increment(1500);
    h.send('AT\r');
    h.clock.increment(1499);
    expect(h.take()).toBe('');
    h.clock.increment(1);
    expect(h.take()).toBe(OK);
    expect(h.interpreter.state).toBe('command');
    h.send('AT\r');
    expect(h.take()).toBe(OK);
  });

  it('runs the commands after AT&F once a slow reset is done', () => {
    const h = interpreterHarness({ resetDelayMs: 500 });
    h.send('AT&FE0S7=9\r');
    h.take();
    h.clock.increment(500);
    expect(h.take()).toBe(OK);
    h.send('ATS7?\r');
    expect(h.take()).toBe(`\r\n009\r\n${OK}`);
  });
});
