import { describe, expect, it } from 'vitest';
import { isBundled, nextMembership, nextStep, OUT, type Membership, type MembershipEvent } from './membership.js';

const run = (events: MembershipEvent[], from: Membership = OUT) => events.reduce(nextMembership, from);

describe('bundle membership', () => {
  it('goes out -> adding -> in -> removing -> out, bundled from the backend taking it to its letting go', () => {
    let m = run([{ type: 'want', wanted: true }]);
    expect(nextStep(m)).toBe('add');
    m = run([{ type: 'add-started' }], m);
    expect([m.phase, isBundled(m), nextStep(m)]).toEqual(['adding', false, null]);
    m = run([{ type: 'add-done', ok: true }], m);
    expect([m.phase, isBundled(m), nextStep(m)]).toEqual(['in', true, null]);
    m = run([{ type: 'want', wanted: false }], m);
    expect(nextStep(m)).toBe('remove');
    m = run([{ type: 'remove-started' }], m);
    expect([m.phase, isBundled(m)]).toEqual(['removing', true]);
    m = run([{ type: 'remove-done' }], m);
    expect(m).toEqual(OUT);
  });

  it('does nothing at its turn for an add whose link went down while it waited', () => {
    const m = run([{ type: 'want', wanted: true }, { type: 'dropped' }, { type: 'want', wanted: false }]);
    expect(nextStep(m)).toBeNull();
  });

  it('takes out a member whose link dropped and came back before the queue got to it, then adds the new one', () => {
    // up (added as ppp0), down, up again as ppp1: the bundle still holds ppp0
    let m = run([{ type: 'want', wanted: true }, { type: 'add-started' }, { type: 'add-done', ok: true }]);
    m = run([{ type: 'dropped' }, { type: 'want', wanted: false }, { type: 'want', wanted: true }], m);
    expect(nextStep(m)).toBe('remove');
    m = run([{ type: 'remove-started' }, { type: 'remove-done' }], m);
    expect(nextStep(m)).toBe('add');
    // a drop during the add: the add finishes with the old interface, which then leaves
    const during = run([{ type: 'want', wanted: true }, { type: 'add-started' }, { type: 'dropped' }, { type: 'add-done', ok: true }]);
    expect(nextStep(during)).toBe('remove');
  });

  it('forgets a refused add and everything after the bundle is gone', () => {
    expect(run([{ type: 'want', wanted: true }, { type: 'add-started' }, { type: 'add-done', ok: false }])).toEqual(OUT);
    expect(run([{ type: 'want', wanted: true }, { type: 'add-started' }, { type: 'add-done', ok: true }, { type: 'bundle-gone' }])).toEqual(OUT);
  });

  it('ignores events that make no sense in the phase', () => {
    expect(run([{ type: 'remove-done' }, { type: 'add-done', ok: true }, { type: 'remove-started' }])).toEqual(OUT);
    expect(run([{ type: 'dropped' }])).toEqual(OUT);
  });
});
