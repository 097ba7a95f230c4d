/**
 * A tty's rate as any number of bit/s (termios2 with BOTHER, made by native/pty.c; glibc's
 * cfsetospeed knows only the Bnnn table, which has no 28800 or 33600). dialbond sets it on
 * a connected line whose port rate moves nothing (src/modem/port-rate.ts), to the rate the
 * line really carries, before pppd attaches the line: ppp_async takes the channel's speed
 * from the tty's rate at attach time, and multilink sizes each fragment by it
 * (ppp_mp_explode), so a 28800 bps line gets a quarter of what a 115200 bps line gets
 * instead of half of every packet. pppd keeps a rate it was not told to change: its
 * tcsetattr carries BOTHER, and the kernel keeps c_ospeed.
 */
import { DialbondError, systemErrorCode } from '../errors/index.js';
import { loadPtyNative } from './pty.js';

function call<T>(what: string, fd: number, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof DialbondError) throw error;
    const code = systemErrorCode(error);
    const hint = code === 'ENOTTY' ? ' (not a tty)' : code === 'EBADF' ? ' (the descriptor is closed)' : '';
    throw new DialbondError('SYS_COMMAND_FAILED', `${what} on descriptor ${fd}: ${error instanceof Error ? error.message : String(error)}${hint}`, { fd, errno: code }, { cause: error });
  }
}

/** Sets both directions of the tty on `fd` to `bps`; returns the rate the kernel then holds. */
export function setTtyRate(fd: number, bps: number): number {
  if (!Number.isSafeInteger(bps) || bps <= 0 || bps > 0x7fffffff) throw new DialbondError('SYS_COMMAND_FAILED', `a tty rate is a positive whole number of bit/s, not ${bps}`, { fd, bps });
  return call('setting the tty rate', fd, () => loadPtyNative().setTtyRate(fd, bps));
}

/** The output rate of the tty on `fd` in bit/s, as the kernel holds it. */
export function ttyRate(fd: number): number {
  return call('reading the tty rate', fd, () => loadPtyNative().ttyRate(fd));
}
