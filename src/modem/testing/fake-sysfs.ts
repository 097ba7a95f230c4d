/** A sysfs and /dev of our own for tests of what is read from them (no udev, no devices). */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A sysfs of our own: a cdc-acm modem (ttyACM0 is its interface 0, AT commands), a
 * cellular stick with two usb-serial ports of the option driver (ttyUSB0 on interface 0,
 * ttyUSB1 on interface 3), a 16550 port and a virtual console. */
export function fakeSysfs() {
  const root = mkdtempSync(join(tmpdir(), 'dialbond-sysfs-'));
  const sys = join(root, 'sys');
  const dev = join(root, 'dev');
  mkdirSync(dev, { recursive: true });
  const file = (path: string, text: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, `${text}\n`);
  };
  const usbDevice = (dir: string, vendor: string, product: string, serial?: string) => {
    file(join(dir, 'idVendor'), vendor);
    file(join(dir, 'idProduct'), product);
    if (serial) file(join(dir, 'serial'), serial);
    file(join(dir, 'product'), 'Modem');
  };
  const tty = (name: string, deviceDir?: string) => {
    mkdirSync(join(sys, 'class', 'tty', name), { recursive: true });
    if (deviceDir) {
      mkdirSync(deviceDir, { recursive: true });
      symlinkSync(deviceDir, join(sys, 'class', 'tty', name, 'device'));
    }
    writeFileSync(join(dev, name), '');
  };
  /** Binds a device directory to a driver, as sysfs's `driver` link does. */
  const driver = (deviceDir: string, bus: string, name: string) => {
    const dir = join(sys, 'bus', bus, 'drivers', name);
    mkdirSync(dir, { recursive: true });
    symlinkSync(dir, join(deviceDir, 'driver'));
  };
  const acm = join(sys, 'devices', 'usb1', '1-1');
  usbDevice(acm, '0525', 'A4A7', 'ACM-1');
  file(join(acm, '1-1:1.0', 'bInterfaceNumber'), '00');
  file(join(acm, '1-1:1.0', 'bInterfaceProtocol'), '01');
  tty('ttyACM0', join(acm, '1-1:1.0'));
  driver(join(acm, '1-1:1.0'), 'usb', 'cdc_acm');
  const stick = join(sys, 'devices', 'usb1', '1-2');
  usbDevice(stick, '1199', '68c0');
  file(join(stick, '1-2:1.0', 'bInterfaceNumber'), '00');
  file(join(stick, '1-2:1.3', 'bInterfaceNumber'), '03');
  tty('ttyUSB0', join(stick, '1-2:1.0', 'ttyUSB0'));
  tty('ttyUSB1', join(stick, '1-2:1.3', 'ttyUSB1'));
  driver(join(stick, '1-2:1.0', 'ttyUSB0'), 'usb-serial', 'option1');
  driver(join(stick, '1-2:1.3', 'ttyUSB1'), 'usb-serial', 'option1');
  tty('ttyS0', join(sys, 'devices', 'platform', 'serial8250'));
  driver(join(sys, 'devices', 'platform', 'serial8250'), 'platform', 'serial8250');
  tty('tty0');
  return { sys, dev, root, tty, usbDevice, file, driver };
}
