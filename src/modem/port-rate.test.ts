import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { portRateRole } from './port-rate.js';
import { fakeSysfs } from './testing/fake-sysfs.js';

const notPty = () => false;

describe("a port's rate: the wire's, or free", () => {
  it('is free on a pty, on an AT-command cdc-acm function and on a usb_wwan modem port', () => {
    const { sys, dev } = fakeSysfs();
    expect(portRateRole('/dev/pts/3', { sys, dev }, () => true)).toBe('free');
    expect(portRateRole(join(dev, 'ttyACM0'), { sys, dev }, notPty)).toBe('free');
    expect(portRateRole(join(dev, 'ttyUSB1'), { sys, dev }, notPty)).toBe('free');
  });

  it("is the wire's on a UART, on a USB-serial bridge, on a cdc-acm bridge without AT commands, and where sysfs says nothing", () => {
    const { sys, dev, tty, driver, file } = fakeSysfs();
    expect(portRateRole(join(dev, 'ttyS0'), { sys, dev }, notPty)).toBe('wire');
    const ftdi = join(sys, 'devices', 'usb1', '1-4', '1-4:1.0', 'ttyUSB5');
    tty('ttyUSB5', ftdi);
    driver(ftdi, 'usb-serial', 'ftdi_sio');
    expect(portRateRole(join(dev, 'ttyUSB5'), { sys, dev }, notPty)).toBe('wire');
    const bridge = join(sys, 'devices', 'usb1', '1-5', '1-5:1.0');
    tty('ttyACM4', bridge);
    file(join(bridge, 'bInterfaceProtocol'), '00');
    driver(bridge, 'usb', 'cdc_acm');
    expect(portRateRole(join(dev, 'ttyACM4'), { sys, dev }, notPty)).toBe('wire');
    expect(portRateRole(join(dev, 'ttyUSB9'), { sys, dev }, notPty)).toBe('wire');
    expect(portRateRole(join(dev, 'tty0'), { sys, dev }, notPty)).toBe('wire');
  });
});
