import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSerialPorts, resolveUsbMatch, whenUsbPortAppears } from './usb-ports.js';

/** A sysfs of our own: a cdc-acm modem (ttyACM0 is its interface 0), a cellular stick with
 * two usb-serial ports (ttyUSB0 on interface 0, ttyUSB1 on interface 3), a 16550 port and a
 * virtual console. */
function fakeSysfs() {
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
  const acm = join(sys, 'devices', 'usb1', '1-1');
  usbDevice(acm, '0525', 'A4A7', 'ACM-1');
  file(join(acm, '1-1:1.0', 'bInterfaceNumber'), '00');
  tty('ttyACM0', join(acm, '1-1:1.0'));
  const stick = join(sys, 'devices', 'usb1', '1-2');
  usbDevice(stick, '1199', '68c0');
  file(join(stick, '1-2:1.0', 'bInterfaceNumber'), '00');
  file(join(stick, '1-2:1.3', 'bInterfaceNumber'), '03');
  tty('ttyUSB0', join(stick, '1-2:1.0', 'ttyUSB0'));
  tty('ttyUSB1', join(stick, '1-2:1.3', 'ttyUSB1'));
  tty('ttyS0', join(sys, 'devices', 'platform', 'serial8250'));
  tty('tty0');
  return { sys, dev, root, tty, usbDevice, file };
}

describe('serial ports from sysfs', () => {
  it('lists the ports backed by a device, USB ones with vendor, product, serial and interface', () => {
    const { sys, dev } = fakeSysfs();
    const ports = listSerialPorts({ sys, dev });
    expect(ports.map((p) => p.name)).toEqual(['ttyACM0', 'ttyS0', 'ttyUSB0', 'ttyUSB1']);
    expect(ports[0]).toEqual({ device: join(dev, 'ttyACM0'), name: 'ttyACM0', usb: { vendor: '0525', product: 'a4a7', serial: 'ACM-1', interface: 0, productName: 'Modem' } });
    expect(ports[1]!.usb).toBeUndefined();
    expect(ports[3]!.usb).toMatchObject({ vendor: '1199', product: '68c0', interface: 3 });
  });

  it('resolves a match to the device numbered now; none is MODEM_NO_DEVICE, two is a config error naming them', () => {
    const { sys, dev } = fakeSysfs();
    expect(resolveUsbMatch({ usb: '0525:a4a7' }, { sys, dev })).toBe(join(dev, 'ttyACM0'));
    expect(resolveUsbMatch({ usb: '1199:68C0', interface: 3 }, { sys, dev })).toBe(join(dev, 'ttyUSB1'));
    expect(() => resolveUsbMatch({ usb: '0525:a4a7', serial: 'other' }, { sys, dev })).toThrow(expect.objectContaining({ code: 'MODEM_NO_DEVICE' }));
    expect(() => resolveUsbMatch({ usb: '1199:68c0' }, { sys, dev })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('ttyUSB0') }));
    expect(listSerialPorts({ sys: join(sys, 'nonesuch'), dev })).toEqual([]);
  });

  it('tells when a matching port appears, renumbered or not', async () => {
    const { sys, dev, tty, usbDevice, file } = fakeSysfs();
    let told = false;
    const stop = whenUsbPortAppears({ usb: '2c7c:0125' }, () => (told = true), { sys, dev });
    expect(told).toBe(false);
    const quectel = join(sys, 'devices', 'usb1', '1-3');
    usbDevice(quectel, '2c7c', '0125');
    file(join(quectel, '1-3:1.2', 'bInterfaceNumber'), '02');
    tty('ttyUSB7', join(quectel, '1-3:1.2', 'ttyUSB7'));
    for (let i = 0; i < 50 && !told; i++) await new Promise((r) => setTimeout(r, 20));
    expect(told).toBe(true);
    stop();
  });
});
