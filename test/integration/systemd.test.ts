/**
 * `dialbond daemon` under a service manager: started with NOTIFY_SOCKET pointing at a
 * datagram socket this test holds (the native helper's notifyListen, standing in for
 * systemd), it says READY=1 only once its control socket answers, feeds the watchdog at
 * half of WATCHDOG_USEC, and says STOPPING=1 on SIGTERM (and feeds the watchdog no more).
 * The one link is a pty link whose pppd cannot work on this kernel (no PPP): it parks,
 * which is all a daemon needs to be ready here (the lab runs real links).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../../src/control/index.js';
import { loadNotifyNative } from '../../src/sys/index.js';

const bin = fileURLToPath(new URL('../../bin/dialbond', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dialbond-systemd-'));
const native = loadNotifyNative();

interface Received {
  text: string;
  atMs: number;
  /** Whether the control socket answered a ping right after this datagram arrived. */
  socketAnswered?: boolean;
}

describe('dialbond daemon under systemd (Type=notify)', () => {
  const fds: number[] = [];
  afterAll(() => fds.forEach((fd) => native.closeFd(fd)));

  it('READY=1 after the socket answers, WATCHDOG=1 at half the period, STOPPING=1 on SIGTERM', async () => {
    const socket = join(dir, 'control.sock');
    const notifySocket = join(dir, 'notify.sock');
    const config = join(dir, 'dialbond.yaml');
    writeFileSync(config, `bundle: { mode: mlppp }\nlinks:\n  - { name: sdline0, command: [/bin/false] }\ncontrol: { socket: ${socket} }\n`);
    const fd = native.notifyListen(notifySocket);
    fds.push(fd);

    const started = Date.now();
    const child = spawn(process.execPath, [bin, 'daemon', '-c', config, '--run-dir', join(dir, 'run')], {
      // No WATCHDOG_PID: systemd sets it to the main pid, which is not known before the spawn.
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'WATCHDOG_PID')), NOTIFY_SOCKET: notifySocket, WATCHDOG_USEC: '600000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (c: Buffer) => (log += c.toString()));
    child.stderr.on('data', (c: Buffer) => (log += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    const received: Received[] = [];
    const drain = async () => {
      for (let text = native.notifyReceive(fd); text !== null; text = native.notifyReceive(fd)) {
        const entry: Received = { text, atMs: Date.now() - started };
        received.push(entry);
        if (text.includes('READY=1')) {
          const client = await ControlClient.connect(socket, 2000).catch(() => undefined);
          entry.socketAnswered = client !== undefined && (await client.request('ping').then((r) => r.pong, () => false));
          client?.close();
        }
      }
    };
    const until = async (what: (r: Received[]) => boolean, ms: number, label: string) => {
      const deadline = Date.now() + ms;
      while (!what(received)) {
        if (Date.now() > deadline) throw new Error(`no ${label} within ${ms} ms; got ${JSON.stringify(received)}\n${log}`);
        await drain();
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    await until((r) => r.some((x) => x.text.startsWith('READY=1')), 30_000, 'READY=1');
    const ready = received.find((x) => x.text.startsWith('READY=1'))!;
    expect(ready.socketAnswered).toBe(true);
    expect(ready.text).toMatch(/^READY=1\nSTATUS=\d of 1 links up, \d in the mlppp bundle/);

    const readyAt = ready.atMs;
    await until((r) => r.filter((x) => x.text === 'WATCHDOG=1' && x.atMs > readyAt).length >= 3, 10_000, 'three WATCHDOG=1 after READY=1');
    const beats = received.filter((x) => x.text === 'WATCHDOG=1').map((x) => x.atMs);
    // At half of WATCHDOG_USEC (300 ms); loose bounds: a busy test machine delays timers.
    const gaps = beats.slice(1).map((t, i) => t - (beats[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThan(150);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await drain();
    const stopping = received.findIndex((x) => x.text.startsWith('STOPPING=1'));
    expect(stopping, JSON.stringify(received)).toBeGreaterThan(-1);
    expect(received.slice(stopping + 1).filter((x) => x.text === 'WATCHDOG=1')).toEqual([]);
  }, 60_000);
});
