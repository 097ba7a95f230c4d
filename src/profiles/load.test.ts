import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DialbondError } from '../errors/index.js';
import { loadProfile, loadProfileFile, parseProfile } from './index.js';

function profileFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dialbond-profile-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, content);
  return file;
}

function errorOf(fn: () => unknown): DialbondError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DialbondError);
    return error as DialbondError;
  }
  throw new Error('expected an error');
}

describe('shipped dialer profiles', () => {
  it.each(['generic', 'zoom-v34', 'usr-courier', 'gsm'])('%s loads and validates', (name) => {
    const profile = loadProfile(name);
    expect(profile.name).toBe(name);
    expect(profile.reset).toMatch(/^AT/);
  });

  it('zoom-v34 carries the classic expect dialer: init string and timeouts', () => {
    const profile = loadProfile('zoom-v34');
    expect(profile.init).toEqual(['AT&C1&D2W1L1S0=0%E2']);
    expect(profile.dial.prefix).toBe('ATDT');
    expect(profile.timeouts).toMatchObject({ command: 5000, reset: 30_000, init: 12_000, dial: 90_000, login: 20_000 });
    expect(profile.login.map((s) => s.expect)).toEqual(['ogin:', 'assword:']);
  });

  it('gsm checks the SIM, reads the signal, sets the PDP type (IP by default) and the APN and dials *99***1#', () => {
    const profile = loadProfile('gsm');
    expect(profile.checks.map((c) => c.send)).toEqual(['AT+CPIN?', 'AT+CSQ', 'AT+CGDCONT=1,"${pdp_type}","${apn}"']);
    expect(profile.variables).toMatchObject({ apn: 'internet', pdp_type: 'IP' });
    expect(profile.checks[0]?.expect).toBe('+CPIN: READY');
    expect(profile.dial.defaultNumber).toBe('*99***1#');
  });
});

describe('profile validation errors name the file and the field', () => {
  it('rejects a bad duration', () => {
    const file = profileFile('name: x\ntimeouts:\n  dial: soon\n');
    const error = errorOf(() => loadProfileFile(file));
    expect(error.code).toBe('PROFILE_INVALID');
    expect(error.message).toContain(file);
    expect(error.message).toContain('timeouts.dial');
  });

  it('rejects unknown fields', () => {
    const error = errorOf(() => parseProfile({ name: 'x', inti: ['ATZ'] }, 'p.yaml'));
    expect(error.code).toBe('PROFILE_INVALID');
    expect(error.message).toContain('"inti"');
  });

  it('rejects a missing name', () => {
    const error = errorOf(() => parseProfile({ init: [] }, 'p.yaml'));
    expect(error.message).toContain('p.yaml: name');
  });

  it('rejects an init command that would inject a second command', () => {
    const error = errorOf(() => parseProfile({ name: 'x', init: ['ATZ', 'AT&F\rATDT911'] }, 'p.yaml'));
    expect(error.code).toBe('PROFILE_INVALID');
    expect(error.message).toContain('init[1]');
  });

  it('rejects a command that is not an AT command', () => {
    expect(errorOf(() => parseProfile({ name: 'x', reset: 'reboot' }, 'p.yaml')).message).toContain('reset');
  });

  it('rejects an unknown variable and a password outside the login chat', () => {
    expect(errorOf(() => parseProfile({ name: 'x', init: ['AT+CGDCONT=1,"IP","${apm}"'] }, 'p.yaml')).message).toContain('${apm}');
    expect(errorOf(() => parseProfile({ name: 'x', init: ['AT${password}'] }, 'p.yaml')).message).toContain('login step');
  });

  it('rejects an unknown redial outcome', () => {
    const error = errorOf(() => parseProfile({ name: 'x', redial: { retryOn: ['busy', 'sometimes'] } }, 'p.yaml'));
    expect(error.message).toContain('redial.retryOn[1]');
  });

  it('reports YAML syntax errors with the line', () => {
    const file = profileFile('name: x\ninit: [ATZ\n');
    const error = errorOf(() => loadProfileFile(file));
    expect(error.code).toBe('PROFILE_INVALID');
    expect(error.message).toMatch(/not valid YAML at line \d+/);
  });

  it('reports an unknown profile name with where it looked', () => {
    const error = errorOf(() => loadProfile('no-such-modem'));
    expect(error.code).toBe('PROFILE_NOT_FOUND');
    expect(error.message).toContain('dialers');
  });

  it('reports a missing profile file', () => {
    expect(errorOf(() => loadProfile('/nonexistent/x.yaml')).code).toBe('PROFILE_NOT_FOUND');
  });
});
