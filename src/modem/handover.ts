/**
 * The end of a hand-over, shared by `dialAndHold` and the link machine: the line comes
 * back from pppd and is hung up.
 */
import { sleep, type Clock } from '../util/clock.js';
import type { HandoverIo } from './io.js';

/**
 * How long DTR stays low after the close that hangs up a line with &D2, before the port is
 * anyone's again. A modem acts on a DTR drop only once it has lasted a while (S25 on many),
 * and the next open raises DTR at once: the kernel's serial ports wait this long in close
 * (close_delay, 0.5 s by default), a pty or a driver without it does not wait at all.
 */
export const DTR_HANGUP_HOLD_MS = 500;

/**
 * Takes the line back once pppd is gone. With &D2 the close was the hang-up, and reopening
 * would only raise DTR again: DTR stays low for DTR_HANGUP_HOLD_MS, and the lock stays ours
 * meanwhile, so no redial (ours or another program's) cuts it short. Without it the port is
 * reopened, for the modem machine to hang up with the escape and ATH.
 */
export async function takeLineBack(io: HandoverIo, fd: number, dtrHangup: boolean, clock: Clock): Promise<void> {
  await io.takeBack(fd, { reopen: !dtrHangup });
  if (dtrHangup) await sleep(clock, DTR_HANGUP_HOLD_MS);
}
