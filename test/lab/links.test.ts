/**
 * Lab: links end to end with real pppd. A modem link (dialed by dialbond, pppd on the held
 * line) and a pty link (pppd runs slirp) come up and carry traffic; kill -9 of pppd, a
 * silent ISP, a wrong password and a missing pppd each end in the right state with the
 * right reason, and the modem is always hung up and its lock released.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Link, DEFAULT_BACKOFF, type LinkConfig, type LinkTransition } from '../../src/link/index.js';
import { lockFileName } from '../../src/modem/index.js';
import { loadProfile } from '../../src/profiles/index.js';
import { startLabLines, type LabLine, type LabLines } from './helpers/lines.js';
import { sh } from './helpers/run.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function modemLink(line: LabLine, lockDir: string, extra: Partial<LinkConfig['ppp']> = {}): LinkConfig {
  return {
    kind: 'modem',
    name: line.name.replace('modem', 'line'),
    device: line.path,
    profile: loadProfile('generic'),
    numbers: ['5551234'],
    lockDir,
    runDir: mkdtempSync(join(tmpdir(), 'lab-run-')),
    // a long pause after a failure, so each test sees one attempt unless it asks for more
    backoff: { ...DEFAULT_BACKOFF, initialMs: 120_000, jitter: 0 },
    ppp: { localIp: line.client, remoteIp: line.server, mtu: 1500, mru: 1500, lcpEchoInterval: 1, lcpEchoFailure: 3, ...extra },
  };
}

function recordTransitions(link: Link): LinkTransition[] {
  const seen: LinkTransition[] = [];
  link.on('transition', (t) => seen.push(t));
  return seen;
}

describe('lab: modem links', () => {
  let lab: LabLines;
  let lockDir: string;
  beforeAll(async () => {
    lab = await startLabLines({ count: 6, requirePap: (i) => i === 3 });
    lockDir = mkdtempSync(join(tmpdir(), 'lab-locks-'));
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('comes up, carries a ping, keeps the port locked against others, and releases it when stopped', async () => {
    const line = lab.lines[0]!;
    const link = new Link(modemLink(line, lockDir));
    const ends: string[] = [];
    lab.bank.get(line.name).on('call-end', (reason: string) => ends.push(reason));
    link.start();
    try {
      await link.waitFor('up', 90_000);
      const status = link.status();
      expect(status).toMatchObject({ state: 'up', localIp: line.client, remoteIp: line.server, connect: 'CONNECT 115200', speed: 115200 });
      const ping = await sh('ping', ['-c', '3', '-W', '5', '-I', status.ifname as string, line.server], { timeoutMs: 30_000 });
      expect(ping.stdout).toMatch(/3 received/);
      // another dialer cannot take the port mid-call
      const other = spawn(process.execPath, [join(root, 'bin', 'dialbond'), 'dial', '--json', '--device', line.path, '--number', '1'], { env: { ...process.env, DIALBOND_LOCK_DIR: lockDir } });
      let out = '';
      other.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise((r) => other.on('exit', r));
      expect(JSON.parse(out)).toMatchObject({ result: 'error', error: { code: 'MODEM_LOCKED' } });
      expect(link.status().state).toBe('up');
    } finally {
      await link.stop();
    }
    expect(link.status().state).toBe('stopped');
    // generic sets &D2: the hang-up is the DTR drop of the last close (a pty's close)
    for (let i = 0; i < 40 && !ends.includes('dte-hangup'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(ends).toContain('dte-hangup');
    expect(existsSync(join(lockDir, lockFileName(line.path)))).toBe(false);
  });

  it('notices kill -9 of pppd within 1 s, hangs the modem up and releases the lock', async () => {
    const line = lab.lines[1]!;
    const link = new Link(modemLink(line, lockDir));
    const transitions = recordTransitions(link);
    const hungUp = new Promise<void>((resolve) => lab.bank.get(line.name).on('hangup', () => resolve()));
    link.start();
    try {
      await link.waitFor('up', 90_000);
      const { stdout } = await sh('pgrep', ['-f', `linkname ${link.name}`]);
      const pid = Number(stdout.trim().split('\n')[0]);
      expect(pid).toBeGreaterThan(0);
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      const down = await link.waitFor('down', 10_000);
      const noticedMs = down.atMs - killedAt;
      console.log(`lab: kill -9 of pppd to link down: ${noticedMs} ms`);
      expect(noticedMs).toBeLessThan(1000);
      expect(down.reason).toMatchObject({ code: 'PPP_KILLED', fatal: false });
      await link.waitFor('backoff', 30_000);
      await hungUp;
      expect(existsSync(join(lockDir, lockFileName(line.path)))).toBe(false);
      expect(transitions.map((t) => t.state)).toEqual(['dialing', 'negotiating', 'up', 'down', 'backoff']);
    } finally {
      await link.stop();
    }
  });

  it('a line that hangs up (carrier dropped) is down at once, with reason "hangup"', async () => {
    const line = lab.lines[5]!;
    const link = new Link(modemLink(line, lockDir));
    link.start();
    try {
      await link.waitFor('up', 90_000);
      const droppedAt = Date.now();
      await lab.bank.drop(line.name);
      const down = await link.waitFor('down', 10_000);
      const tookMs = down.atMs - droppedAt;
      console.log(`lab: carrier drop to link down: ${tookMs} ms`);
      expect(down.reason).toMatchObject({ code: 'PPP_HANGUP', fatal: false });
      // by the hang-up, well before an LCP echo (1 s x 3) could: a bound on the path, not
      // the 1 s bar, which the failover bench measures
      expect(tookMs).toBeLessThan(2500);
      await link.waitFor('backoff', 30_000);
      expect(existsSync(join(lockDir, lockFileName(line.path)))).toBe(false);
    } finally {
      await link.stop();
    }
  });

  it('a silent ISP ends in "peer dead" within the LCP echo bounds (1 s x 3)', async () => {
    const line = lab.lines[2]!;
    const link = new Link(modemLink(line, lockDir));
    link.start();
    try {
      await link.waitFor('up', 90_000);
      const silencedAt = Date.now();
      await sh('pkill', ['-STOP', '-f', line.marker]);
      const down = await link.waitFor('down', 30_000);
      const tookMs = down.atMs - silencedAt;
      console.log(`lab: silent line to link down: ${tookMs} ms`);
      expect(down.reason).toMatchObject({ code: 'PPP_PEER_DEAD', fatal: false });
      expect(tookMs).toBeLessThan(15_000);
    } finally {
      await sh('pkill', ['-CONT', '-f', line.marker], { reject: false });
      await link.stop();
    }
  });

  it('PAP: the password reaches pppd through a 0600 file, never its command line; a wrong one parks the link', async () => {
    // The ISP checks PAP secrets (the guest's /etc/ppp is writable through the overlay).
    writeFileSync('/etc/ppp/pap-secrets', 'dialuser * right-pw-7f3 *\n', { mode: 0o600 });
    const line = lab.lines[3]!;
    const good = new Link(modemLink(line, lockDir, { user: 'dialuser', password: 'right-pw-7f3' }));
    good.start();
    try {
      await good.waitFor('up', 90_000);
      const { stdout } = await sh('pgrep', ['-f', `linkname ${good.name}`]);
      const pid = stdout.trim().split('\n')[0] as string;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      expect(cmdline).toContain('dialuser');
      expect(cmdline).not.toContain('right-pw-7f3');
    } finally {
      await good.stop();
    }
    expect(readdirSync(good.config.runDir)).toEqual([]);

    const bad = new Link(modemLink(line, lockDir, { user: 'dialuser', password: 'wrong-pw' }));
    const transitions = recordTransitions(bad);
    bad.start();
    try {
      const parked = await bad.waitFor('parked', 90_000);
      expect(parked.reason).toMatchObject({ fatal: true });
      expect(parked.reason?.pppStatus).toBe(19);
      // no redial storm: parked stays parked
      await new Promise((r) => setTimeout(r, 3000));
      expect(transitions.filter((t) => t.state === 'dialing')).toHaveLength(1);
      expect(existsSync(join(lockDir, lockFileName(line.path)))).toBe(false);
    } finally {
      await bad.stop();
    }
  });

  it('pppd missing gives a clear fatal reason, and the dialed line is hung up and unlocked', async () => {
    const line = lab.lines[4]!;
    const link = new Link(modemLink(line, lockDir), { pppdPath: '/nonexistent/pppd' });
    const hungUp = new Promise<void>((resolve) => lab.bank.get(line.name).on('hangup', () => resolve()));
    link.start();
    try {
      const parked = await link.waitFor('parked', 60_000);
      expect(parked.reason).toMatchObject({ code: 'PPP_NOT_FOUND', fatal: true });
      expect(parked.reason?.message).toMatch(/pppd/);
      await hungUp;
      expect(existsSync(join(lockDir, lockFileName(line.path)))).toBe(false);
    } finally {
      await link.stop();
    }
  });
});

describe('lab: a pty link to slirp', () => {
  it('comes up with slirp\'s addressing and carries a TCP connection to the guest through it', async () => {
    // slirp maps its 10.0.2.2 to this machine's own 127.0.0.1: a TCP echo server there is
    // the far end, reached through the link.
    const server = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const link = new Link({
      kind: 'pty',
      name: 'slirp0',
      command: ['slirp-fullbolt', 'ppp'],
      runDir: mkdtempSync(join(tmpdir(), 'lab-run-')),
      backoff: { ...DEFAULT_BACKOFF, initialMs: 120_000 },
      ppp: { localIp: '10.0.2.15', remoteIp: '10.0.2.2', lcpEchoInterval: 5, lcpEchoFailure: 3 },
    });
    link.start();
    try {
      await link.waitFor('up', 90_000);
      expect(link.status()).toMatchObject({ localIp: '10.0.2.15', remoteIp: '10.0.2.2' });
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '10.0.2.2', port, localAddress: '10.0.2.15' }, () => socket.end('hello through slirp'));
        let data = '';
        socket.on('data', (d) => (data += d.toString()));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
        socket.setTimeout(30_000, () => reject(new Error('TCP through slirp timed out')));
      });
      expect(reply).toBe('hello through slirp');
    } finally {
      await link.stop();
      server.close();
    }
    expect(link.status().state).toBe('stopped');
    const { stdout } = await sh('pgrep', ['-f', 'slirp-fullbolt'], { reject: false });
    expect(stdout.trim()).toBe('');
  });
});
