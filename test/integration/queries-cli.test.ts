/**
 * The query and control commands as a user runs them, against the kernel of this machine
 * (no ppp interfaces needed for the refusals) and against a control socket served by a
 * stand-in for the daemon: the exit status and message for each kind of trouble, and the
 * requests they send. (Against a real daemon and real ppp links: test/lab/daemon.test.ts.)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlServer, type ControlRequest } from '../../src/control/index.js';
import { DialbondError } from '../../src/errors/index.js';

const bin = fileURLToPath(new URL('../../bin/dialbond', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dialbond-queries-'));
const cli = (...args: string[]) => execa(process.execPath, [bin, ...args], { reject: false, timeout: 30_000 });

describe('dialbond info, links (kernel queries)', () => {
  it('says when the interface does not exist or is not ppp (exit 3), and refuses a bad word (exit 2)', async () => {
    const missing = await cli('info', 'ppp97');
    expect(missing.exitCode).toBe(3);
    expect(missing.stderr).toMatch(/^dialbond: no interface named ppp97 \(ppp interfaces now: .*\) \[LINK_UNKNOWN\]$/);
    const lo = await cli('info', 'lo', 'local');
    expect(lo.exitCode).toBe(3);
    expect(lo.stderr).toContain('lo is not a ppp interface (its link type is loopback)');
    const word = await cli('info', 'ppp0', 'sideways');
    expect(word.exitCode).toBe(2);
    expect(word.stderr).toContain('"sideways" is not one of local, remote, all');
  });

  it('links without a daemon measures whatever ppp interfaces exist, as JSON too', async () => {
    const run = await cli('links', '--json', '--interval', '0.2', '--socket', join(dir, 'none.sock'));
    expect(run.exitCode).toBe(0);
    const out = JSON.parse(run.stdout) as { atMs: number; links: unknown[] };
    expect(out.atMs).toBeGreaterThan(0);
    expect(Array.isArray(out.links)).toBe(true);
    expect((await cli('links', '--interval', 'soon')).exitCode).toBe(2);
  });
});

describe('dialbond status, up, down, enslave, emancipate, events (daemon controls)', () => {
  const socket = join(dir, 'control.sock');
  const asked: ControlRequest[] = [];
  let server: ControlServer;
  let publish: (e: unknown) => void = () => undefined;
  const link = (name: string, state: string) => ({ name, state, reason: null, ifname: 'ppp0', localIp: null, remoteIp: null, failures: 0, connect: null, speed: 28800, connectMs: 2100, since: Date.now(), bundled: state === 'up', heldOut: false, weight: 28800, dials: 1, drops: 0 });

  beforeAll(async () => {
    ({ server } = await ControlServer.listen({ path: socket }, {
      async handle(request) {
        asked.push(request);
        if ('link' in request && request.link !== 'line0') throw new DialbondError('LINK_UNKNOWN', `no link named "${request.link}" (links: line0)`);
        if (request.cmd === 'status') return { state: 'running', pid: 1234, startedAtMs: Date.now() - 61_000, mode: 'teql', bundle: { mode: 'teql', device: 'teql0', links: [] }, links: [link('line0', 'up')], up: 1, total: 1 };
        return link('line0', request.cmd === 'hangup' ? 'parked' : 'up');
      },
      subscribe(listener) {
        publish = listener;
        return () => (publish = () => undefined);
      },
    }));
  });
  afterAll(async () => server?.close());

  it('status prints the daemon and its links, or the status object with --json', async () => {
    const human = await cli('status', '--socket', socket);
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toContain('dialbond daemon (pid 1234) running, up 1m01s; teql bundle on teql0: 1 of 1 links in, 1 up');
    expect(human.stdout).toMatch(/line0 +up +\S+ +ppp0 +28800 +yes/);
    const json = await cli('status', '--json', '--socket', socket);
    expect(JSON.parse(json.stdout)).toMatchObject({ state: 'running', up: 1, links: [{ name: 'line0' }] });
  });

  it('up and down send dial and hangup; an unknown link is exit 3 with the daemon\'s words', async () => {
    asked.length = 0;
    const down = await cli('down', 'line0', '--socket', socket);
    expect(down).toMatchObject({ exitCode: 0, stdout: 'line0: parked' });
    const up = await cli('up', 'line0', '--json', '--socket', socket);
    expect(JSON.parse(up.stdout)).toMatchObject({ name: 'line0', state: 'up' });
    await cli('emancipate', 'line0', '--socket', socket);
    await cli('enslave', 'line0', '--socket', socket);
    expect(asked.map((r) => r.cmd)).toEqual(['hangup', 'dial', 'emancipate', 'enslave']);
    const unknown = await cli('up', 'line7', '--socket', socket);
    expect(unknown.exitCode).toBe(3);
    expect(unknown.stderr).toBe('dialbond: no link named "line7" (links: line0) [LINK_UNKNOWN]');
  });

  it('says when no daemon answers (exit 4)', async () => {
    for (const args of [['status'], ['up', 'line0'], ['events']]) {
      const run = await cli(...args, '--socket', join(dir, 'nobody.sock'));
      expect(run.exitCode).toBe(4);
      expect(run.stderr).toMatch(/cannot reach the daemon at .*nobody\.sock: no dialbond daemon is running there/);
    }
  });

  it('status --json with no daemon still prints JSON: the error object, exit 4', async () => {
    const run = await cli('status', '--json', '--socket', join(dir, 'nobody.sock'));
    expect(run.exitCode).toBe(4);
    const out = JSON.parse(run.stdout) as { error: { code: string; message: string; exitStatus: number } };
    expect(out.error).toMatchObject({ code: 'CONTROL_UNAVAILABLE', exitStatus: 4 });
    expect(out.error.message).toContain('nobody.sock');
  });

  it('events follows the stream, and says so when the daemon goes away', async () => {
    const child = execa(process.execPath, [bin, 'events', '--socket', socket], { reject: false, timeout: 30_000 });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    // publish until the subscription is in place and a line comes out (bounded)
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const before = out.length;
      publish({ type: 'link', link: 'line0', state: 'down', reason: { code: 'PPP_HANGUP', message: 'the modem hung up', fatal: false }, atMs: Date.UTC(2026, 0, 1, 8, 30, 0) });
      await new Promise((r) => setTimeout(r, 100));
      if (out.length > before) break;
    }
    expect(out).toContain('08:30:00.000 line0 down (PPP_HANGUP: the modem hung up)');
    await server.close();
    const result = await child;
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain('the daemon closed the connection');
  });
});

describe('usage errors of the command line', () => {
  const usage = async (...args: string[]) => {
    const run = await cli(...args);
    expect(run.exitCode, `dialbond ${args.join(' ')}`).toBe(2);
    expect(run.stderr).toMatch(/^dialbond: .* \[CLI_USAGE\]$/m);
    return run.stderr;
  };

  it('a missing argument, a missing option, an unknown command or option, no command: exit 2 with the help to read', async () => {
    expect(await usage('info')).toBe('dialbond: missing required argument \'iface\' [CLI_USAGE]\n(run "dialbond help info" for its options)');
    const dial = await usage('dial', '--number', '1');
    expect(dial).toContain("required option '-d, --device <path>' not specified");
    expect(dial).toContain('(run "dialbond help dial" for its options)');
    expect(await usage('config', 'check')).toContain('dialbond help config check');
    expect(await usage('no-such-command')).toContain("unknown command 'no-such-command'");
    expect(await usage('status', '--colour')).toContain("unknown option '--colour'");
    await usage();
  });

  it('--help and --version still exit 0', async () => {
    expect((await cli('--version')).exitCode).toBe(0);
    expect((await cli('info', '--help')).exitCode).toBe(0);
  });
});
