import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatLockPid } from '../modem/index.js';
import { fakeSysfs } from '../modem/testing/fake-sysfs.js';
import { detectCandidates } from './candidates.js';

describe('the ports detect looks at', () => {
  it('scans ttyS, ttyUSB and ttyACM, skipping an empty UART slot, the console, a locked port and one open elsewhere', () => {
    const { sys, dev, tty, file } = fakeSysfs();
    tty('ttyS1', join(sys, 'devices', 'platform', 'serial8250'));
    file(join(sys, 'class', 'tty', 'ttyS0', 'type'), '4');
    file(join(sys, 'class', 'tty', 'ttyS1', 'type'), '0');
    file(join(sys, 'class', 'tty', 'console', 'active'), 'tty0 ttyUSB1');
    const lockDir = mkdtempSync(join(tmpdir(), 'dialbond-locks-'));
    writeFileSync(join(lockDir, 'LCK..ttyUSB0'), formatLockPid(process.ppid));
    const holders = (device: string) => (device.endsWith('ttyS0') ? [{ pid: 812, command: 'ModemManager' }] : []);
    const found = detectCandidates({ roots: { sys, dev }, lockDir, holders });
    expect(found.map((c) => [c.device.slice(dev.length + 1), c.skip ?? 'probe'])).toEqual([
      ['ttyACM0', 'probe'],
      ['ttyS0', 'open in ModemManager (pid 812)'],
      ['ttyS1', 'no UART at this port'],
      ['ttyUSB0', `locked by pid ${process.ppid} (${join(lockDir, 'LCK..ttyUSB0')})`],
      ['ttyUSB1', 'the system console'],
    ]);
    expect(found[0]?.usb).toMatchObject({ vendor: '0525', product: 'a4a7' });
  });

  it('adds the paths given, once each, and probes only those without the scan', () => {
    const { sys, dev } = fakeSysfs();
    const lockDir = mkdtempSync(join(tmpdir(), 'dialbond-locks-'));
    const extra = join(dev, 'extra');
    writeFileSync(extra, '');
    const none = () => [];
    expect(detectCandidates({ roots: { sys, dev }, lockDir, holders: none, paths: [extra, join(dev, 'ttyACM0')] }).map((c) => c.device)).toEqual(
      ['ttyACM0', 'ttyS0', 'ttyUSB0', 'ttyUSB1', 'extra'].map((n) => join(dev, n)),
    );
    expect(detectCandidates({ roots: { sys, dev }, lockDir, holders: none, scan: false, paths: [join(dev, 'ttyUSB1')] })).toEqual([
      { device: join(dev, 'ttyUSB1'), usb: expect.objectContaining({ interface: 3 }) },
    ]);
  });
});
