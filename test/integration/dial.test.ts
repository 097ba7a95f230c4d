/**
 * `dialbond dial` (the real executable, as a subprocess) against the modem simulator on
 * real ptys: every simulator outcome gives the right result, JSON and exit status; bad
 * input (a missing, locked or vanishing device, garbage, an endless line) ends with a
 * clear error; the lock is gone afterwards and a password never shows.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialAndHold } from '../../src/modem/index.js';
import { loadProfile } from '../../src/profiles/index.js';
import { startModemBank, type ModemBank } from '../../src/sim/index.js';
import { PtyEndpoint } from '../../src/sys/index.js';
import { isDialLine } from './helpers/dial-line.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin', 'dialbond');

/** Short timeouts and redial delay, so the slow paths (quiet modem, redial) stay quick. */
const FAST_PROFILE = `
name: fast
reset: ATZ
init: ["ATQ0 V1 E1 S0=0 &C1 &D2"]
timeouts: { command: 2s, reset: 5s, init: 2s, dial: 20s, login: 5s, guard: 1s }
redial: { delay: 300ms }
login:
  - { expect: "ogin:", send: "\${user}" }
  - { expect: "assword:", send: "\${password}" }
`;

interface DialRun {
  status: number | null;
  report: Record<string, unknown> & { error?: { code: string; message: string } };
  stdout: string;
  stderr: string;
}

let work: string;
let fast: string;

function prepareWork(): void {
  if (work) return;
  work = mkdtempSync(join(tmpdir(), 'dialbond-dial-'));
  fast = join(work, 'fast.yaml');
  writeFileSync(fast, FAST_PROFILE);
}

function lockDir(): string {
  return mkdtempSync(join(work, 'locks-'));
}

