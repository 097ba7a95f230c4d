/**
 * Lab: `dialbond console` as a person uses it, in an 80x24 tmux window against a real
 * daemon with two simulated modems: the screen shows both lines up, a key hangs one up and
 * another dials it again, the console says "disconnected" while the daemon restarts and
 * comes back by itself, and q quits.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SupervisorStatus } from '../../src/supervisor/index.js';
import { BUNDLE_ADDRESS, ISP_HOST } from './helpers/bundle-lab.js';
import { DaemonProcess } from './helpers/daemon.js';
import { startLabLines, type LabLines } from './helpers/lines.js';
import { sh } from './helpers/run.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dialbond');
const SESSION = `dialbond-console-${process.pid}`;
const allUp = (s: SupervisorStatus) => s.links.every((l) => l.state === 'up' && l.bundled);

const screen = async () => (await sh('tmux', ['capture-pane', '-p', '-t', SESSION])).stdout;

/** Waits until the screen matches, and returns it; fails with what the screen shows. */
async function screenShows(pattern: RegExp, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    last = await screen();
    if (pattern.test(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the console never showed ${pattern} within ${ms} ms; it shows:\n${last}`);
}

describe('lab: the console', () => {
  let lab: LabLines;
  let daemon: DaemonProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'dialbond-console-'));
  const config = join(dir, 'dialbond.yaml');
  const socket = join(dir, 'control.sock');
  const runDir = join(dir, 'run');

  beforeAll(async () => {
    process.env.DIALBOND_LOCK_DIR = join(dir, 'lock');
    await sh('mkdir', ['-p', join(dir, 'lock')]);
    lab = await startLabLines({ count: 2 });
    writeFileSync(
      config,
      stringify({
        bundle: { mode: 'teql', address: BUNDLE_ADDRESS, routes: [`${ISP_HOST}/32`] },
        links: lab.lines.map((line, i) => ({ name: `line${i}`, device: line.path, numbers: ['5551234'] })),
        supervisor: { redial: { initial: '1s' }, health: { lcpEchoInterval: 1, lcpEchoFailure: 3 } },
        control: { socket },
      }),
    );
    daemon = await DaemonProcess.start({ config, socket, runDir });
    await daemon.until(allUp, 120_000, 'both lines up');
  }, 180_000);

  afterAll(async () => {
    await sh('tmux', ['kill-session', '-t', SESSION], { reject: false });
    await DaemonProcess.stopIfRunning(daemon);
    await lab?.close();
    delete process.env.DIALBOND_LOCK_DIR;
  });

  it('shows the links, hangs one up and dials it again by keys, rides out a daemon restart, and quits', async () => {
    // -u: the guest has no locale set; the console draws its sparklines in UTF-8 when LANG says so
    await sh('tmux', ['-u', 'new-session', '-d', '-s', SESSION, '-x', '80', '-y', '24', `env LANG=C.UTF-8 ${process.execPath} ${BIN} console --socket ${socket}`]);
    let shown = await screenShows(/teql bundle on teql0, 2\/2 up/, 20_000);
    expect(shown).toMatch(/line0 +up +ppp\d/);
    expect(shown).toMatch(/line1 +up +ppp\d/);
    expect(shown).toMatch(/balance/);
    expect(shown).toMatch(/d dial {2}h hang up/);
    for (const row of shown.split('\n')) expect(row.length).toBeLessThanOrEqual(80);

    // select line1, hang it up
    await sh('tmux', ['send-keys', '-t', SESSION, 'Down']);
    await sh('tmux', ['send-keys', '-t', SESSION, 'h']);
    shown = await screenShows(/line1 +parked/, 20_000);
    expect(shown).toMatch(/line1 +parked.*\n.*modem1 5551234 +LINK_HUNG_UP: hung up on request/);
    expect(shown).toMatch(/line1 parked \(LINK_HUNG_UP/);
    expect((await daemon!.status()).links.find((l) => l.name === 'line1')?.state).toBe('parked');

    // the AT terminal to its idle modem
    await sh('tmux', ['send-keys', '-t', SESSION, 't']);
    await screenShows(/AT terminal to line1's modem/, 5000);
    await sh('tmux', ['send-keys', '-t', SESSION, 'ATI', 'Enter']);
    shown = await screenShows(/< OK/, 15_000);
    expect(shown).toMatch(/> ATI/);
    await sh('tmux', ['send-keys', '-t', SESSION, 'Escape']);

    // dial it again
    await sh('tmux', ['send-keys', '-t', SESSION, 'd']);
    await screenShows(/2\/2 up/, 60_000);

    // the daemon restarts: "disconnected", then back without touching the console
    daemon!.signal('SIGTERM');
    await daemon!.exited(20_000);
    await screenShows(/disconnected/, 10_000);
    daemon = await DaemonProcess.start({ config, socket, runDir });
    await screenShows(/teql bundle on teql0, 2\/2 up/, 120_000);

    await sh('tmux', ['send-keys', '-t', SESSION, 'q']);
    const deadline = Date.now() + 5000;
    while ((await sh('tmux', ['has-session', '-t', SESSION], { reject: false })).exitCode === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await sh('tmux', ['has-session', '-t', SESSION], { reject: false })).exitCode).not.toBe(0);
  });
});
