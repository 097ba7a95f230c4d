/**
 * `dialbond daemon` (the real executable) dialing simulated modems on real ptys, as a user
 * with a GSM modem sees it:
 * - a modem that answers DELAYED is not dialed again within its hold-off (the profile's
 *   long back-off), although the redial policy alone would redial every 200 ms; status and
 *   events say when the next dial is due and why; `up` refuses to cut it short, `up --force`
 *   does;
 * - a modem that answers BLACKLISTED parks its link until `dialbond up LINK`;
 * - at --log-level debug the daemon logs each link's AT exchange and login chat and pppd's
 *   own lines, never a password, and `dialbond status LINK --json` carries the last dial's
 *   transcript.
 * No real pppd: a stand-in on PATH prints what pppd with `debug` and `show-password`
 * would (a PAP request with the password) and then waits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../../src/control/index.js';
import { startModemBank, type ModemBank } from '../../src/sim/index.js';
import type { SupervisedLinkDetail, SupervisorEvent } from '../../src/supervisor/index.js';
import { isDialLine } from './helpers/dial-line.js';

const bin = fileURLToPath(new URL('../../bin/dialbond', import.meta.url));
const LOGIN_PASSWORD = 's3cret-pw'; // the simulator's built-in login scenario
const PPP_PASSWORD = 'ppp-pa55-word';

const PROFILE = `
name: fast
reset: ATZ
init: ["ATQ0 V1 E1 S0=0 &C1 &D2"]
timeouts: { command: 2s, reset: 5s, init: 2s, dial: 20s, login: 5s, guard: 1s }
redial: { delay: 300ms, longBackoff: 10m }
login:
  - { expect: "ogin:", send: "\${user}" }
  - { expect: "assword:", send: "\${password}" }
`;

/** pppd as far as this test needs it: its log lines on stderr (pppd's logfd 2), the
 * password from its options file as `debug show-password` prints a PAP request, then it
 * waits like a pppd negotiating with a silent peer. */
const FAKE_PPPD = `#!/bin/sh
opts=""
while [ $# -gt 0 ]; do [ "$1" = file ] && opts="$2"; shift; done
pw=$(sed -n 's/^password "\\{0,1\\}\\([^"]*\\)"\\{0,1\\}$/\\1/p' "$opts")
echo "Using interface ppp9" >&2
echo "Connect: ppp9 <--> /dev/stdin" >&2
echo "sent [PAP AuthReq id=0x1 user=\\"pppuser\\" password=\\"$pw\\"]" >&2
exec sleep 600
`;

interface LogLine {
  msg: string;
  link?: string;
  direction?: string;
  text?: string;
  line?: string;
  event?: string;
  state?: string;
  nextDialAtMs?: number;
}

