import { describe, expect, it } from 'vitest';
import { udevRuleFor, udevRules } from './udev-rules.js';

describe('the udev rule that keeps ModemManager off the modems', () => {
  it('matches a USB modem by vendor, product and serial, a tty by kernel name, a by-id link by SYMLINK', () => {
    expect(udevRuleFor({ name: 'cell0', match: { usb: '1199:68C0', serial: 'A1', interface: 3 } })).toEqual({
      rule: 'ACTION=="add|change|move|bind", SUBSYSTEM=="tty", ATTRS{idVendor}=="1199", ATTRS{idProduct}=="68c0", ATTRS{serial}=="A1", ENV{ID_MM_DEVICE_IGNORE}="1"',
    });
    expect(udevRuleFor({ name: 'line0', device: '/dev/ttyDIALBOND7' })).toEqual({ rule: 'ACTION=="add|change|move|bind", SUBSYSTEM=="tty", KERNEL=="ttyDIALBOND7", ENV{ID_MM_DEVICE_IGNORE}="1"' });
    expect(udevRuleFor({ name: 'line1', device: '/dev/serial/by-id/usb-Zoom_V34-if00' })).toEqual({
      rule: 'ACTION=="add|change|move|bind", SUBSYSTEM=="tty", SYMLINK=="serial/by-id/usb-Zoom_V34-if00", ENV{ID_MM_DEVICE_IGNORE}="1"',
    });
    expect(udevRuleFor({ name: 'q', match: { usb: '1199:68c0', serial: 'we"ird' } })).toMatchObject({ rule: expect.stringContaining('ATTRS{serial}=="we?ird"') });
  });

  it('needs none for a pty or a path outside /dev, and says so in the file', () => {
    expect(udevRuleFor({ name: 'sim', device: '/tmp/modems/modem0' })).toMatchObject({ skip: expect.stringContaining('not a device udev makes') });
    expect(udevRuleFor({ name: 'pty', device: '/dev/pts/3' })).toMatchObject({ skip: expect.stringContaining('pty') });
    const text = udevRules([{ name: 'sim', device: '/tmp/m0' }, { name: 'line0', device: '/dev/ttyS0' }], '/etc/dialbond/dialbond.yaml');
    expect(text).toMatch(/^# \/etc\/udev\/rules\.d\/70-dialbond-modems\.rules/);
    expect(text).toContain('# link sim: /tmp/m0\n# (no rule:');
    expect(text).toContain('# link line0: /dev/ttyS0\nACTION==');
    expect(text.split('\n').filter((l) => l.startsWith('ACTION'))).toHaveLength(1);
  });
});