/** Runs `dialbond dial ... --json`; `onStart` may act on the running process. */
function dial(args: string[], options: { lockDir?: string; onStart?: (pid: number) => void } = {}): Promise<DialRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'dial', '--json', ...args], {
      env: { ...process.env, DIALBOND_LOCK_DIR: options.lockDir ?? lockDir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dialbond dial ${args.join(' ')} did not end within 90 s; stderr: ${stderr}`));
    }, 90_000);
    child.on('error', reject);
    child.on('exit', (status) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      let report: DialRun['report'];
      try {
        report = JSON.parse(line);
      } catch {
        reject(new Error(`no JSON report from dialbond dial (status ${status}); stdout: ${stdout} stderr: ${stderr}`));
        return;
      }
      resolve({ status, report, stdout, stderr });
    });
    options.onStart?.(child.pid as number);
  });
}

describe('dialbond dial against every simulator outcome', () => {
  let bank: ModemBank;
  const path = (name: string) => bank.get(name).path;
  // One modem per test (tests run concurrently): the key names the test's modem, the value
  // its built-in scenario.
  const modems: Record<string, string> = {
    connect: 'connect', busy: 'busy', 'busy-then-connect': 'busy-then-connect', 'no-carrier': 'no-carrier',
    'no-dialtone': 'no-dialtone', 'no-answer': 'no-answer', delayed: 'delayed', blacklisted: 'blacklisted',
    noise: 'noise', numeric: 'numeric', quiet: 'quiet', 'slow-reset': 'slow-reset', 'echo-off': 'echo-off',
    login: 'login', 'login-wrong': 'login', gsm: 'gsm', 'gsm-no-sim': 'gsm-no-sim', dead: 'dead', drop: 'drop',
    portmaster: 'portmaster',
  };
  const scenarios = Object.values(modems);
  const modemFor: Record<string, string> = {};

  beforeAll(async () => {
    prepareWork();
    bank = await startModemBank({ count: scenarios.length, scenarios, dir: join(work, 'modems') });
    Object.keys(modems).forEach((key, i) => (modemFor[key] = bank.modems[i]!.name));
  });
  afterAll(async () => {
    await bank?.close();
  });
  const device = (scenario: string) => path(modemFor[scenario] as string);

  it.concurrent('connect: connected with the CONNECT line, speed and protocol; lock released; exit 0', async () => {
    const locks = lockDir();
    const run = await dial(['--device', device('connect'), '--number', '5551234'], { lockDir: locks });
    expect(run.status).toBe(0);
    expect(run.report).toMatchObject({ result: 'connected', connect: 'CONNECT 115200', speed: 115200, protocol: null, attempts: 1, number: '5551234' });
    expect(run.report.elapsedMs).toEqual(expect.any(Number));
    // the simulator answers 2 s after ATD; the reset and the init add only round trips
    expect(run.report.connectMs as number).toBeGreaterThanOrEqual(2000);
    // the report comes at the verdict, before the hang-up
    expect(run.report.connectMs as number).toBeLessThanOrEqual(run.report.elapsedMs as number);
    expect(readdirSync(locks)).toEqual([]);
  });

  it.concurrent('busy: result busy, exit 1', async () => {
    const run = await dial(['--device', device('busy'), '--number', '5551234', '--profile', fast]);
    expect(run.status).toBe(1);
    expect(run.report).toMatchObject({ result: 'busy', attempts: 1, error: { code: 'MODEM_DIAL_FAILED' } });
  });

  it.concurrent('busy-then-connect: rotates two numbers and connects on the third attempt', async () => {
    const run = await dial(['--device', device('busy-then-connect'), '--number', '111', '--number', '222', '--attempts', '5', '--profile', fast]);
    expect(run.status).toBe(0);
    // each number is busy twice before it connects: 111 B, 222 B, 111 B, 222 B, 111 C
    expect(run.report).toMatchObject({ result: 'connected', attempts: 5, number: '111' });
  });

  it.concurrent.each([
    ['no-carrier', 'no-carrier'],
    ['no-dialtone', 'no-dialtone'],
    ['no-answer', 'no-answer'],
  ])('%s: result %s, exit 1', async (scenario, result) => {
    const run = await dial(['--device', device(scenario), '--number', '5551234', '--profile', fast]);
    expect(run.status).toBe(1);
    expect(run.report).toMatchObject({ result, error: { code: 'MODEM_DIAL_FAILED' } });
  });

  it.concurrent.each([
    ['delayed', 'delayed'],
    ['blacklisted', 'blacklisted'],
  ])('%s: result %s with a long back-off and no second attempt', async (scenario, result) => {
    const run = await dial(['--device', device(scenario), '--number', '5551234', '--attempts', '3', '--profile', fast]);
    expect(run.status).toBe(1);
    expect(run.report).toMatchObject({ result, attempts: 1, retryAfterMs: 600_000 });
  });

  it.concurrent('noise: RING, 8-bit garbage, CR-only line ends and CARRIER/PROTOCOL lines still connect', async () => {
    const run = await dial(['--device', device('noise'), '--number', '5551234', '--profile', 'zoom-v34']);
    expect(run.status).toBe(0);
    expect(run.report).toMatchObject({ result: 'connected', connect: 'CONNECT 28800/ARQ/V34/LAPM/V42BIS', speed: 28800, protocol: 'ARQ/V34/LAPM/V42BIS' });
  });

  it.concurrent.each(['numeric', 'quiet', 'slow-reset', 'echo-off', 'drop'])('%s: connected', async (scenario) => {
    const run = await dial(['--device', device(scenario), '--number', '5551234', '--profile', scenario === 'slow-reset' ? 'generic' : fast]);
    expect(run.report).toMatchObject({ result: 'connected' });
    expect(run.status).toBe(0);
  });

  it.concurrent('login: answers the prompts; the password is in no output, transcript included', async () => {
    const secret = join(work, 'login.pw');
    writeFileSync(secret, 's3cret-pw\n');
    chmodSync(secret, 0o600);
    const run = await dial(['--device', device('login'), '--number', '5551234', '--profile', fast, '--login', 'dialuser', '--password-file', secret, '--verbose']);
    expect(run.status).toBe(0);
    expect(run.report).toMatchObject({ result: 'connected' });
    expect(run.stderr).toContain('> dialuser');
    expect(run.stderr).toContain('> ********');
    expect(run.stdout + run.stderr).not.toContain('s3cret-pw');
  });

  it.concurrent('portmaster: a login prompt in the same write as CONNECT is answered', async () => {
    const secret = join(work, 'portmaster.pw');
    writeFileSync(secret, 's3cret-pw\n');
    chmodSync(secret, 0o600);
    const run = await dial(['--device', device('portmaster'), '--number', '5551234', '--profile', 'generic', '--login', 'dialuser', '--password-file', secret, '--verbose']);
    expect(run.report, run.stderr).toMatchObject({ result: 'connected', connect: 'CONNECT 28800/ARQ/V34/LAPM/V42BIS', speed: 28800 });
    expect(run.status).toBe(0);
    // both prompts answered: the chat saw the prompt that came with CONNECT
    expect(run.stderr).toContain('> dialuser');
    expect(run.stderr).toContain('> ********');
  });

  it.concurrent('login with a wrong password: MODEM_LOGIN_FAILED, exit 5, password not shown', async () => {
    const secret = join(work, 'wrong.pw');
    writeFileSync(secret, 'not-the-password\n');
    chmodSync(secret, 0o600);
    const run = await dial(['--device', device('login-wrong'), '--number', '5551234', '--profile', fast, '--login', 'dialuser', '--password-file', secret, '--verbose']);
    expect(run.report, run.stderr).toMatchObject({ result: 'error', error: { code: 'MODEM_LOGIN_FAILED' } });
    expect(run.status).toBe(5);
    expect(run.stdout + run.stderr).not.toContain('not-the-password');
  });

  it.concurrent('gsm: SIM READY, signal, APN, ATD*99***1#: connected at 7200000', async () => {
    const run = await dial(['--device', device('gsm'), '--profile', 'gsm', '--apn', 'internet.test']);
    expect(run.status).toBe(0);
    expect(run.report).toMatchObject({ result: 'connected', speed: 7200000, number: '*99***1#' });
  });

  it.concurrent('gsm without a SIM: MODEM_CHECK_FAILED naming the SIM, exit 4', async () => {
    const run = await dial(['--device', device('gsm-no-sim'), '--profile', 'gsm']);
    expect(run.status).toBe(4);
    expect(run.report).toMatchObject({ result: 'error', error: { code: 'MODEM_CHECK_FAILED' } });
    expect(run.report.error?.message).toContain('SIM');
  });

  it.concurrent('dead: a modem that never answers gives MODEM_NO_RESPONSE in bounded time, exit 3', async () => {
    const run = await dial(['--device', device('dead'), '--number', '5551234', '--profile', fast]);
    expect(run.status).toBe(3);
    expect(run.report).toMatchObject({ result: 'timeout', error: { code: 'MODEM_NO_RESPONSE' } });
    expect(run.report.elapsedMs as number).toBeLessThan(30_000);
  });
});

describe('dialbond dial: bad input and faults', () => {
  beforeAll(prepareWork);

  it.each([
    ['/dev/null', () => '/dev/null'],
    ['a regular file', () => {
      const file = join(work, 'not-a-modem.txt');
      writeFileSync(file, 'ATZ\r\n');
      return file;
    }],
  ])('%s as the device: MODEM_NOT_SERIAL naming it, exit 3, no lock left', async (_, make) => {
    const device = make();
    const locks = lockDir();
    const run = await dial(['--device', device, '--number', '1'], { lockDir: locks });
    expect(run.report).toMatchObject({ result: 'error', error: { code: 'MODEM_NOT_SERIAL' } });
    expect(run.report.error?.message).toContain(device);
    expect(run.status).toBe(3);
    expect(readdirSync(locks)).toEqual([]);
  });

  it('a missing device: MODEM_NO_DEVICE naming it, exit 3, no lock left', async () => {
    const locks = lockDir();
    const run = await dial(['--device', '/dev/ttyDOESNOTEXIST', '--number', '1'], { lockDir: locks });
    expect(run.status).toBe(3);
    expect(run.report).toMatchObject({ result: 'error', error: { code: 'MODEM_NO_DEVICE' } });
    expect(run.report.error?.message).toContain('/dev/ttyDOESNOTEXIST');
    expect(readdirSync(locks)).toEqual([]);
  });

  it('a device locked by a live process: MODEM_LOCKED with its pid, and the modem hears nothing', async () => {
    const bank = await startModemBank({ scenarios: ['connect'], dir: join(work, 'locked') });
    try {
      const modem = bank.get(bank.modems[0]!.name);
      const heard: string[] = [];
      modem.on('command', (line: string) => heard.push(line));
      const locks = lockDir();
      const { lockFileName } = await import('../../src/modem/index.js');
      writeFileSync(join(locks, lockFileName(modem.path)), `${String(process.pid).padStart(10)}\n`);
      const run = await dial(['--device', modem.path, '--number', '1'], { lockDir: locks });
      expect(run.status).toBe(3);
      expect(run.report).toMatchObject({ result: 'error', error: { code: 'MODEM_LOCKED' } });
      expect(run.report.error?.message).toContain(`locked by pid ${process.pid}`);
      expect(heard).toEqual([]);
    } finally {
      await bank.close();
    }
  });

  it('a device that vanishes mid-dial: MODEM_VANISHED, exit 3, lock released', async () => {
    const bank = await startModemBank({ scenarios: [{ dial: { outcome: 'connect', afterMs: 20_000 } }], dir: join(work, 'vanish') });
    const modem = bank.get(bank.modems[0]!.name);
    const locks = lockDir();
    modem.on('command', (line: string) => {
      // after the dial command is written: the hang-up must be seen on the read side
      if (isDialLine(line)) setTimeout(() => void modem.close(), 300);
    });
    try {
      const run = await dial(['--device', modem.path, '--number', '1', '--profile', fast], { lockDir: locks });
      expect(run.report, run.stderr).toMatchObject({ result: 'error', error: { code: 'MODEM_VANISHED' } });
      expect(run.status).toBe(3);
      expect(readdirSync(locks)).toEqual([]);
    } finally {
      await bank.close();
    }
  });

  it('1 MB of random bytes from the "modem": ends with MODEM_NO_RESPONSE in bounded time', async () => {
    const pty = await PtyEndpoint.open({ linkPath: join(work, 'garbage') });
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16) & 0xff;
    let sent = false;
    pty.on('data', () => {
      if (sent) return;
      sent = true;
      const noise = Buffer.alloc(1 << 20);
      for (let i = 0; i < noise.length; i++) {
        const b = random();
        // no "OK": keep letters out so the noise cannot form a result code by chance
        noise[i] = b >= 0x41 && b <= 0x7a ? b | 0x80 : b;
      }
      for (let at = 0; at < noise.length; at += 4096) pty.write(noise.subarray(at, at + 4096));
    });
    try {
      const run = await dial(['--device', pty.path, '--number', '1', '--profile', fast]);
      expect(run.report).toMatchObject({ result: 'timeout', error: { code: 'MODEM_NO_RESPONSE' } });
      expect(run.status).toBe(3);
    } finally {
      await pty.close();
    }
  });

  it('a line that never ends: discarded, reported as no response, not buffered forever', async () => {
    const pty = await PtyEndpoint.open({ linkPath: join(work, 'endless') });
    const chunk = Buffer.alloc(4096, 'A');
    pty.on('data', () => {
      for (let i = 0; i < 64; i++) pty.write(chunk);
    });
    try {
      const run = await dial(['--device', pty.path, '--number', '1', '--profile', fast, '--verbose']);
      expect(run.report).toMatchObject({ result: 'timeout', error: { code: 'MODEM_NO_RESPONSE' } });
      expect(run.stderr).toContain('an endless line');
    } finally {
      await pty.close();
    }
  });

  it('SIGINT while dialing: the dial is aborted, the port closed, the lock released, exit 130', async () => {
    const bank = await startModemBank({ scenarios: [{ dial: { outcome: 'connect', afterMs: 30_000 } }], dir: join(work, 'sigint') });
    const modem = bank.get(bank.modems[0]!.name);
    const locks = lockDir();
    let pid = 0;
    modem.on('command', (line: string) => {
      if (isDialLine(line)) process.kill(pid, 'SIGINT');
    });
    const hungUp = new Promise<void>((resolve) => modem.once('hangup', () => resolve()));
    try {
      const run = await dial(['--device', modem.path, '--number', '1', '--profile', fast], { lockDir: locks, onStart: (p) => (pid = p) });
      expect(run.status).toBe(130);
      expect(run.report).toMatchObject({ error: { code: 'MODEM_ABORTED' } });
      await hungUp;
      expect(readdirSync(locks)).toEqual([]);
    } finally {
      await bank.close();
    }
  });

  it('a password on the command line is refused with a pointer to --password-file', async () => {
    const run = await dial(['--device', '/dev/null', '--number', '1', '--login', 'u', '--password', 'hunter2']);
    expect(run.status).toBe(2);
    expect(run.report.error?.code).toBe('CLI_USAGE');
    expect(run.report.error?.message).toContain('--password-file');
    expect(run.stdout + run.stderr).not.toContain('hunter2');
  });

  it('a missing password file and a bad profile are usage errors naming the file', async () => {
    const noFile = await dial(['--device', '/dev/null', '--number', '1', '--login', 'u', '--password-file', '/nonexistent/pw']);
    expect(noFile.status).toBe(2);
    expect(noFile.report.error).toMatchObject({ code: 'SECRET_UNREADABLE' });
    expect(noFile.report.error?.message).toContain('/nonexistent/pw');
    const bad = join(work, 'bad-profile.yaml');
    writeFileSync(bad, 'name: bad\ntimeouts: { dial: forever }\n');
    const badProfile = await dial(['--device', '/dev/null', '--number', '1', '--profile', bad]);
    expect(badProfile.status).toBe(2);
    expect(badProfile.report.error).toMatchObject({ code: 'PROFILE_INVALID' });
    expect(badProfile.report.error?.message).toContain('timeouts.dial');
  });

  it('a bad dial string is refused before the port is touched', async () => {
    const run = await dial(['--device', '/dev/ttyDOESNOTEXIST', '--number', '555;ATH']);
    expect(run.status).toBe(2);
    expect(run.report.error?.code).toBe('HAYES_BAD_DIAL_STRING');
  });
});

/** Reads what is waiting on a (non-blocking) descriptor within `ms`. */
async function drain(fd: number, ms: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const buffer = Buffer.alloc(4096);
    try {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n > 0) chunks.push(buffer.subarray(0, n));
      else break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  return Buffer.concat(chunks);
}

describe('the hand-off of a connected line to pppd', () => {
  beforeAll(prepareWork);

  it('the bytes that came in the same write as CONNECT are still there on the held descriptor', async () => {
    // A modem played by hand over a real pty: OK to every command, and to the dial one
    // write holding CONNECT and the peer's first PPP frame (LCP Configure-Request).
    const pty = PtyEndpoint.open({ linkPath: join(work, 'handoff') });
    const frame = Buffer.from('7eff7d23c0217d217d217d207d2e7d227d267d207d207d207d207e', 'hex');
    let pending = '';
    pty.on('data', (bytes: Buffer) => {
      pending += bytes.toString('latin1');
      let end: number;
      while ((end = pending.indexOf('\r')) >= 0) {
        const command = pending.slice(0, end).trim();
        pending = pending.slice(end + 1);
        if (isDialLine(command)) pty.write(Buffer.concat([Buffer.from('\r\nCONNECT 115200\r\n', 'latin1'), frame]));
        else if (/^AT/i.test(command)) pty.write(Buffer.from('\r\nOK\r\n', 'latin1'));
      }
    });
    try {
      const held = await dialAndHold({ profile: loadProfile('generic'), device: pty.path, numbers: ['5551234'], lockDir: lockDir() });
      if (!('fd' in held)) throw new Error(`not connected: ${JSON.stringify(held)}`);
      try {
        expect(held.report).toMatchObject({ result: 'connected', speed: 115200 });
        const got = await drain(held.fd, 1000);
        // all of the frame, after at most the LF that ended the CONNECT line
        expect(got.subarray(got.length - frame.length).toString('hex')).toBe(frame.toString('hex'));
        expect(got.length - frame.length).toBeLessThanOrEqual(1);
      } finally {
        await held.hangUp();
      }
    } finally {
      await pty.close();
    }
  });
});