describe('dialbond daemon and a modem that holds dials off', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dialbond-holdoff-'));
  const socket = join(dir, 'control.sock');
  let bank: ModemBank;
  let daemon: ChildProcess;
  let stdout = '';
  let stderr = '';
  let client: ControlClient;

  const logLines = (): LogLine[] =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  /** The ATD commands the daemon sent to a link's modem. */
  const dialsOf = (link: string) => logLines().filter((l) => l.msg === 'modem' && l.link === link && l.direction === 'tx' && isDialLine(l.text)).length;
  const status = () => client.request('status');
  const linkOf = async (name: string) => (await status()).links.find((l) => l.name === name)!;
  const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args, '--socket', socket], { encoding: 'utf8', timeout: 30_000 });

  async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > end) throw new Error(`${what} within ${ms} ms; daemon stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    bank = await startModemBank({ scenarios: ['delayed', 'blacklisted', 'login'], dir: join(dir, 'modems') });
    const [delayed, blacklisted, login] = bank.modems.map((m) => m.path);
    const profile = join(dir, 'fast.yaml');
    writeFileSync(profile, PROFILE);
    writeFileSync(join(dir, 'login.pw'), `${LOGIN_PASSWORD}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'ppp.pw'), `${PPP_PASSWORD}\n`, { mode: 0o600 });
    const fakeBin = join(dir, 'bin');
    mkdirSync(fakeBin);
    writeFileSync(join(fakeBin, 'pppd'), FAKE_PPPD);
    chmodSync(join(fakeBin, 'pppd'), 0o755);
    mkdirSync(join(dir, 'locks'));
    const config = join(dir, 'dialbond.yaml');
    writeFileSync(
      config,
      [
        'bundle: { mode: mlppp }',
        'links:',
        `  - { name: delayed0, device: ${delayed}, numbers: ["5551234"], profile: ${profile} }`,
        `  - { name: black0, device: ${blacklisted}, numbers: ["5551234"], profile: ${profile} }`,
        `  - { name: login0, device: ${login}, numbers: ["5551234"], profile: ${profile}, login: { user: dialuser, passwordFile: ${join(dir, 'login.pw')} }, ppp: { user: pppuser, passwordFile: ${join(dir, 'ppp.pw')} } }`,
        // the redial policy alone would redial every 200 ms
        'supervisor: { redial: { initial: 200ms, factor: 1, max: 200ms, jitter: 0 } }',
        `control: { socket: ${socket} }`,
        '',
      ].join('\n'),
    );
    daemon = spawn(process.execPath, [bin, 'daemon', '-c', config, '--run-dir', join(dir, 'run'), '--log-level', 'debug'], {
      env: { ...process.env, PATH: `${fakeBin}:${process.env.PATH}`, DIALBOND_LOCK_DIR: join(dir, 'locks') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    daemon.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    daemon.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    client = await until('the daemon answers on its socket', () => ControlClient.connect(socket, 1000).catch(() => undefined));
  });

  afterAll(async () => {
    client?.close();
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((r) => daemon.once('exit', r));
      daemon.kill('SIGTERM');
      // it stops within 10 s by itself; a daemon that does not must not outlive the test
      const killer = setTimeout(() => daemon.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    }
    await bank?.close();
  });

  it('DELAYED: no second dial within the hold-off; status and events say when and why; up refuses, up --force dials', async () => {
    const first = await until('delayed0 in back-off', async () => {
      const l = await linkOf('delayed0');
      return l.state === 'backoff' && l;
    });
    expect(first.reason).toMatchObject({ holdOff: 'delayed', fatal: false });
    expect(first.reason?.message).toContain('DELAYED');
    // due in the profile's 10 min, not the redial policy's 200 ms
    expect(first.nextDialAtMs! - Date.now()).toBeGreaterThan(590_000);
    expect(first.nextDialAtMs! - Date.now()).toBeLessThanOrEqual(600_000);
    const logged = logLines().find((l) => l.msg === 'link' && l.link === 'delayed0' && l.state === 'backoff');
    expect(logged?.nextDialAtMs).toBe(first.nextDialAtMs);

    // 25 redials' worth of the policy: still the one dial
    await new Promise((r) => setTimeout(r, 5000));
    expect(dialsOf('delayed0')).toBe(1);
    expect(await linkOf('delayed0')).toMatchObject({ state: 'backoff', dials: 1, nextDialAtMs: first.nextDialAtMs, holdOffUntilMs: first.nextDialAtMs });

    const text = cli('status', 'delayed0');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/next dial: in 9m\d\ds \(at \d\d:\d\d:\d\dZ\), when the modem allows it again \(DELAYED\)/);
    expect(text.stdout).toMatch(/> AT[^\n]*DT5551234\n.*< DELAYED/);

    const refused = cli('up', 'delayed0');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('[LINK_HOLD_OFF]');
    expect(dialsOf('delayed0')).toBe(1);

    const events: SupervisorEvent[] = [];
    client.on('event', (e) => events.push(e as SupervisorEvent));
    await client.request('subscribe');
    const forced = cli('up', '--force', 'delayed0');
    expect(forced.status).toBe(0);
    const again = await until('a back-off event after the forced dial', async () => events.find((e) => e.type === 'link' && e.link === 'delayed0' && e.state === 'backoff'));
    expect(again).toMatchObject({ reason: { holdOff: 'delayed' }, nextDialAtMs: expect.any(Number) });
    expect(dialsOf('delayed0')).toBe(2);
    await client.request('unsubscribe');
  });

  it('BLACKLISTED: parked with the reason until dialbond up LINK', async () => {
    const parked = await until('black0 parked', async () => {
      const l = await linkOf('black0');
      return l.state === 'parked' && l;
    });
    expect(parked.reason).toMatchObject({ holdOff: 'blacklisted', fatal: true });
    expect(parked.reason?.message).toContain('dialbond up black0');
    await new Promise((r) => setTimeout(r, 2000));
    expect(dialsOf('black0')).toBe(1);
    expect(cli('status').stdout).toMatch(/black0 +parked .*BLACKLISTED/);

    expect(cli('up', 'black0').status).toBe(0);
    await until('black0 dialed again and parked again', async () => dialsOf('black0') === 2 && (await linkOf('black0')).state === 'parked');
  });

  it('debug logs: the AT exchange, the login chat and pppd lines, never a password; status LINK --json carries the transcript', async () => {
    await until('pppd logged its PAP request', async () => logLines().some((l) => l.msg === 'pppd' && l.link === 'login0' && l.line?.includes('PAP AuthReq')));
    const lines = logLines();
    const modem = lines.filter((l) => l.msg === 'modem' && l.link === 'login0');
    expect(modem.some((l) => l.direction === 'tx' && l.text === 'ATZ')).toBe(true);
    expect(modem.some((l) => l.direction === 'rx' && l.text?.startsWith('CONNECT'))).toBe(true);
    expect(modem.some((l) => l.direction === 'tx' && l.text === 'dialuser')).toBe(true);
    expect(modem.some((l) => l.direction === 'tx' && l.text === '********')).toBe(true);
    const pppd = lines.filter((l) => l.msg === 'pppd' && l.link === 'login0').map((l) => l.line);
    expect(pppd).toContain('Using interface ppp9');
    expect(pppd).toContain('sent [PAP AuthReq id=0x1 user="pppuser" password="********"]');

    const json = cli('status', 'login0', '--json');
    expect(json.status).toBe(0);
    const detail = JSON.parse(json.stdout) as SupervisedLinkDetail;
    expect(detail).toMatchObject({ name: 'login0', state: 'negotiating' });
    expect(detail.transcript.some((e) => e.direction === 'tx' && e.text.endsWith('DT5551234'))).toBe(true);
    expect(detail.transcript.some((e) => e.direction === 'tx' && e.text === '********')).toBe(true);

    for (const text of [stdout, stderr, json.stdout]) {
      expect(text).not.toContain(LOGIN_PASSWORD);
      expect(text).not.toContain(PPP_PASSWORD);
    }
  });
});
