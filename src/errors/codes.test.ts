import { describe, expect, it } from 'vitest';
import { DialbondError, ERROR_CODES, areaOf, errorCodeOf, errorMessageOf, hintFor, isErrorCode, isRetryableCode, type ErrorCode } from './index.js';

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

describe('the error vocabulary', () => {
  it('gives every code an area, a hint of what to do and a retry-or-park word', () => {
    for (const code of CODES) {
      expect(code).toMatch(/^[A-Z]+_[A-Z0-9_]+$/);
      expect(areaOf(code)).toBe(code.split('_')[0]);
      expect(hintFor(code).length, code).toBeGreaterThan(10);
      expect(typeof isRetryableCode(code)).toBe('boolean');
    }
  });

  it('parks on what a redial cannot fix and retries what may pass', () => {
    const parks = ['MODEM_LOGIN_FAILED', 'HAYES_LINE_TOO_LONG', 'MODEM_NOT_SERIAL', 'MODEM_INIT_FAILED', 'PPP_AUTH_TO_PEER_FAILED', 'PPP_NO_KERNEL_SUPPORT', 'LINK_BLACKLISTED', 'LINK_HUNG_UP'] as const;
    const retries = ['MODEM_DIAL_FAILED', 'MODEM_TIMEOUT', 'MODEM_VANISHED', 'PPP_HANGUP', 'PPP_PEER_DEAD', 'PPP_NEGOTIATION_TIMEOUT', 'LINK_HOLD_OFF', 'LINK_PROBE_FAILED'] as const;
    for (const code of parks) expect(isRetryableCode(code), code).toBe(false);
    for (const code of retries) expect(isRetryableCode(code), code).toBe(true);
    expect(new DialbondError('MODEM_LOGIN_FAILED', 'x').isRetryable()).toBe(false);
  });

  it('reads the code of whatever was thrown, registered codes only', () => {
    expect(errorCodeOf(new DialbondError('PPP_SECRETS', 'x'), 'LINK_FAILED')).toBe('PPP_SECRETS');
    // an error that crossed an actor boundary as a plain object keeps its code
    expect(errorCodeOf({ code: 'MODEM_VANISHED', message: 'gone' }, 'LINK_FAILED')).toBe('MODEM_VANISHED');
    expect(errorCodeOf(Object.assign(new Error('x'), { code: 'ENOENT' }), 'LINK_FAILED')).toBe('LINK_FAILED');
    expect(errorCodeOf('just a string', 'MODEM_IO')).toBe('MODEM_IO');
    expect(isErrorCode('PPP_HANGUP')).toBe(true);
    expect(isErrorCode('PPP_MADE_UP')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
    expect(errorMessageOf({ message: 'plain' })).toBe('plain');
    expect(errorMessageOf(42)).toBe('42');
  });
});

describe("the README's list of codes that park a link", () => {
  it('is exactly the codes the table marks not retryable', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /<!-- errors:park -->([\s\S]*?)<!-- \/errors:park -->/.exec(readme)?.[1] ?? '';
    const listed = [...block.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]).sort();
    expect(listed).toEqual(CODES.filter((code) => !isRetryableCode(code)).sort());
  });
});
