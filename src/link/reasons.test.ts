import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isRetryableCode, type ErrorCode } from '../errors/index.js';
import type { DialReport } from '../modem/index.js';
import { PPP_EXIT_STATUSES } from '../ppp/index.js';
import { linkReason } from './reasons.js';

const failed = (code: ErrorCode, result: DialReport['result'] = 'error'): DialReport => ({
  result, connect: null, speed: null, protocol: null, attempts: 1, elapsedMs: 100, connectMs: null, device: '/dev/ttyS0', number: '5551234', error: { code, message: `${code} happened` },
});

describe('link reasons: one vocabulary, the table decides', () => {
  it('parks a link on a dial failure exactly when the code is not retryable, for every code', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const reason = linkReason({ kind: 'dial', report: failed(code), link: 'line0' });
      expect(reason, code).toMatchObject({ code, fatal: !isRetryableCode(code), message: `${code} happened` });
    }
  });

  it('gives DELAYED and BLACKLISTED codes of their own: hold off, or park until dialed by hand', () => {
    const delayed = linkReason({ kind: 'dial', report: { ...failed('MODEM_DIAL_FAILED', 'delayed'), retryAfterMs: 600_000 }, link: 'line0' });
    expect(delayed).toMatchObject({ code: 'LINK_HOLD_OFF', fatal: false, holdOff: 'delayed' });
    expect(delayed.message).toContain('for 600 s');
    const blacklisted = linkReason({ kind: 'dial', report: failed('MODEM_DIAL_FAILED', 'blacklisted'), link: 'line0' });
    expect(blacklisted).toMatchObject({ code: 'LINK_BLACKLISTED', fatal: true, holdOff: 'blacklisted' });
    expect(blacklisted.message).toContain('dialbond up line0');
  });

  it("maps every pppd exit status onto its registered code, fatal as the table says", () => {
    for (const info of PPP_EXIT_STATUSES) {
      const exit = { status: info.status, signal: null, name: info.name, meaning: info.meaning, code: info.code };
      expect(linkReason({ kind: 'pppd-exit', exit, said: [] }), info.name).toMatchObject({ code: info.code, fatal: info.fatal, pppStatus: info.status });
    }
  });

  it('sharpens an exit by what pppd logged: a dead peer, a refused login', () => {
    const hangup = { status: 16, signal: null, name: 'hangup', meaning: 'the modem hung up', code: 'PPP_HANGUP' as const };
    expect(linkReason({ kind: 'pppd-exit', exit: hangup, said: ['peer-dead'] })).toMatchObject({ code: 'PPP_PEER_DEAD', fatal: false });
    expect(linkReason({ kind: 'pppd-exit', exit: hangup, said: ['auth-failed'] })).toMatchObject({ code: 'PPP_AUTH_TO_PEER_FAILED', fatal: true });
    expect(linkReason({ kind: 'pppd-exit', exit: hangup, said: [] })).toMatchObject({ code: 'PPP_HANGUP', fatal: false });
  });

  it('keeps a thrown error its registered code and gives anything else the fallback', () => {
    expect(linkReason({ kind: 'thrown', error: { code: 'PPP_NOT_FOUND', message: 'no pppd' }, fallback: 'PPP_START_FAILED' })).toMatchObject({ code: 'PPP_NOT_FOUND', fatal: true });
    expect(linkReason({ kind: 'thrown', error: new Error('boom'), fallback: 'LINK_FAILED' })).toMatchObject({ code: 'LINK_FAILED', fatal: false, message: 'boom' });
    expect(linkReason({ kind: 'hung-up' })).toMatchObject({ code: 'LINK_HUNG_UP', fatal: true });
    expect(linkReason({ kind: 'negotiation-timeout', afterMs: 45_000 })).toMatchObject({ code: 'PPP_NEGOTIATION_TIMEOUT', fatal: false, message: expect.stringContaining('45 s') });
  });
});
