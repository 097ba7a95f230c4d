/**
 * `dialbond detect` over the simulator's ptys: each modem is identified from what it says
 * (ATI, ATI3, +GMI/+GMM, +CPIN?), given the profile that fits, and left as it was found
 * (ATZ, the port closed, no lock left); a silent port is reported as such within its
 * bound; a locked port is not touched. The CLI writes a configuration that loads.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectModems } from '../../src/detect/index.js';
import { loadConfig } from '../../src/config/index.js';
import { formatLockPid, lockFileName } from '../../src/modem/index.js';
import { startModemBank, type ModemBank } from '../../src/sim/index.js';
import { within } from './helpers/within.js';

const bin = fileURLToPath(new URL('../../bin/dialbond', import.meta.url));
const SCENARIOS = ['courier', 'gsm', 'dead', 'quiet', 'connect', 'gsm-no-sim'];

let bank: ModemBank;
let dir: string;
let lockDir: string;
const heard = new Map<string, string[]>();
const hangups = new Map<string, number>();

/** Runs the CLI without blocking this process's event loop (the simulator lives in it). */
function dialbond(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, DIALBOND_LOCK_DIR: lockDir }, timeout: 45_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : 99) : 0, stdout, stderr });
    });
  });
}

const path = (name: string) => bank.modems.find((m) => m.name === name)!.path;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dialbond-detect-'));
  lockDir = join(dir, 'locks');
  mkdirSync(lockDir);
  bank = await startModemBank({ scenarios: SCENARIOS, dir: join(dir, 'modems') });
  for (const { name } of bank.modems) {
    heard.set(name, []);
    bank.get(name).on('command', (line) => heard.get(name)!.push(line));
    bank.get(name).on('hangup', () => hangups.set(name, (hangups.get(name) ?? 0) + 1));
  }
});

afterAll(async () => {
  await bank?.close();
});

describe('dialbond detect', () => {
  it('identifies each modem, picks its profile, and leaves it reset, closed and unlocked', async () => {
    const paths = bank.modems.map((m) => m.path);
    const report = await detectModems({ paths, scan: false, lockDir, deadlineMs: 15_000, numbers: ['5551234'] });
    const byDevice = new Map(report.modems.map((m) => [m.device, m]));
    expect(byDevice.get(path('modem0'))?.choice.profile).toBe('usr-courier');
    expect(byDevice.get(path('modem0'))?.identity).toMatchObject({ manufacturer: 'U.S. Robotics', model: 'Courier V.Everything', ati3: ['U.S. Robotics Courier V.Everything EXT PnP'] });
    expect(byDevice.get(path('modem1'))?.choice.profile).toBe('gsm');
    expect(byDevice.get(path('modem1'))?.identity.sim).toEqual({ state: 'ready', text: 'READY' });
    expect(byDevice.has(path('modem2'))).toBe(false);
    expect(report.probes.find((p) => p.device === path('modem2'))).toMatchObject({ status: 'silent', rates: [115200] });
    // A modem with result codes off answers the probe itself (ATQ0 turns them on).
    expect(byDevice.get(path('modem3'))?.choice.profile).toBe('generic');
    expect(byDevice.get(path('modem4'))?.choice.profile).toBe('generic');
    expect(byDevice.get(path('modem5'))?.identity.sim?.state).toBe('not-inserted');

    // Every modem that answered heard the probe first and ATZ last; each port was closed.
    for (const name of ['modem0', 'modem1', 'modem3', 'modem4', 'modem5']) {
      const lines = heard.get(name)!;
      expect(lines[0]).toBe('ATQ0 V1 E1');
      expect(lines.at(-1)).toBe('ATZ');
      expect(lines).toEqual(expect.arrayContaining(['ATI', 'ATI3', 'AT+GMI', 'AT+GMM', 'AT+CPIN?']));
    }
    // Closed: the simulator sees its line hung up (EIO on its end) once the last close is done.
    for (const name of ['modem0', 'modem1', 'modem3', 'modem4', 'modem5']) {
      await within<void>(10_000, `${name} hung up`, (resolve) => ((hangups.get(name) ?? 0) > 0 ? resolve() : bank.get(name).once('hangup', () => resolve())));
    }
    expect(readdirSync(lockDir)).toEqual([]);

    const { config, todo } = report.proposal;
    expect(config).toMatchObject({ bundle: { mode: 'perconn' } });
    expect(todo.cell1).toEqual(expect.arrayContaining([expect.stringContaining('SIM')]));
    expect(report.candidates).toHaveLength(SCENARIOS.length);
  });

  it('leaves the quiet modem quiet again: its stored Q1 is back after the ATZ', async () => {
    const report = await detectModems({ paths: [path('modem3')], scan: false, lockDir, deadlineMs: 15_000 });
    expect(report.modems).toHaveLength(1);
    // AT&V shows the active profile (information text, which Q1 does not hide).
    const port = new SerialPort({ path: path('modem3'), baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    try {
      let text = '';
      const profile = within<string>(10_000, 'the AT&V answer', (resolve) => {
        port.on('data', (chunk: Buffer) => {
          text += chunk.toString('latin1');
          const line = /E\d Q\d V\d[^\r\n]*/.exec(text);
          if (line) resolve(line[0]);
        });
      });
      port.write('AT&V\r');
      expect(await profile).toMatch(/^E1 Q1 V1 /);
    } finally {
      await new Promise<void>((resolve) => port.close(() => resolve()));
    }
  });

  it('does not touch a port another live process has locked', async () => {
    const lock = join(lockDir, lockFileName(path('modem4')));
    writeFileSync(lock, formatLockPid(process.ppid));
    const before = heard.get('modem4')!.length;
    try {
      const report = await detectModems({ paths: [path('modem4')], scan: false, lockDir });
      expect(report.candidates[0]?.skip).toMatch(new RegExp(`^locked by pid ${process.ppid}`));
      expect(report.probes).toEqual([]);
      expect(heard.get('modem4')!.length).toBe(before);
      expect(existsSync(lock)).toBe(true);
    } finally {
      unlinkSync(lock);
    }
  });

  it('the CLI writes a configuration that loads, refuses to overwrite it, and exits 1 when no modem answers', async () => {
    const file = join(dir, 'proposed.yaml');
    const written = await dialbond(['detect', '--no-scan', path('modem0'), path('modem1'), '--number', '5551234', '--apn', 'web.example', '--write', file]);
    expect(written.stderr).toBe('');
    expect(written.status).toBe(0);
    expect(written.stdout).toMatch(/wrote .*proposed\.yaml: 2 modems on 2 ports/);
    const { config } = loadConfig(file);
    expect(config.links).toMatchObject([
      { name: 'line0', device: path('modem0'), profile: 'usr-courier', numbers: ['5551234'] },
      { name: 'cell0', device: path('modem1'), profile: 'gsm', variables: { apn: 'web.example' } },
    ]);
    expect(readFileSync(file, 'utf8')).toMatch(/# .*modem0: U\.S\. Robotics Courier V\.Everything, answers at 115200 bps; profile usr-courier/);

    const again = await dialbond(['detect', '--no-scan', path('modem0'), '--write', file]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/it exists \(add --force to replace it\) \[CLI_USAGE\]/);

    const none = await dialbond(['detect', '--no-scan', path('modem2'), '--timeout', '3000']);
    expect(none.status).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/modem2 +no answer at 115200 bps/);
    expect(none.stderr).toMatch(/no modem answered \(0 modems on 1 port/);
  });
});
