import { describe, expect, it } from 'vitest';
import { PPP_EXIT_STATUSES, describePppExit } from './exit-codes.js';

describe('pppd exit statuses (pppd(8) EXIT STATUS)', () => {
  it('has every status from 0 to 21, each with a name and a meaning', () => {
    expect(PPP_EXIT_STATUSES.map((entry) => entry.status)).toEqual(Array.from({ length: 22 }, (_, i) => i));
    for (const entry of PPP_EXIT_STATUSES) {
      expect(entry.name).toMatch(/^[a-z][a-z-]*$/);
      expect(entry.meaning.length).toBeGreaterThan(10);
    }
    expect(new Set(PPP_EXIT_STATUSES.map((entry) => entry.name)).size).toBe(22);
  });

  it('marks exactly 1, 2, 3, 4, 11, 19 and 21 fatal', () => {
    const fatal = PPP_EXIT_STATUSES.filter((entry) => entry.fatal).map((entry) => entry.status);
    expect(fatal).toEqual([1, 2, 3, 4, 11, 19, 21]);
  });

  it.each([
    [0, 'ok'],
    [5, 'user-request'],
    [10, 'negotiation-failed'],
    [11, 'peer-auth-failed'],
    [15, 'peer-dead'],
    [16, 'hangup'],
    [19, 'auth-to-peer-failed'],
    [21, 'cnid-auth-failed'],
  ])('describes status %i as %s', (status, name) => {
    const info = describePppExit(status);
    expect(info.status).toBe(status);
    expect(info.name).toBe(name);
  });

  it('a signal kill is "killed", not fatal, with no status', () => {
    expect(describePppExit(null, 'SIGKILL')).toMatchObject({ status: null, name: 'killed', fatal: false });
    expect(describePppExit(null, 'SIGSEGV')).toMatchObject({ status: null, name: 'killed', fatal: false });
  });

  it('an unlisted status or no information at all is "unknown", not fatal', () => {
    expect(describePppExit(127)).toMatchObject({ status: 127, name: 'unknown', fatal: false });
    expect(describePppExit(-1)).toMatchObject({ name: 'unknown', fatal: false });
    expect(describePppExit(null, null)).toMatchObject({ status: null, name: 'unknown', fatal: false });
  });

  it('returns copies: callers cannot change the table', () => {
    const info = describePppExit(16);
    info.fatal = true;
    expect(describePppExit(16).fatal).toBe(false);
  });
});
