/**
 * node-serialport's Linux binding with one change: a read(2) that returns 0 bytes is a
 * hang-up, not "try again". On a tty, end of file means the line was hung up: carrier
 * lost with CLOCAL off, the device gone, or (for a pty) its master closed. The stock
 * binding retries such reads forever, so a dropped line went unnoticed (and spun a CPU);
 * here it ends the port with a `disconnect` error, which the stream reports as a close.
 */
import { read as fsRead, readSync } from 'node:fs';
import { LinuxBinding, type LinuxBindingInterface, type LinuxPortBinding } from '@serialport/bindings-cpp';
import type { ReadGate } from './read-gate.js';

type ReadResult = { buffer: Buffer; bytesRead: number };

const DISCONNECT_CODES = new Set(['EIO', 'ENXIO', 'ENODEV', 'EBADF']);

/**
 * While the gate is byte-precise: the bytes already waiting in the tty, read one at a time
 * in a row (the port is non-blocking, so an empty tty ends the run with EAGAIN), asking the
 * gate after each. One read(2) per byte either way, but one trip through the event loop
 * for the lot instead of one per byte, which is what a byte costs a Node process (the
 * CARRIER, PROTOCOL and CONNECT lines of a dial are a hundred bytes). Returns how many it
 * read; 0 with nothing waiting; null at end of file (a hang-up).
 */
function drainPrecisely(fd: number, buffer: Buffer, offset: number, length: number, gate: ReadGate): number | null {
  let n = 0;
  while (n < length && gate.precise) {
    let bytesRead: number;
    try {
      bytesRead = readSync(fd, buffer, offset + n, 1, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') break;
      if (n > 0) break; // the next read reports it
      throw error;
    }
    if (bytesRead === 0) return n > 0 ? n : null;
    gate.took(buffer.subarray(offset + n, offset + n + 1));
    n++;
  }
  return n;
}

function readOnce(fd: number, buffer: Buffer, offset: number, length: number): Promise<number> {
  return new Promise((resolve, reject) => fsRead(fd, buffer, offset, length, null, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead))));
}

async function readDetectingHangup(port: LinuxPortBinding, buffer: Buffer, offset: number, length: number, gate?: ReadGate): Promise<ReadResult> {
  /** What the poller last failed with, until a read says more. */
  let pollError: Error | undefined;
  for (;;) {
    if (!port.isOpen || port.fd === null) throw Object.assign(new Error('Port is not open'), { canceled: true });
    // Asked right before each read(2), never earlier: a hold decided by the last byte
    // read keeps the next one from being taken.
    const most = gate ? Math.min(length, await gate.ready()) : length;
    if (most === 0) {
      // Closing (or handed over): read nothing, and give the close time to finish. A
      // cancel thrown at once would have the stream call read() again at once, a loop of
      // promise callbacks that never lets the close run.
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    if (!port.isOpen || port.fd === null) throw Object.assign(new Error('Port is not open'), { canceled: true });
    try {
      if (most === 1 && gate?.precise) {
        const drained = drainPrecisely(port.fd, buffer, offset, length, gate);
        if (drained === null) throw Object.assign(new Error('the line hung up (end of file on the tty)'), { disconnect: true, code: 'EHANGUP' });
        if (drained > 0) return { buffer, bytesRead: drained };
        throw Object.assign(new Error('nothing waiting'), { code: 'EAGAIN' });
      }
      const bytesRead = await readOnce(port.fd, buffer, offset, most);
      if (bytesRead > 0) {
        gate?.took(buffer.subarray(offset, offset + bytesRead));
        return { buffer, bytesRead };
      }
      throw Object.assign(new Error('the line hung up (end of file on the tty)'), { disconnect: true, code: 'EHANGUP' });
    } catch (error) {
      const err = error as NodeJS.ErrnoException & { disconnect?: boolean; canceled?: boolean };
      if (err.disconnect || err.canceled) throw err;
      if (err.code === 'EAGAIN' || err.code === 'EWOULDBLOCK' || err.code === 'EINTR') {
        if (!port.isOpen) throw Object.assign(new Error('Port is not open'), { canceled: true });
        if (pollError) throw Object.assign(pollError, { disconnect: true });
        // The binding's poller watches the fd (epoll via libuv) and says when it is readable.
        pollError = await new Promise<Error | undefined>((resolve, reject) =>
          port.poller.once('readable', (e?: (Error & { canceled?: boolean }) | null) => (e?.canceled ? reject(e) : resolve(e ?? undefined))),
        );
        // libuv reports POLLERR as "bad file descriptor"; on a tty that is a hung-up file
        // (the kernel hung the line up under us), whose read returns end of file: read once
        // more and let it say so.
        continue;
      }
      if (err.code && DISCONNECT_CODES.has(err.code)) err.disconnect = true;
      throw err;
    }
  }
}

/** LinuxBinding whose ports report a hang-up when the tty reaches end of file and, with a
 * `gate`, read only when and as much as it allows (see read-gate.ts). */
export function hangupAwareBinding(gate?: ReadGate): LinuxBindingInterface {
  return {
    ...LinuxBinding,
    async open(options) {
      const port = await LinuxBinding.open(options);
      port.read = (buffer, offset, length) => readDetectingHangup(port, buffer, offset, length, gate);
      return port;
    },
  };
}

/** LinuxBinding whose ports report a hang-up when the tty reaches end of file. */
export const HangupAwareBinding: LinuxBindingInterface = hangupAwareBinding();
