/**
 * The rate a bundled line is shaped at (src/bundle/queue.ts): what its bytes can really
 * cross, in bit/s of 8N1 framing. The link's own `rate:` wins. Otherwise a modem's CONNECT
 * speed, capped by the serial port's rate on a UART (a GSM modem answers CONNECT 7200000
 * over a 115200 bps port, and the port is the narrow part). A USB modem's tty has no rate
 * of its own (cdc-acm and usb-serial ignore it), so there the CONNECT speed alone counts;
 * a UART without a CONNECT speed is taken at its port rate. Anything else (a pty link,
 * a USB modem that said only CONNECT) is not known, and its line is not shaped.
 */
import type { LinkConfig } from '../link/index.js';

/** ttyACM (cdc-acm) and ttyUSB (usb-serial) ports: USB, whose tty rate moves nothing. */
export const isUsbTty = (kernelName: string): boolean => /^tty(ACM|USB)\d+$/.test(kernelName);

export function lineRateOf(link: LinkConfig, options: { configured?: number; connectSpeed: number | null; kernelName: string }): number | undefined {
  if (options.configured !== undefined) return options.configured;
  if (link.kind !== 'modem') return undefined;
  const usb = link.match !== undefined || isUsbTty(options.kernelName);
  if (usb) return options.connectSpeed ?? undefined;
  const port = link.baudRate ?? link.profile.baudRate;
  return options.connectSpeed === null ? port : Math.min(options.connectSpeed, port);
}
