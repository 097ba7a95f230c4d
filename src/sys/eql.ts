/**
 * The eql driver's controls that its one tool, eql_enslave, does not offer: taking a slave
 * out (EQL_EMANCIPATE) and changing a slave's priority, which eql reads as the line's speed
 * in bps (EQL_SETSLAVECFG). Both are ioctls on the master (drivers/net/eql.c), made by
 * native/pty.c. Enslaving stays with eql_enslave, which also checks that MTUs match.
 */
import { DialbondError, systemErrorCode } from '../errors/index.js';
import { loadPtyNative } from './pty.js';

/** The eql ioctls a bundle needs; injected so unit tests can record them. */
export interface EqlControl {
  emancipate(master: string, slave: string): void;
  setPriority(master: string, slave: string, priority: number): void;
}

function request(op: 'emancipate' | 'setslave', master: string, slave: string, priority: number): void {
  try {
    loadPtyNative().eqlRequest(op, master, slave, priority);
  } catch (error) {
    if (error instanceof DialbondError) throw error;
    const code = systemErrorCode(error);
    const hint = code === 'EPERM' ? ' (root or CAP_NET_ADMIN needed)' : code === 'ENODEV' ? ' (no such interface; eql masters exist only in the initial network namespace)' : code === 'EINVAL' ? ` (${slave} is not a slave of ${master})` : '';
    throw new DialbondError('SYS_COMMAND_FAILED', `${error instanceof Error ? error.message : String(error)}${hint}`, { master, slave, op, errno: code }, { cause: error });
  }
}

/** Takes `slave` out of the eql `master`. Throws SYS_COMMAND_FAILED with details.errno ENODEV or EINVAL when it is gone or not a slave. */
export function eqlEmancipate(master: string, slave: string): void {
  request('emancipate', master, slave, 0);
}

/** Sets a slave's priority: its line speed in bps, which eql uses to share the load. */
export function eqlSetPriority(master: string, slave: string, priority: number): void {
  if (!Number.isSafeInteger(priority) || priority <= 0) throw new DialbondError('BUNDLE_INVALID', `an eql priority is a positive whole number of bps, not ${priority}`, { master, slave, priority });
  request('setslave', master, slave, priority);
}

/** The real ioctls. */
export const systemEqlControl: EqlControl = { emancipate: eqlEmancipate, setPriority: eqlSetPriority };
