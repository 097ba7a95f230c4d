/**
 * Whether a serial port's rate is the rate its bytes cross at. On a UART, and on a USB
 * bridge to one (ftdi_sio, pl2303, cp210x, ch341, ...), the tty's rate is the wire's: the
 * modem answers at that rate and nothing else. On a pty, and on a USB modem's own serial
 * function, the rate moves nothing: usb_wwan's drivers (option, qcserial, sierra) ignore
 * it, and a cdc-acm function that speaks AT commands (bInterfaceProtocol 1-6, CDC 1.2
 * table 5) takes SET_LINE_CODING as a number to echo back. Such a port's rate is free to
 * say what the line really carries, which is what multilink PPP reads (src/link/actors.ts).
 * A cdc-acm port without an AT protocol is a UART bridge that speaks CDC (some CH343 and
 * MCP2200 chips): its rate is the wire's.
 */
import { realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { kernelNameOf } from './lock.js';
import { isPseudoTerminal } from './serial-io.js';
import { readAttribute, type SysfsRoots } from './usb-ports.js';

/** `wire`: the tty's rate is the line's to the modem; `free`: the rate moves nothing. */
export type PortRateRole = 'wire' | 'free';

/** usb-serial drivers of modems' own functions (sysfs names), which take no rate. */
const RATELESS_USB_SERIAL = new Set(['option1', 'qcserial', 'sierra', 'zte_ev', 'qcaux']);

/** CDC ACM's AT command protocols: V.250, PCCA-101 (and its annex), GSM 07.07, 3GPP 27.07, TIA CDMA. */
const AT_PROTOCOLS = new Set([1, 2, 3, 4, 5, 6]);

/** The role of `device`'s rate (see above); a port sysfs says nothing about is taken as a wire. */
export function portRateRole(device: string, roots: SysfsRoots = {}, pty: (device: string) => boolean = isPseudoTerminal): PortRateRole {
  if (pty(device)) return 'free';
  const deviceDir = join(roots.sys ?? '/sys', 'class', 'tty', kernelNameOf(device), 'device');
  let driver: string;
  try {
    driver = basename(realpathSync(join(deviceDir, 'driver')));
  } catch {
    return 'wire';
  }
  if (RATELESS_USB_SERIAL.has(driver)) return 'free';
  if (driver === 'cdc_acm') {
    const protocol = Number.parseInt(readAttribute(deviceDir, 'bInterfaceProtocol') ?? '', 16);
    return AT_PROTOCOLS.has(protocol) ? 'free' : 'wire';
  }
  return 'wire';
}
