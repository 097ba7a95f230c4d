/**
 * The runner against a fake pppd: small /bin/sh scripts that print pppd-like lines on
 * stderr and exit, ignore SIGTERM, or leave children behind. Real processes, real signals,
 * real process groups; no sleeps in the test, only waits for events (generous bounds).
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DialbondError } from '../errors/index.js';
import type { PppLogEvent } from './log.js';
import { findPppd, startPppd, type PppdProcess } from './runner.js';

const root = mkdtempSync(join(tmpdir(), 'dialbond-pppd-fake-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let scripts = 0;
/** An executable fake pppd with this shell body. */
function fakePppd(body: string): string {
  const dir = join(root, `bin${++scripts}`);
  mkdirSync(dir);
  const path = join(dir, 'pppd');
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
}

/** Resolves with the first log line matching `pattern`. */
function lineMatching(ppp: PppdProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve) => {
    const onLine = (line: string) => {
      const match = pattern.exec(line);
      if (!match) return;
      ppp.off('line', onLine);
      resolve(match);
    };
    ppp.on('line', onLine);
  });
}

/** Gone, or a zombie nobody reaped yet (it no longer runs either way). */
function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

describe('startPppd with a fake pppd', () => {
  it('passes the argv unchanged, emits lines and events, and reports the exit status', async () => {
    const pppd = fakePppd(
      [
        'for a in "$@"; do echo "arg: $a" >&2; done',
        "echo 'Using interface ppp0' >&2",
        "echo 'Connect: ppp0 <--> /dev/pts/3' >&2",
        "echo 'Modem hangup' >&2",
        "echo 'Connection terminated.' >&2",
        'exit 16',
      ].join('\n'),
    );
    const ppp = startPppd({ args: ['nodetach', 'pty', "'ssh' 'it'\\''s'", '$HOME'], pppdPath: pppd });
    expect(ppp.pid).toBeGreaterThan(0);
    const events: PppLogEvent[] = [];
    ppp.on('log', (event) => events.push(event));
    const exit = await ppp.exited;
    expect(exit).toMatchObject({ status: 16, signal: null, name: 'hangup', fatal: false });
    expect(exit.lines.slice(0, 4)).toEqual(['arg: nodetach', 'arg: pty', "arg: 'ssh' 'it'\\''s'", 'arg: $HOME']);
    expect(events).toEqual([
      { type: 'interface', ifname: 'ppp0' },
      { type: 'connect', ifname: 'ppp0', device: '/dev/pts/3' },
      { type: 'hangup' },
      { type: 'terminated', multilink: false },
    ]);
  });

  it('reports a fatal exit as fatal', async () => {
    const ppp = startPppd({ args: [], pppdPath: fakePppd("echo 'PAP authentication failed' >&2\nexit 19") });
    expect(await ppp.exited).toMatchObject({ status: 19, name: 'auth-to-peer-failed', fatal: true });
  });

  it('masks the secrets it is given in every line and event, as pppd debug with show-password prints them', async () => {
    const ppp = startPppd({
      args: [],
      secrets: ['pw-0ne', 'hunter2'],
      pppdPath: fakePppd(
        [
          `echo 'sent [PAP AuthReq id=0x1 user="dialuser" password="pw-0ne"]' >&2`,
          `echo 'CHAP authentication failed: bad secret hunter2' >&2`,
          'exit 19',
        ].join('\n'),
      ),
    });
    const lines: string[] = [];
    const events: PppLogEvent[] = [];
    ppp.on('line', (line) => lines.push(line));
    ppp.on('log', (event) => events.push(event));
    const exit = await ppp.exited;
    expect(lines[0]).toBe('sent [PAP AuthReq id=0x1 user="dialuser" password="********"]');
    const everything = JSON.stringify([lines, events, exit]);
    expect(everything).toContain('bad secret ********');
    expect(everything).not.toContain('pw-0ne');
    expect(everything).not.toContain('hunter2');
  });

  it('keeps only the last 50 log lines', async () => {
    const ppp = startPppd({ args: [], pppdPath: fakePppd('i=1; while [ $i -le 60 ]; do echo "line $i" >&2; i=$((i+1)); done; exit 0') });
    const exit = await ppp.exited;
    expect(exit.lines).toHaveLength(50);
    expect(exit.lines[0]).toBe('line 11');
    expect(exit.lines.at(-1)).toBe('line 60');
  });

  it('gives pppd the handed-over line as its standard input', async () => {
    const input = join(root, 'line.txt');
    writeFileSync(input, 'Connect: ppp0 <--> /dev/pts/9\nModem hangup\n');
    const fd = openSync(input, 'r');
    try {
      const ppp = startPppd({ args: [], stdinFd: fd, pppdPath: fakePppd('cat >&2\nexit 16') });
      const exit = await ppp.exited;
      expect(exit.lines).toEqual(['Connect: ppp0 <--> /dev/pts/9', 'Modem hangup']);
    } finally {
      closeSync(fd);
    }
  });

  it('stop(): SIGTERM to pppd, which exits 5; children left in its group are killed', async () => {
    const pppd = fakePppd(
      [
        `trap 'echo "Terminating on signal 15" >&2; exit 5' TERM`,
        'sleep 1000 &',
        'echo "child $!" >&2',
        'echo ready >&2',
        'wait',
      ].join('\n'),
    );
    const ppp = startPppd({ args: [], pppdPath: pppd });
    const child = lineMatching(ppp, /^child (\d+)$/);
    await lineMatching(ppp, /^ready$/);
    const childPid = Number((await child)[1]);
    const events: PppLogEvent[] = [];
    ppp.on('log', (event) => events.push(event));
    const stopping = ppp.stop();
    expect(ppp.stop()).toBe(stopping);
    const exit = await stopping;
    expect(exit).toMatchObject({ status: 5, signal: null, name: 'user-request', fatal: false });
    expect(events).toContainEqual({ type: 'signal', signal: 15 });
    await vi.waitFor(() => expect(processGone(childPid)).toBe(true), { timeout: 10_000, interval: 20 });
    // Stopping again after the end just reports the end.
    expect(await ppp.stop()).toEqual(exit);
  });

  it('escalates to SIGKILL for the whole process group when SIGTERM is ignored', async () => {
    const pppd = fakePppd(["trap '' TERM", 'sleep 1000 &', 'echo "child $!" >&2', 'echo ready >&2', 'exec sleep 1000'].join('\n'));
    const ppp = startPppd({ args: [], pppdPath: pppd, killAfterMs: 200 });
    const child = lineMatching(ppp, /^child (\d+)$/);
    await lineMatching(ppp, /^ready$/);
    const childPid = Number((await child)[1]);
    const exit = await ppp.stop();
    expect(exit).toMatchObject({ status: null, signal: 'SIGKILL', name: 'killed', fatal: false });
    await vi.waitFor(() => expect(processGone(childPid)).toBe(true), { timeout: 10_000, interval: 20 });
  });

  it('an AbortSignal stops pppd', async () => {
    const pppd = fakePppd([`trap 'exit 5' TERM`, 'echo ready >&2', 'sleep 1000 &', 'wait'].join('\n'));
    const controller = new AbortController();
    const ppp = startPppd({ args: [], pppdPath: pppd, signal: controller.signal });
    await lineMatching(ppp, /^ready$/);
    controller.abort();
    expect(await ppp.exited).toMatchObject({ status: 5, name: 'user-request' });
  });

  it('an already aborted signal stops pppd at once', async () => {
    const controller = new AbortController();
    controller.abort();
    const ppp = startPppd({ args: [], pppdPath: fakePppd('exec sleep 1000'), signal: controller.signal });
    expect(await ppp.exited).toMatchObject({ status: null, signal: 'SIGTERM', name: 'killed' });
  });
});

