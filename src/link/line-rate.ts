/**
 * The rate a line really carries, in bit/s of 8N1 framing: what its shaper is set under
 * (src/bundle/queue.ts) and what its tty says to multilink PPP (src/sys/tty-rate.ts). The
 * link's own `rate:` wins. Otherwise a modem's CONNECT speed, capped by the port's rate
 * where that rate is the wire's (a UART: a GSM modem answers CONNECT 7200000 over a 115200
 * bps port, and the port is the narrow part); a port whose rate moves nothing (a pty, a
 * USB modem's own function: src/modem/port-rate.ts) is taken at its CONNECT speed alone. A
 * UART without a CONNECT speed is taken at its port rate. Anything else (a pty link, a USB
 * modem that said only CONNECT) is not known.
 */
import type { PortRateRole } from '../modem/index.js';
import type { LinkConfig } from './types.js';

export function lineRateOf(link: LinkConfig, options: { connectSpeed: number | null; port: PortRateRole }): number | undefined {
  if (link.rate !== undefined) return link.rate;
  if (link.kind !== 'modem') return undefined;
  if (options.port === 'free') return options.connectSpeed ?? undefined;
  const port = link.baudRate ?? link.profile.baudRate;
  return options.connectSpeed === null ? port : Math.min(options.connectSpeed, port);
}
