/**
 * One link's membership of the bundle, as a small pure state machine: out -> adding -> in
 * -> removing -> out. What the link should be (`wanted`: up, not held out, the daemon not
 * stopping) is set by the supervisor at any time; the bundle queue does one add or removal
 * at a time, and at its turn `nextStep` says which, if any, this link needs now. So an add
 * that waited behind a slow removal does nothing when the link went down meanwhile, and a
 * link is reported bundled only once the backend has taken it and until it lets it go.
 */

export type MemberPhase = 'out' | 'adding' | 'in' | 'removing';

export interface Membership {
  phase: MemberPhase;
  /** Should be in the bundle. */
  wanted: boolean;
  /** The member the bundle holds belongs to a run of the link that has ended (its
   * interface is gone): it must leave, even if the link is wanted again. */
  stale: boolean;
}

export type MembershipEvent =
  | { type: 'want'; wanted: boolean }
  /** The link went down: what the bundle holds of it is stale. */
  | { type: 'dropped' }
  | { type: 'add-started' }
  /** The backend took the link (ok) or refused it. */
  | { type: 'add-done'; ok: boolean }
  | { type: 'remove-started' }
  /** The backend let the link go; a failed removal counts too: backends forget a member
   * before undoing it, so whatever failed, it is no longer theirs. */
  | { type: 'remove-done' }
  /** The bundle was destroyed (a rebuild, the daemon stopping): nothing is in it any more. */
  | { type: 'bundle-gone' };

export const OUT: Membership = { phase: 'out', wanted: false, stale: false };

/** The membership after `event`. Events that make no sense in a phase change nothing. */
export function nextMembership(m: Membership, event: MembershipEvent): Membership {
  switch (event.type) {
    case 'want':
      return { ...m, wanted: event.wanted };
    case 'dropped':
      return m.phase === 'out' ? m : { ...m, stale: true };
    case 'add-started':
      // The add takes the link as it is now: nothing stale about it.
      return m.phase === 'out' ? { ...m, phase: 'adding', stale: false } : m;
    case 'add-done':
      // A refused add is not retried by itself: the next reason to want the link is.
      return m.phase === 'adding' ? (event.ok ? { ...m, phase: 'in' } : OUT) : m;
    case 'remove-started':
      return m.phase === 'in' ? { ...m, phase: 'removing' } : m;
    case 'remove-done':
      return m.phase === 'removing' ? { ...m, phase: 'out', stale: false } : m;
    case 'bundle-gone':
      return OUT;
  }
}

/** What the bundle queue should do for this link at its turn. */
export function nextStep(m: Membership): 'add' | 'remove' | null {
  if (m.phase === 'out' && m.wanted) return 'add';
  if (m.phase === 'in' && (!m.wanted || m.stale)) return 'remove';
  return null;
}

/** The backend holds the link (it is in, or its removal has not finished). */
export function isBundled(m: Membership): boolean {
  return m.phase === 'in' || m.phase === 'removing';
}
