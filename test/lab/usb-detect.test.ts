/**
 * Lab: `dialbond detect` over real USB modem ttys (cdc-acm, as USB modems and phones are),
 * with the simulator posing as three different modems on the gadget ends: each is found by
 * a scan of the machine's serial ports, identified, given its profile and named by what it
 * is (`match:`), and left as it was found. A port another program holds (ModemManager, as
 * /proc names it) is neither probed nor dialed, and the words say what to do.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { listSerialPorts } from '../../src/modem/index.js';
import { startModemBank, type ModemBank } from '../../src/sim/index.js';
import { PortHolderProcess } from './helpers/port-holder.js';
import { UsbModems } from './helpers/usb.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SCENARIOS = ['courier', 'gsm', 'connect'];

describe('lab: dialbond detect on USB modems', () => {
  let usb: UsbModems;
  let bank: ModemBank;
  const dir = mkdtempSync(join(tmpdir(), 'dialbond-usb-detect-'));
  const lockDir = join(dir, 'lock');
  const heard: string[][] = SCENARIOS.map(() => []);

  /** The CLI, without blocking this process (the simulator runs in it). */
  const dialbond = (args: string[]) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [join(root, 'bin', 'dialbond'), ...args], { encoding: 'utf8', env: { ...process.env, DIALBOND_LOCK_DIR: lockDir }, timeout: 90_000 }, (error, stdout, stderr) =>
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : 99) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    await import('node:fs/promises').then((fs) => fs.mkdir(lockDir, { recursive: true }));
    usb = await UsbModems.plug(SCENARIOS.length);
    bank = await startModemBank({ ttys: usb.ports.map((p) => p.gadget), scenarios: SCENARIOS });
    bank.modems.forEach((m, i) => bank.get(m.name).on('command', (line) => heard[i]!.push(line)));
  }, 60_000);

  afterAll(async () => {
    await bank?.close();
    await usb?.remove();
  });

  it('scans the serial ports, identifies each USB modem and proposes a configuration naming them by match', async () => {
    const file = join(dir, 'proposed.yaml');
    const started = Date.now();
    const run = await dialbond(['detect', '--number', '5551234', '--write', file]);
    const took = Date.now() - started;
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const ports = run.stdout.split('\n').filter((l) => l.startsWith('/dev/'));
    console.log(`lab: usb, detect over ${ports.length} ports (${usb.ports.length} USB modems): ${took} ms\n${ports.join('\n')}`);
    const line = (device: string) => ports.find((l) => l.startsWith(`${device} `)) ?? '';
    expect(line(usb.ports[0]!.device)).toMatch(/U\.S\. Robotics Courier V\.Everything at 115200 bps -> profile usr-courier/);
    expect(line(usb.ports[1]!.device)).toMatch(/-> profile gsm/);
    expect(line(usb.ports[2]!.device)).toMatch(/-> profile generic/);
    // The lab's other ttys (its console, empty UART slots) are reported, not probed to no end.
    expect(ports.filter((l) => /^\/dev\/ttyS/.test(l)).every((l) => /skipped|no answer|\[MODEM_/.test(l))).toBe(true);

    const sysfs = new Map(listSerialPorts().map((p) => [p.device, p.usb]));
    const { config } = loadConfig(file);
    expect(config.links).toEqual(
      usb.ports.map((p, i) =>
        expect.objectContaining({ match: { usb: `${sysfs.get(p.device)!.vendor}:${sysfs.get(p.device)!.product}`, interface: sysfs.get(p.device)!.interface }, profile: ['usr-courier', 'gsm', 'generic'][i] }),
      ),
    );
    // Left as found: the probe first, ATZ last, no lock.
    for (const lines of heard) {
      expect(lines[0]).toBe('ATQ0 V1 E1');
      expect(lines.at(-1)).toBe('ATZ');
    }
    expect(readdirSync(lockDir)).toEqual([]);

    const rules = await dialbond(['udev-rules', '--config', file]);
    expect(rules.status).toBe(0);
    expect(rules.stdout.split('\n').filter((l) => l.includes(`ATTRS{idVendor}=="${sysfs.get(usb.ports[0]!.device)!.vendor}"`) && l.endsWith('ENV{ID_MM_DEVICE_IGNORE}="1"'))).toHaveLength(3);
  });

  it('leaves a port ModemManager holds alone: detect skips it, a dial is refused with what to do', async () => {
    const port = usb.ports[1]!.device;
    const holder = await PortHolderProcess.hold(port, 'ModemManager');
    const before = heard[1]!.length;
    try {
      const found = await dialbond(['detect', '--json', '--no-scan', port]);
      const report = JSON.parse(found.stdout);
      expect(report.ports).toEqual([expect.objectContaining({ device: port, skip: `open in ModemManager (pid ${holder.pid})`, probe: null })]);
      expect(report.modemManager).toEqual([holder.pid]);
      expect(found.status).toBe(1);

      const dial = await dialbond(['dial', '--json', '--device', port, '--number', '5551234']);
      const result = JSON.parse(dial.stdout);
      expect(result).toMatchObject({ result: 'error', error: { code: 'MODEM_IN_USE' } });
      expect(result.error.message).toMatch(new RegExp(`open in ModemManager \\(pid ${holder.pid}\\).*dialbond udev-rules`));
      expect(heard[1]!.length).toBe(before);
      expect(readdirSync(lockDir)).toEqual([]);
    } finally {
      await holder.release();
    }
  });
});
