import { describe, expect, it } from 'vitest';
import { DialbondError } from '../errors/index.js';
import { loadProfile } from '../profiles/index.js';
import { buildModemPlan } from './plan.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DialbondError);
    return (error as DialbondError).code;
  }
  throw new Error('expected an error');
}

describe('modem plan', () => {
  const zoom = loadProfile('zoom-v34');

  it('compiles reset, init and one dial command per number with the profile timeouts', () => {
    const plan = buildModemPlan(zoom, { device: '/dev/ttyS0', numbers: ['555 1234', '5555678'] });
    expect(plan.steps.map((s) => [s.command, s.purpose, s.timeoutMs])).toEqual([
      ['ATZ', 'reset', 30_000],
      ['AT&C1&D2W1L1S0=0%E2', 'init', 12_000],
    ]);
    expect(plan.maxAttempts).toBe(2);
  });

  it('rejects a dial string with letters or control characters', () => {
    expect(codeOf(() => buildModemPlan(zoom, { device: 'd', numbers: ['555-1234'] }))).toBe('HAYES_BAD_DIAL_STRING');
    expect(codeOf(() => buildModemPlan(zoom, { device: 'd', numbers: ['5551234\rATH'] }))).toBe('HAYES_BAD_DIAL_STRING');
    expect(codeOf(() => buildModemPlan(zoom, { device: 'd', numbers: ['5551234;'] }))).toBe('HAYES_BAD_DIAL_STRING');
  });

  it('fills ${apn} and refuses an APN value that would inject a command', () => {
    const gsm = loadProfile('gsm');
    const plan = buildModemPlan(gsm, { device: 'd', numbers: [], variables: { apn: 'web.example' } });
    expect(plan.steps.map((s) => s.command)).toContain('AT+CGDCONT=1,"IP","web.example"');
    expect(plan.dials).toEqual([{ number: '*99***1#', command: 'ATD*99***1#' }]);
    expect(codeOf(() => buildModemPlan(gsm, { device: 'd', numbers: [], variables: { apn: 'x"\rATD911' } }))).toBe('HAYES_BAD_COMMAND');
    // the PDP type: IPv4 unless the link asks for IPv6 or both
    expect(buildModemPlan(gsm, { device: 'd', numbers: [], variables: { apn: 'web.example', pdp_type: 'IPV4V6' } }).steps.map((s) => s.command)).toContain('AT+CGDCONT=1,"IPV4V6","web.example"');
  });

  it('needs a number when the profile has no default', () => {
    expect(codeOf(() => buildModemPlan(zoom, { device: 'd', numbers: [] }))).toBe('CLI_USAGE');
  });

  it('marks the step that sends the password as secret and refuses CR/LF in credentials', () => {
    const plan = buildModemPlan(zoom, { device: 'd', numbers: ['1'], login: { user: 'u', password: 'pw' } });
    expect(plan.login.map((s) => [s.expect, s.send, s.secret])).toEqual([
      ['ogin:', 'u', false],
      ['assword:', 'pw', true],
    ]);
    expect(codeOf(() => buildModemPlan(zoom, { device: 'd', numbers: ['1'], login: { user: 'u', password: 'pw\rATH' } }))).toBe('CLI_USAGE');
  });

  it('runs no login chat without credentials', () => {
    expect(buildModemPlan(zoom, { device: 'd', numbers: ['1'] }).login).toEqual([]);
  });

  it('bounds the number of attempts', () => {
    expect(codeOf(() => buildModemPlan(zoom, { device: 'd', numbers: ['1'], attempts: 0 }))).toBe('CLI_USAGE');
  });

  it('lets the last init ride the first dial where the joined line is safe, and only the first', () => {
    const plan = buildModemPlan(loadProfile('generic'), { device: 'd', numbers: ['111', '222'] });
    expect(plan.initOnDial).toBe(true);
    expect(plan.dials).toEqual([
      { number: '111', command: 'ATDT111', withInit: 'ATQ0 V1 E1 S0=0 &C1 &D2DT111' },
      { number: '222', command: 'ATDT222' },
    ]);
  });

  it('keeps the init apart after checks (GSM: SIM and signal are asked before the dial) or where the profile says so', () => {
    const gsm = buildModemPlan(loadProfile('gsm'), { device: 'd', numbers: [], variables: { apn: 'internet' } });
    expect(gsm.initOnDial).toBe(false);
    expect(gsm.dials[0]).not.toHaveProperty('withInit');
    const generic = loadProfile('generic');
    const apart = buildModemPlan({ ...generic, dial: { ...generic.dial, withInit: false } }, { device: 'd', numbers: ['1'] });
    expect(apart.initOnDial).toBe(false);
  });
});
