import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSerialPorts, resolveUsbMatch, whenUsbPortAppears } from './usb-ports.js';
import { fakeSysfs } from './testing/fake-sysfs.js';

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
