/**
 * Serial ports as the kernel lists them in sysfs, with the USB device behind each one
 * (vendor:product, serial number, interface number), read without udev: a link can name its
 * modem by what it is (`match:`) instead of a /dev/ttyACMn that renumbers when it is plugged
 * in again. The same listing serves `dialbond detect`.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, watch } from 'node:fs';
import { dirname, join } from 'node:path';
import { DialbondError } from '../errors/index.js';

/** A USB modem as a link names it: `usb: "1199:68c0"`, and where one device has several
 * ports (a cellular stick's modem and diagnostics ports), which `interface`. */
export interface UsbMatch {
  /** vendor:product, four hex digits each, e.g. 1199:68c0. */
  usb: string;
  /** The device's serial number (iSerial), when several of one model are plugged in. */
  serial?: string;
  /** The USB interface number of the port (bInterfaceNumber). */
  interface?: number;
}

export interface SerialPortInfo {
  /** /dev/ttyACM0 */
  device: string;
  /** ttyACM0 */
  name: string;
  /** The USB device behind it, for a USB port. */
  usb?: { vendor: string; product: string; serial?: string; interface?: number; manufacturer?: string; productName?: string };
}

/** Where sysfs and /dev are (tests give a tree of their own). */
export interface SysfsRoots {
  sys?: string;
  dev?: string;
}

/** A sysfs attribute's text, trimmed; undefined where it is not there. */
export function readAttribute(dir: string, name: string): string | undefined {
  try {
    return readFileSync(join(dir, name), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The USB device and interface above a tty's device directory (ttyACM: the interface
 * itself; ttyUSB: a port below the interface). */
function usbOf(deviceDir: string): SerialPortInfo['usb'] {
  let interfaceNumber: number | undefined;
  for (let dir = deviceDir, steps = 0; steps < 6 && dir !== dirname(dir); dir = dirname(dir), steps++) {
    const number = readAttribute(dir, 'bInterfaceNumber');
    if (number !== undefined && interfaceNumber === undefined) interfaceNumber = Number.parseInt(number, 16);
    const vendor = readAttribute(dir, 'idVendor');
    const product = readAttribute(dir, 'idProduct');
    if (vendor && product) {
      const serial = readAttribute(dir, 'serial');
      const manufacturer = readAttribute(dir, 'manufacturer');
      const productName = readAttribute(dir, 'product');
      return {
        vendor: vendor.toLowerCase(),
        product: product.toLowerCase(),
        ...(serial ? { serial } : {}),
        ...(interfaceNumber !== undefined ? { interface: interfaceNumber } : {}),
        ...(manufacturer ? { manufacturer } : {}),
        ...(productName ? { productName } : {}),
      };
    }
  }
  return undefined;
}

/** The serial ports there are: every tty in /sys/class/tty backed by a device (so not the
 * virtual consoles and ptys), USB ones with their device's identity. */
export function listSerialPorts(roots: SysfsRoots = {}): SerialPortInfo[] {
  const sys = roots.sys ?? '/sys';
  const dev = roots.dev ?? '/dev';
  const classDir = join(sys, 'class', 'tty');
  let names: string[];
  try {
    names = readdirSync(classDir);
  } catch {
    return [];
  }
  const ports: SerialPortInfo[] = [];
  for (const name of names.sort()) {
    const deviceLink = join(classDir, name, 'device');
    if (!existsSync(deviceLink)) continue;
    let deviceDir: string;
    try {
      deviceDir = realpathSync(deviceLink);
    } catch {
      continue;
    }
    const usb = usbOf(deviceDir);
    ports.push({ device: join(dev, name), name, ...(usb ? { usb } : {}) });
  }
  return ports;
}

/** `usb: 1199:68c0, interface 3`, for messages. */
export function describeMatch(match: UsbMatch): string {
  return `usb ${match.usb.toLowerCase()}${match.serial !== undefined ? ` serial ${match.serial}` : ''}${match.interface !== undefined ? ` interface ${match.interface}` : ''}`;
}

/** The ports that fit `match`, in name order. */
export function matchingPorts(match: UsbMatch, ports: readonly SerialPortInfo[]): SerialPortInfo[] {
  const [vendor, product] = match.usb.toLowerCase().split(':');
  return ports.filter(
    (p) =>
      p.usb !== undefined &&
      p.usb.vendor === vendor &&
      p.usb.product === product &&
      (match.serial === undefined || p.usb.serial === match.serial) &&
      (match.interface === undefined || p.usb.interface === match.interface),
  );
}

/**
 * The device path of the one port that fits `match`, as it is numbered now. Throws
 * MODEM_NO_DEVICE when none does (unplugged: a link waits for it), and CONFIG_INVALID when
 * several do: dialing one of two sticks at random would be worse than a clear word about
 * `serial` or `interface`.
 */
export function resolveUsbMatch(match: UsbMatch, roots: SysfsRoots = {}): string {
  const found = matchingPorts(match, listSerialPorts(roots));
  if (found.length === 0) throw new DialbondError('MODEM_NO_DEVICE', `no serial port of ${describeMatch(match)} is there (is the modem plugged in?)`, { match: describeMatch(match) });
  if (found.length > 1) {
    throw new DialbondError('CONFIG_INVALID', `${found.length} serial ports fit ${describeMatch(match)} (${found.map((p) => p.device).join(', ')}): add "serial" or "interface" to the match`, { match: describeMatch(match) });
  }
  return (found[0] as SerialPortInfo).device;
}

/** Calls `onPresent` once a port that fits `match` is there (at once if it is), watching
 * /dev for new device nodes; returns the function that stops watching. */
export function whenUsbPortAppears(match: UsbMatch, onPresent: () => void, roots: SysfsRoots = {}): () => void {
  let done = false;
  const look = () => {
    if (done || matchingPorts(match, listSerialPorts(roots)).length === 0) return;
    done = true;
    watcher?.close();
    onPresent();
  };
  let watcher: ReturnType<typeof watch> | undefined;
  try {
    watcher = watch(roots.dev ?? '/dev', () => look());
  } catch {
    watcher = undefined;
  }
  look();
  return () => {
    done = true;
    watcher?.close();
  };
}