describe('finding pppd', () => {
  it('throws PPP_NOT_FOUND synchronously for a pppd path that does not exist or is not executable', () => {
    for (const pppdPath of [join(root, 'nowhere', 'pppd'), join(root)]) {
      try {
        startPppd({ args: [], pppdPath });
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(DialbondError);
        expect((error as DialbondError).code).toBe('PPP_NOT_FOUND');
      }
    }
    const notExecutable = join(root, 'pppd.txt');
    writeFileSync(notExecutable, '#!/bin/sh\n', { mode: 0o644 });
    expect(() => startPppd({ args: [], pppdPath: notExecutable })).toThrow(DialbondError);
  });

  it('findPppd searches PATH, then the fallback directories, and skips relative entries', () => {
    const empty = mkdtempSync(join(root, 'empty-'));
    expect(findPppd(empty, [])).toBeUndefined();
    expect(findPppd('', [])).toBeUndefined();
    const fake = fakePppd('exit 0');
    const dir = fake.slice(0, -'/pppd'.length);
    expect(findPppd(`${empty}:${dir}`, [])).toBe(fake);
    expect(findPppd(empty, [dir])).toBe(fake);
    expect(findPppd(`relative/dir:.:${empty}`, [])).toBeUndefined();
  });

  it('refuses arguments that cannot be passed and a bad kill delay (PPP_OPTIONS)', () => {
    const pppdPath = fakePppd('exit 0');
    for (const options of [{ args: ['a\0b'] }, { args: [], killAfterMs: -1 }, { args: [], stdinFd: -2 }]) {
      try {
        startPppd({ ...options, pppdPath });
        expect.unreachable();
      } catch (error) {
        expect((error as DialbondError).code).toBe('PPP_OPTIONS');
      }
    }
  });
});
